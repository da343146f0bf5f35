import { z } from 'zod';
import { ConnectorError } from '../ConnectorError';

/** One name of a path: a JSONata name (letters, digits, `_`, `$`) or any name in backquotes. */
const SEGMENT = /(?:[\p{L}_$][\p{L}\p{N}_$]*|`[^`]+`)/u;
const PATH = new RegExp(`^${SEGMENT.source}(?:\\.${SEGMENT.source})*$`, 'u');

/** The names of a path, backquotes removed. */
export function pathSegments(path: string): string[] {
  return (path.match(new RegExp(SEGMENT.source, 'gu')) ?? []).map((name) =>
    name.startsWith('`') ? name.slice(1, -1) : name,
  );
}

/**
 * `jsonText`: the places in an answer whose value is a JSON document written as text
 * (`"data": "[{\"MaHoSo\": …}]"`), parsed before `records` or `record` is read. Each is a JSONata
 * path of names (`data`, `result.payload`, `` `Dữ liệu` ``); through a list it applies to every item.
 */
export const jsonTextSchema = z
  .array(
    z
      .string()
      .regex(
        PATH,
        'a path of names separated by "." (such as data or result.payload; a name with other characters in backquotes), no filters or functions',
      ),
  )
  .max(8)
  .default([]);

/** Longest JSON text read at one path: the most an answer may hold (upstream.maxResponseBytes' default). */
export const DEFAULT_MAX_JSON_TEXT_CHARS = 10 * 1024 * 1024;

/**
 * Parses, in place, the JSON text at each path of a freshly parsed answer. Absent and `null`
 * values stay; an empty text is read as `null` (no data). A text that is not JSON, or longer than
 * `maxChars`, is UPSTREAM_BAD_RESPONSE naming the path (never the text: it may hold personal data).
 * No JSONata runs here, so no evaluation limit depends on how many records the text holds.
 */
export function decodeJsonText(
  body: unknown,
  paths: readonly string[],
  what: string,
  maxChars: number = DEFAULT_MAX_JSON_TEXT_CHARS,
): unknown {
  for (const path of paths) decodeAt(body, pathSegments(path), path, what, maxChars);
  return body;
}

/**
 * Walks the path from `body` with a list of places still to visit rather than by recursion: lists
 * nested however deep (an answer may nest thousands) never exhaust the call stack.
 */
function decodeAt(
  body: unknown,
  segments: readonly string[],
  path: string,
  what: string,
  maxChars: number,
): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: body, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (Array.isArray(value)) {
      // Last item pushed first, so that items are read in order.
      for (let index = value.length - 1; index >= 0; index -= 1)
        pending.push({ value: value[index] as unknown, depth });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const name = segments[depth] as string;
    if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
    const holder = value as Record<string, unknown>;
    if (depth + 1 < segments.length) pending.push({ value: holder[name], depth: depth + 1 });
    else decodeText(holder, name, path, what, maxChars);
  }
}

/** Parses the JSON text held at `holder[name]`, in place. */
function decodeText(
  holder: Record<string, unknown>,
  name: string,
  path: string,
  what: string,
  maxChars: number,
): void {
  const text = holder[name];
  if (typeof text !== 'string') return;
  if (text.length > maxChars) {
    throw new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: the JSON text at jsonText path "${path}" is longer than ${maxChars} characters`,
    );
  }
  if (text.trim() === '') {
    holder[name] = null;
    return;
  }
  try {
    holder[name] = JSON.parse(text) as unknown;
  } catch {
    throw new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: the text at jsonText path "${path}" is not JSON (${text.length} characters)`,
    );
  }
}
