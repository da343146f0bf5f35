import { z } from 'zod';
import { ConnectorError } from '../ConnectorError';
import type { Evaluate } from './expression/ExpressionCompiler';
import { expression } from './expression/expressionSchema';

/** What an error answered inside HTTP 200 means, as a registration declares it. */
export const BODY_ERROR_MEANINGS = [
  'authFailed',
  'notFound',
  'tooManyCodes',
  'badRequest',
  'unavailable',
] as const;
export type BodyErrorMeaning = (typeof BODY_ERROR_MEANINGS)[number];

/**
 * `config.errors`: conditions on a 2xx answer's body that mean the system refused the call (an
 * `error_code` inside HTTP 200), first match wins. Read on every call of the kind before any record.
 */
export const bodyErrorsSchema = z
  .array(
    z.strictObject({
      /** JSONata predicate over the parsed body: `true` (exactly) when this rule applies. */
      when: expression,
      means: z.enum(BODY_ERROR_MEANINGS, {
        error: `one of ${BODY_ERROR_MEANINGS.join(', ')}`,
      }),
      /** JSONata over the body giving the system's own words, kept (masked, shortened) in the error. */
      message: expression.optional(),
    }),
  )
  .max(20)
  .default([]);

export type BodyErrorRules = z.output<typeof bodyErrorsSchema>;

/** A rule that matched an answer: what it means and the system's own words, made safe to show. */
export interface BodyError {
  means: BodyErrorMeaning;
  /** Index of the rule in `config.errors`. */
  rule: number;
  words: string | null;
}

/** Reads an answer's body against the rules: the first that matches, or null. */
export type CheckBody = (body: unknown) => Promise<BodyError | null>;

/**
 * The rules compiled. `redact` takes the credentials' secrets out of the system's words first,
 * before they are masked and shortened (a key cut in two or half masked would no longer be found).
 */
export function compileBodyErrors(
  rules: BodyErrorRules,
  compile: (source: string) => Evaluate,
  redact: (text: string) => string = (text) => text,
): CheckBody {
  const compiled = rules.map((rule) => ({
    means: rule.means,
    when: compile(rule.when),
    message: rule.message === undefined ? undefined : compile(rule.message),
  }));
  return async (body) => {
    for (const [index, rule] of compiled.entries()) {
      if ((await rule.when(body)) !== true) continue;
      // The words are a courtesy: an expression that cannot read them does not hide the error.
      const words =
        rule.message === undefined ? null : await rule.message(body).catch(() => undefined);
      const said =
        typeof words === 'string' || typeof words === 'number' ? redact(String(words)) : words;
      return { means: rule.means, rule: index, words: systemWords(said) };
    }
    return null;
  };
}

/** Longest part of the system's own message kept in an error message. */
export const MAX_SYSTEM_WORDS = 200;

/**
 * The most of the system's message read at all (UTF-16 units), before any pattern runs: a
 * megabyte-long message costs no more than a short one. Four times what is kept leaves room for
 * the spaces and decomposed letters that normalising removes.
 */
export const MAX_SYSTEM_WORDS_READ = 4 * MAX_SYSTEM_WORDS;

/** A character that separates words (collapsed to one space in the kept text). */
const SEPARATOR = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]/u;

/**
 * A date (`2025-03-12`, `12/03/2025`, `12.03.2025`, `12-03-2025`), or a number written in groups
 * of digits joined by one space, dot or dash (`0912 345 678`, `038.012.345.678`) that is not part
 * of a word or code (`000.00.08.H47` stays whole). Runs on at most MAX_SYSTEM_WORDS_READ units.
 */
const DATE_OR_NUMBER =
  /(?<![\p{L}\p{N}_.\-/])(?:(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})(?![\p{L}\p{N}_]|[-./][\p{L}\p{N}])|\d+(?:[ .-]\d+)+(?![\p{L}\p{N}_]|[.-][\p{L}\p{N}]))/gu;

/** Least digits of a number, across its separators, that is masked as personal data may be. */
const MASKED_DIGITS = 6;

/**
 * A match of DATE_OR_NUMBER as shown: a real date as it is; a number of MASKED_DIGITS digits or
 * more (a phone, an identity number) with every digit but the last three hidden, separators kept.
 */
function maskNumber(found: string, date: string | undefined): string {
  if (date !== undefined && isDate(date)) return found;
  const digits = found.replace(/\D/g, '').length;
  if (digits < MASKED_DIGITS) return found;
  let shown = 3;
  return [...found]
    .reverse()
    .map((character) => {
      if (!/\d/.test(character)) return character;
      shown -= 1;
      return shown >= 0 ? character : '*';
    })
    .reverse()
    .join('');
}

/** Year first or last, a month 1–12 and a day 1–31. */
function isDate(text: string): boolean {
  const [first, month, last] = text.split(/[-./]/).map(Number) as [number, number, number];
  const day = /\d{4}$/.test(text) ? first : last;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * The system's own message as it may appear in an error message (which reaches logs and API
 * clients, so carries no personal data): a string or number, NFC, on one line, at most
 * MAX_SYSTEM_WORDS characters; e-mail addresses reduced to their domain and every digit of a
 * number of six digits or more (in one run, or in groups joined by a space, dot or dash, as phones
 * and identity numbers are written) but the last three hidden, as docs/MASKING.md masks identity
 * numbers; dates and codes with letters (`000.00.08.H47`) stay readable. Names cannot be told
 * from other words: `message` must point at the system's message field only. Only the first MAX_SYSTEM_WORDS_READ units are read, the word cut there left out whole (no
 * part of a number escapes its mask), before any pattern runs.
 */
export function systemWords(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  let text = firstWords(String(value))
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();
  text = text
    .replace(/[^\s@"'<>()[\]]+@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)/gu, '***@$1')
    .replace(DATE_OR_NUMBER, maskNumber)
    .replace(/\d{6,}/g, (digits) => '*'.repeat(digits.length - 3) + digits.slice(-3));
  if (text === '') return null;
  const characters = [...text];
  return characters.length > MAX_SYSTEM_WORDS
    ? `${characters.slice(0, MAX_SYSTEM_WORDS).join('')}…`
    : text;
}

/**
 * The first MAX_SYSTEM_WORDS_READ units of a message, without the word running past the cut
 * (unless the whole head is one word, whose end lies far beyond what is kept).
 */
function firstWords(text: string): string {
  if (text.length <= MAX_SYSTEM_WORDS_READ) return text;
  if (SEPARATOR.test(text.charAt(MAX_SYSTEM_WORDS_READ)))
    return text.slice(0, MAX_SYSTEM_WORDS_READ);
  for (let end = MAX_SYSTEM_WORDS_READ - 1; end > 0; end -= 1)
    if (SEPARATOR.test(text.charAt(end))) return text.slice(0, end);
  return text.slice(0, MAX_SYSTEM_WORDS_READ);
}

const SAYS: Record<Exclude<BodyErrorMeaning, 'notFound'>, string> = {
  authFailed: "refused the gateway's credentials",
  tooManyCodes: 'refused the request: too many codes',
  badRequest: 'refused the request',
  unavailable: 'is unavailable for now',
};

/**
 * The typed error for a matched rule: authFailed → UPSTREAM_AUTH_FAILED (not retried),
 * unavailable → UPSTREAM_UNAVAILABLE (retried as an HTTP 503 is), badRequest and tooManyCodes
 * (where the call cannot be split) → UPSTREAM_BAD_REQUEST (not retried). `notFound` is not an
 * error: each call answers it its own way.
 */
export function bodyErrorAsConnectorError(
  found: BodyError & { means: Exclude<BodyErrorMeaning, 'notFound'> },
  what: string,
  httpStatus: number,
): ConnectorError {
  const code =
    found.means === 'authFailed'
      ? 'UPSTREAM_AUTH_FAILED'
      : found.means === 'unavailable'
        ? 'UPSTREAM_UNAVAILABLE'
        : 'UPSTREAM_BAD_REQUEST';
  const words = found.words === null ? '' : `: "${found.words}"`;
  return new ConnectorError(
    code,
    `${what}: upstream ${SAYS[found.means]} (HTTP ${httpStatus}, config.errors[${found.rule}])${words}`,
    { httpStatus },
  );
}

/**
 * A bulk call the upstream refused as asking for too many codes at once: the engine splits the
 * batch in halves and asks again, down to one code, which then fails with `error`.
 */
export class BatchTooLarge {
  constructor(readonly error: ConnectorError) {}
}
