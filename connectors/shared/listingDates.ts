import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * How a listing writes the dates it asks for (`{{from}}`, `{{to}}` in a SOAP template, `$from`,
 * `$to` in rest-json's JSONata): a Luxon format of the tokens below, checked when the registration
 * is read, so that a format that would send something else than a date (`YYYY-MM-DD` is Luxon's
 * "YYYY-07-Jul 1, 2026") is a configuration error, not a listing that silently finds nothing.
 *
 * The dates are Vietnam calendar dates: `from` is the first day received at 00:00:00 and `to` the
 * last day at 23:59:59.999 (`toDate: inclusive`, the default) or the day after it at 00:00:00
 * (`toDate: exclusive`), in Asia/Ho_Chi_Minh, whatever the gateway's own time zone. Date-only
 * formats write the days themselves; a time or an epoch shows those instants.
 */
export const VIETNAM_ZONE = 'Asia/Ho_Chi_Minh';

export const DEFAULT_LISTING_DATE_FORMAT = 'yyyy-MM-dd';

/** The tokens a listing's date format may use, and what each stands for. */
const TOKENS: Readonly<Record<string, 'year' | 'month' | 'day' | 'time' | 'offset' | 'epoch'>> = {
  yyyy: 'year',
  yy: 'year',
  MM: 'month',
  M: 'month',
  dd: 'day',
  d: 'day',
  HH: 'time',
  H: 'time',
  mm: 'time',
  ss: 'time',
  SSS: 'time',
  Z: 'offset',
  ZZ: 'offset',
  ZZZ: 'offset',
  x: 'epoch',
  X: 'epoch',
};

const MAX_FORMAT_LENGTH = 60;

type Part = { token: string } | { literal: string };

/** The format read as Luxon reads it: runs of one letter are tokens, 'quoted' text is literal. */
function parts(format: string): Part[] | string {
  const found: Part[] = [];
  let i = 0;
  while (i < format.length) {
    const char = format[i] as string;
    if (char === "'") {
      const end = format.indexOf("'", i + 1);
      if (end === -1) return `a quote opened at character ${i + 1} is not closed`;
      found.push({ literal: format.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(char)) {
      let end = i;
      while (format[end] === char) end += 1;
      found.push({ token: format.slice(i, end) });
      i = end;
    } else {
      found.push({ literal: char });
      i += 1;
    }
  }
  return found;
}

/** What is wrong with a listing date format, in words a registration's author can act on; null when fine. */
export function listingDateFormatProblem(format: string): string | null {
  if (format.length === 0) return 'an empty date format; the default is yyyy-MM-dd';
  if (format.length > MAX_FORMAT_LENGTH)
    return `a date format of ${format.length} characters; at most ${MAX_FORMAT_LENGTH}`;
  const read = parts(format);
  if (typeof read === 'string') return read;
  const kinds = new Set<string>();
  for (const part of read) {
    if (!('token' in part)) continue;
    const kind = TOKENS[part.token];
    if (kind === undefined)
      return `"${part.token}" is not a token listings write: use yyyy (year), MM (month), dd (day), HH, mm, ss (time), ZZ (offset), x or X (epoch), e.g. dd/MM/yyyy; put other letters in quotes ('T')`;
    kinds.add(kind);
  }
  if (kinds.has('epoch'))
    return read.length === 1 ? null : 'x and X (epoch milliseconds, seconds) stand alone';
  const missing = (['year', 'month', 'day'] as const).filter((kind) => !kinds.has(kind));
  if (missing.length > 0)
    return `a date format needs the year (yyyy), the month (MM) and the day (dd); this one has no ${missing.join(', no ')}`;
  return null;
}

/** A date format in a registration, checked against the tokens above, with its default. */
function dateFormatSchema(defaultFormat: string) {
  return z
    .string()
    .superRefine((format, ctx) => {
      const problem = listingDateFormatProblem(format);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default(defaultFormat);
}

/** A listing's date format in a registration: checked, default yyyy-MM-dd. */
export const listingDateFormat = dateFormatSchema(DEFAULT_LISTING_DATE_FORMAT);

/** How a changed-since request writes its instant by default: ISO 8601 in Vietnam time. */
export const DEFAULT_SINCE_FORMAT = "yyyy-MM-dd'T'HH:mm:ssZZ";

/**
 * How a changed-since request writes its instant (`$since`, `{{since}}`): the same tokens as a
 * listing's dates, default `yyyy-MM-dd'T'HH:mm:ssZZ` (2026-12-06T09:30:00+07:00). A date-only
 * format writes the instant's Vietnam day: the system then lists a little more, never less.
 */
export const sinceFormat = dateFormatSchema(DEFAULT_SINCE_FORMAT);

/** An instant (ISO 8601 with its offset) as a changed-since request writes it, in Vietnam time. */
export function renderSince(since: string, format: string): string {
  const instant = DateTime.fromISO(since, {
    setZone: true,
    locale: 'en-US',
    numberingSystem: 'latn',
  });
  if (!instant.isValid || !/(Z|[+-]\d{2}:?\d{2})$/.test(since))
    throw new TypeError(`a changed-since instant must be ISO 8601 with its offset, not "${since}"`);
  return instant.setZone(VIETNAM_ZONE).toFormat(format);
}

/** Whether a listing's `to` is the last day received or the day after it. */
export type ListingToDate = 'inclusive' | 'exclusive';

/**
 * The first and last days received (Vietnam dates, yyyy-MM-dd, both included: the gateway's
 * `DossierListQuery`) as the system wants them written.
 */
export function renderListingDates(
  range: { from: string; to: string },
  format: string,
  toDate: ListingToDate,
): { from: string; to: string } {
  const day = (value: string) => {
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? DateTime.fromISO(value, { zone: VIETNAM_ZONE, locale: 'en-US', numberingSystem: 'latn' })
      : DateTime.invalid('not yyyy-MM-dd');
    if (!parsed.isValid) throw new TypeError(`a listing date must be yyyy-MM-dd, not "${value}"`);
    return parsed;
  };
  const first = day(range.from).startOf('day');
  const last = day(range.to);
  const end = toDate === 'inclusive' ? last.endOf('day') : last.plus({ days: 1 }).startOf('day');
  return { from: first.toFormat(format), to: end.toFormat(format) };
}
