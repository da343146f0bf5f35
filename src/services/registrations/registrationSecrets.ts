import { formatPath } from '../../errors/ConfigurationError';
import { mapSecrets, REDACTED, SecretBox } from '../../registry/secretBox';
import { invalid, type RegistryResult } from './registrationResults';

/**
 * `********` keeps the secret stored at that path in `previous` (documents read back can be
 * edited and sent again), but a stored secret is only ever sent to the origin it was entered
 * for: when `upstream.baseUrl`'s or `upstream.auth.tokenUrl`'s origin differs from `previous`,
 * each kept secret must be given again (a token bought with a client secret goes to the base
 * URL, so either move counts for every secret). `push.secret` only checks pushes coming in and
 * is never sent, so it may stay. Returns the document with kept secrets opened, or the fields to
 * give again.
 */
export function keepSecrets(
  secrets: SecretBox,
  plain: Record<string, unknown>,
  previous: Record<string, unknown> | null,
): RegistryResult<Record<string, unknown>> {
  const moved = previous === null ? [] : movedOrigins(previous, plain);
  const again: string[] = [];
  const document = mapSecrets(plain, (value, path) => {
    if (value !== REDACTED || previous === null) return value;
    const kept = secretAt(previous, path);
    if (kept === undefined) return value;
    if (moved.length > 0 && path[0] !== 'push') {
      again.push(
        `${formatPath(path)}: give this secret again: ${moved.join(', ')} (a stored secret is only sent to the origin it was entered for)`,
      );
      return value;
    }
    return secrets.open(kept);
  }) as Record<string, unknown>;
  return again.length > 0 ? invalid(again) : { ok: true, value: document };
}

/** The document as stored: every secret sealed, except a `********` that kept nothing. */
export function sealSecrets(
  secrets: SecretBox,
  document: Record<string, unknown>,
): Record<string, unknown> {
  return mapSecrets(document, (value) =>
    value === REDACTED ? value : secrets.seal(value),
  ) as Record<string, unknown>;
}

/** A stored document with its secrets opened (throws when a key is missing). */
export function openSecrets(secrets: SecretBox, document: Record<string, unknown>): unknown {
  return mapSecrets(document, (sealed) =>
    SecretBox.isSealed(sealed) ? secrets.open(sealed) : sealed,
  );
}

/** The value at a path of a document, undefined when the path does not lead anywhere. */
function valueAt(document: Record<string, unknown>, path: readonly (string | number)[]): unknown {
  let value: unknown = document;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

function secretAt(
  document: Record<string, unknown>,
  path: readonly (string | number)[],
): string | undefined {
  const value = valueAt(document, path);
  return typeof value === 'string' && SecretBox.isSealed(value) ? value : undefined;
}

/** How a document's upstream calls moved: one line per origin (base URL, token URL) that differs. */
function movedOrigins(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const origin = (
    document: Record<string, unknown>,
    path: readonly (string | number)[],
  ): string => {
    const value = valueAt(document, path);
    if (typeof value !== 'string') return '(none)';
    return URL.canParse(value) ? new URL(value).origin : value;
  };
  return [['upstream', 'baseUrl'], ...tokenUrlPaths(before), ...tokenUrlPaths(after)]
    .filter(
      (path, index, all) => all.findIndex((p) => formatPath(p) === formatPath(path)) === index,
    )
    .flatMap((path) => {
      const [from, to] = [origin(before, path), origin(after, path)];
      return from === to ? [] : [`${formatPath(path)} moved from ${from} to ${to}`];
    });
}

/** Where a document's token URLs sit: `upstream.auth.tokenUrl`, or one per entry of a list. */
function tokenUrlPaths(document: Record<string, unknown>): (string | number)[][] {
  const auth = valueAt(document, ['upstream', 'auth']);
  return Array.isArray(auth)
    ? auth.map((_entry, index) => ['upstream', 'auth', index, 'tokenUrl'])
    : [['upstream', 'auth', 'tokenUrl']];
}
