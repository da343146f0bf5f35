import { parse as parseYaml } from 'yaml';

/**
 * Reads YAML or JSON text submitted through the API (a registration, a directory entry) into one
 * mapping, or says why not, under `label` (`(document)`, `(entry)`): too many bytes, not YAML
 * (with the line, never the parser's message, which quotes the line and may hold a secret), or
 * not a mapping (`shape` says what is expected).
 */
export function readYamlMapping(
  text: string,
  limits: {
    maxBytes: number;
    label: string;
    /** How the limit reads in the refusal: `262144 (256 KiB) a registration`. */
    limit: string;
    /** What the text must be: `a registration is a mapping (id, kind, …)`. */
    shape: string;
  },
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes)
    return {
      ok: false,
      problem: `${limits.label}: ${bytes} bytes, more than the ${limits.limit} may have`,
    };
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const offset = (error as { pos?: [number, number] }).pos?.[0];
    const line = offset === undefined ? null : text.slice(0, offset).split('\n').length;
    return {
      ok: false,
      problem: `${limits.label}: not valid YAML or JSON${line === null ? '' : ` at line ${line}`}`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, problem: `${limits.label}: ${limits.shape}` };
  return { ok: true, value: value as Record<string, unknown> };
}
