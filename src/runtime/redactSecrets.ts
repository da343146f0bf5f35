import { ConnectorError } from '../../connectors/ConnectorError';

/** What a secret is replaced with in messages and captures (as the API shows a sealed field). */
const SHOWN = '********';

/**
 * The shortest value treated as a secret for redaction. A shorter one (a client id `00`, a user
 * name) would be replaced wherever its characters occur, in codes, dates and the system's words,
 * and is not much of a secret anyway: the guides ask for long keys and passwords.
 */
export const MIN_REDACTED_CHARS = 8;

/**
 * `text` with every secret replaced by `********`, as written and in the forms a URL carries it
 * (`encodeURIComponent`, and a form's `+` for spaces): a key sent in a query string, or echoed by
 * a system in its answer or its error page, never reaches a log line, an error message or a raw
 * capture. Longest secrets first, so that one containing another is replaced whole. Values
 * shorter than MIN_REDACTED_CHARS are left alone.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_REDACTED_CHARS) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }
  let redacted = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length))
    redacted = redacted.split(form).join(SHOWN);
  return redacted;
}

/**
 * A failure of an upstream call with the secrets taken out of its message, and without the
 * transport error behind it: that one holds the request as sent (its URL with a query key, its
 * headers, a token request's body), which a log serialising the error would print.
 */
export function redactedError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const message = redactSecrets(error.message, secrets);
  const cause =
    error.cause === undefined
      ? undefined
      : new Error(
          redactSecrets(
            `${(error.cause as { code?: unknown }).code ?? ''} ${(error.cause as Error).message ?? ''}`.trim(),
            secrets,
          ),
        );
  if (error instanceof ConnectorError) {
    return new ConnectorError(error.code, message, {
      retryable: error.retryable,
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(cause === undefined ? {} : { cause }),
    });
  }
  return message === error.message ? error : new (error.constructor as ErrorConstructor)(message);
}
