import { formatPath } from '../../errors/ConfigurationError';
import { mapSecrets, REDACTED, SecretBox } from '../../registry/secretBox';
import { invalid, type RegistryResult } from './registrationResults';

/**
 * `********` keeps the secret stored at that place in `previous` (documents read back can be
 * edited and sent again). In a list of credentials (`upstream.auth: [...]`) the place is the
 * credential, not its position: an entry keeps the secret of the earlier entry with the same
 * identity (its type and what it writes: header or query parameter, user name, token URL and
 * client id), so reordering or inserting entries never moves a key into another header. A
 * `********` that keeps nothing is refused, naming its field (stored, it would be sent as the key).
 *
 * A stored secret is only ever sent to the origin it was entered for: when `upstream.baseUrl`'s or
 * `upstream.auth.tokenUrl`'s origin differs from `previous`, each kept secret must be given again
 * (a token bought with a client secret goes to the base URL, so either move counts for every
 * secret). `push.secret` only checks pushes coming in and is never sent, so it may stay. Returns
 * the document with kept secrets opened, or the fields to give again.
 */
export function keepSecrets(
  secrets: SecretBox,
  plain: Record<string, unknown>,
  previous: Record<string, unknown> | null,
): RegistryResult<Record<string, unknown>> {
  const moved = previous === null ? [] : movedOrigins(previous, plain);
  const problems: string[] = [];
  const document = mapSecrets(plain, (value, path) => {
    if (value !== REDACTED) return value;
    const kept = keptSecret(plain, previous, path);
    if (typeof kept !== 'string') {
      problems.push(
        `${formatPath(path)}: ${REDACTED} keeps nothing: ${kept.nothing}; write the secret out`,
      );
      return value;
    }
    if (moved.length > 0 && path[0] !== 'push') {
      problems.push(
        `${formatPath(path)}: give this secret again: ${moved.join(', ')} (a stored secret is only sent to the origin it was entered for)`,
      );
      return value;
    }
    return secrets.open(kept);
  }) as Record<string, unknown>;
  return problems.length > 0 ? invalid(problems) : { ok: true, value: document };
}

/**
 * The sealed secret a `********` at `path` keeps, or why it keeps nothing. One credential
 * (`upstream.auth: {...}`) keeping its own field, and every other secret, keep by place; a
 * credential of a list, or becoming or leaving one, keeps by identity.
 */
function keptSecret(
  plain: Record<string, unknown>,
  previous: Record<string, unknown> | null,
  path: readonly (string | number)[],
): string | { nothing: string } {
  if (previous === null) return { nothing: 'there is no earlier version to keep it from' };
  const [auth, before] = [plain, previous].map((doc) => valueAt(doc, ['upstream', 'auth']));
  const inAuth = path[0] === 'upstream' && path[1] === 'auth';
  if (!inAuth || (!Array.isArray(auth) && !Array.isArray(before))) {
    return secretAt(previous, path) ?? { nothing: 'the earlier version has no secret there' };
  }
  const entry = Array.isArray(auth) ? auth[path[2] as number] : auth;
  const field = path.at(-1) as string;
  const identity = credentialIdentity(entry);
  const earlier = (Array.isArray(before) ? before : [before]).filter(
    (candidate) => credentialIdentity(candidate) === identity,
  );
  if (earlier.length !== 1)
    return {
      nothing: `the earlier version has ${earlier.length === 0 ? 'no' : 'several'} ${identity} credential${earlier.length === 0 ? '' : 's'}`,
    };
  return (
    secretAt({ entry: earlier[0] }, ['entry', field]) ?? {
      nothing: `the earlier ${identity} credential has no ${field}`,
    }
  );
}

/**
 * What names one credential whatever its position: its type and what it writes (the header or
 * query parameter of a key, `X-API-Key` when neither is given), the user name, the token URL and
 * client id; none of them secret.
 */
function credentialIdentity(credential: unknown): string {
  if (credential === null || typeof credential !== 'object') return '(not a credential)';
  const text = (key: string): string | undefined => {
    const value = (credential as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  const type = text('type') ?? '(no type)';
  const parts = [type];
  if (type === 'apiKey') {
    const param = text('queryParam');
    parts.push(
      param === undefined
        ? `header ${(text('header') ?? 'X-API-Key').toLowerCase()}`
        : `queryParam ${param}`,
    );
  }
  for (const key of ['username', 'tokenUrl', 'clientId']) {
    const value = text(key);
    if (value !== undefined) parts.push(`${key} ${value}`);
  }
  return parts.join(', ');
}

/**
 * The document as stored: every secret sealed, except a `********` (`keepSecrets` refuses one that
 * keeps nothing; one stored by an earlier gateway stays as it was, and cannot be opened).
 */
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
