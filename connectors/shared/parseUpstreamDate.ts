import { DateTime, FixedOffsetZone, type Zone } from 'luxon';

/**
 * Date formats seen upstream (docs/domain.md §3). Patterns use Luxon tokens, which read like the
 * documents: `dd/MM/yyyy HH:mm:ss`. `ISO` accepts ISO 8601 with or without a zone; `epochMillis`
 * and `epochSeconds` accept Unix times.
 */
export const DEFAULT_DATE_FORMATS: readonly string[] = [
  'ISO',
  'yyyyMMddHHmmss',
  'yyyy-MM-dd HH:mm:ss',
  'dd/MM/yyyy HH:mm:ss',
  'dd/MM/yyyy HH:mm',
  'dd/MM/yyyy',
];

/** Vietnam has kept UTC+7 without daylight saving since 1975; times leave the gateway in it. */
export const VIETNAM_ZONE: Zone = FixedOffsetZone.instance(7 * 60);

/** Read-only: its compiled form is kept per object (`compiledParsing`). */
export interface DateParsing {
  /** Formats tried in order. Default `DEFAULT_DATE_FORMATS`. */
  readonly formats: readonly string[];
  /** Zone of a time that carries none. Default Vietnam time (UTC+7). */
  readonly zone: Zone;
}

/**
 * `timeGiven` is false when the text was a date without a time of day (`14/03/2025`, `2025-03-14`):
 * `value` is then 00:00 of that day in Vietnam time, and the caller decides what the day means
 * (a due date is the end of that working day: normaliseDossier.ts, docs/domain.md §3).
 */
export type ParsedDate =
  { ok: true; value: string; timeGiven: boolean } | { ok: false; problem: string };

/**
 * Parses an upstream time into ISO 8601 with +07:00 (`2025-03-14T08:30:00+07:00`), trying each
 * accepted format in order.
 */
export function parseUpstreamDate(raw: string, parsing: DateParsing): ParsedDate {
  const text = raw.trim();
  const { formats, offset } = compiledParsing(parsing);
  for (const { format, fast, timed } of formats) {
    // A zone without daylight saving (Vietnam's, or any fixed offset) needs no calendar library.
    // A date without a time is a Vietnam day whatever the registration's zone: no shift.
    if (fast !== null && offset !== null) {
      const value = fastIso(text, fast, timed ? offset : 420);
      if (value === null) continue;
      if (value !== undefined) return { ok: true, value, timeGiven: timed };
    }
    const timeGiven = timed && !(format === 'ISO' && DATE_ONLY_ISO.test(text));
    const parsed = parseWith(text, format, fast, timeGiven ? parsing.zone : VIETNAM_ZONE);
    if (parsed?.isValid) {
      const value = parsed.setZone(VIETNAM_ZONE).toISO({ suppressMilliseconds: true });
      if (value !== null) return { ok: true, value, timeGiven };
    }
  }
  return {
    ok: false,
    problem: `"${text}" matches none of the accepted date formats (${parsing.formats.join(', ')})`,
  };
}

/** A registration's formats, each with its fixed-width reading, and its zone's fixed offset. */
interface CompiledParsing {
  /** `timed`: the format reads a time of day (`ISO` does unless the text is a bare date). */
  formats: Array<{ format: string; fast: FastFormat | null; timed: boolean }>;
  /** Minutes east of UTC, or null for a zone with daylight saving. */
  offset: number | null;
}

const compiledParsings = new WeakMap<DateParsing, CompiledParsing>();

function compiledParsing(parsing: DateParsing): CompiledParsing {
  let compiled = compiledParsings.get(parsing);
  if (compiled === undefined) {
    compiled = {
      formats: parsing.formats.map((format) => ({
        format,
        fast: fastFormat(format),
        timed: readsTime(format),
      })),
      offset: parsing.zone.isUniversal ? parsing.zone.offset(0) : null,
    };
    compiledParsings.set(parsing, compiled);
  }
  return compiled;
}

/** `2025-03-14`: an ISO 8601 date without a time. */
const DATE_ONLY_ISO = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether a format reads a time of day: an hour token outside quoted literals (Luxon's `H`, `h`,
 * `HH`…), a localised time (`t`, `f`, `F`), a Unix time (`X`, `x`), or a format that always
 * carries one (`ISO` unless bare, `epochMillis`, `epochSeconds`). An unquoted `T` is a separator
 * here, as the fixed-width reading takes it.
 */
export function readsTime(format: string): boolean {
  if (format === 'ISO' || format === 'epochMillis' || format === 'epochSeconds') return true;
  return /[HhtfFXx]/.test(format.replace(/'[^']*'/g, ''));
}

/** Formats made only of fixed-width numeric fields and literal separators, read without Luxon. */
const FIELD_TOKENS: Record<string, keyof Fields> = {
  yyyy: 'year',
  MM: 'month',
  dd: 'day',
  HH: 'hour',
  mm: 'minute',
  ss: 'second',
};

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Where each field's digits stand in a matching text, and the separators between them. */
interface FastFormat {
  width: number;
  fields: Array<{ field: keyof Fields; at: number; length: number }>;
  literals: Array<{ at: number; code: number }>;
}

const fastFormats = new Map<string, FastFormat | null>();

/**
 * Reads `dd/MM/yyyy HH:mm:ss`-like formats as fixed positions. Luxon's `fromFormat` re-reads the
 * format on every call, which dominated mapping time on bulk answers; a regular expression per
 * date was still a tenth of it.
 */
function fastFormat(format: string): FastFormat | null {
  let compiled = fastFormats.get(format);
  if (compiled !== undefined) return compiled;
  const fields: FastFormat['fields'] = [];
  const literals: FastFormat['literals'] = [];
  let at = 0;
  let rest = format;
  compiled = null;
  while (rest.length > 0) {
    const token = Object.keys(FIELD_TOKENS).find((t) => rest.startsWith(t));
    if (token !== undefined) {
      fields.push({ field: FIELD_TOKENS[token] as keyof Fields, at, length: token.length });
      at += token.length;
      rest = rest.slice(token.length);
    } else if (/^[\s/:.\-T]/.test(rest)) {
      literals.push({ at, code: rest.charCodeAt(0) });
      at += 1;
      rest = rest.slice(1);
    } else {
      fastFormats.set(format, null);
      return null;
    }
  }
  const names = fields.map((f) => f.field);
  if (
    new Set(names).size === names.length &&
    names.includes('year') &&
    names.includes('month') &&
    names.includes('day')
  ) {
    compiled = { width: at, fields, literals };
  }
  fastFormats.set(format, compiled);
  return compiled;
}

/** The ASCII digits at `at` as a number, or -1. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The fields a fixed-width format reads from `text`, or null when it does not match. */
function readFields(text: string, format: FastFormat): Fields | null {
  if (text.length !== format.width) return null;
  for (const { at, code } of format.literals) if (text.charCodeAt(at) !== code) return null;
  const fields: Fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const { field, at, length } of format.fields) {
    const value = digits(text, at, length);
    if (value < 0) return null;
    fields[field] = value;
  }
  if (fields.hour > 23 || fields.minute > 59 || fields.second > 59) return null;
  return fields;
}

const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/**
 * A fixed-width time in a zone of fixed offset (minutes east of UTC) as ISO 8601 in Vietnam time,
 * without Luxon (a third of a lookup's mapping time was Luxon building and formatting these):
 * null when the text does not match or names no real time (31/02, 24:00), undefined for years
 * before 100, which JavaScript dates read as 19xx (Luxon handles those).
 */
function fastIso(
  text: string,
  format: FastFormat,
  offsetMinutes: number,
): string | null | undefined {
  const fields = readFields(text, format);
  if (fields === null) return null;
  const { year, month, day, hour, minute, second } = fields;
  if (year < 100) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  // Already in Vietnam time: the fields are the answer.
  if (offsetMinutes === 420) return wallClockIso(year, month, day, hour, minute, second);
  const vietnam = new Date(
    Date.UTC(year, month - 1, day, hour, minute, second) -
      offsetMinutes * 60_000 +
      VIETNAM_OFFSET_MS,
  );
  const y = vietnam.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  return wallClockIso(
    y,
    vietnam.getUTCMonth() + 1,
    vietnam.getUTCDate(),
    vietnam.getUTCHours(),
    vietnam.getUTCMinutes(),
    vietnam.getUTCSeconds(),
  );
}

/**
 * A Vietnam wall-clock time (year 0–9999) as ISO 8601 with its +07:00 offset, to the second (the
 * gateway's `vietnamIso` in src/domain/vietnamTime.ts formats instants with milliseconds).
 */
function wallClockIso(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): string {
  // Two halves made once each and joined: a batch's thousands of dates share few days and
  // times, and a template of a dozen pieces left a dozen strings of garbage per date.
  const dayKey = year * 10_000 + month * 100 + day;
  let date = DAYS.get(dayKey);
  if (date === undefined) {
    date = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;
    if (DAYS.size >= MAX_KEPT) DAYS.clear();
    DAYS.set(dayKey, date);
  }
  const timeKey = hour * 10_000 + minute * 100 + second;
  let time = TIMES.get(timeKey);
  if (time === undefined) {
    time = `T${two(hour)}:${two(minute)}:${two(second)}+07:00`;
    if (TIMES.size >= MAX_KEPT) TIMES.clear();
    TIMES.set(timeKey, time);
  }
  return date + time;
}

/** Formatted days and times of day, by their fields (at most `MAX_KEPT` of each, then anew). */
const DAYS = new Map<number, string>();
const TIMES = new Map<number, string>();
const MAX_KEPT = 20_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Two-digit fields, built once: a bulk answer formats a dozen dates per dossier. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : String(n)));

/** 0–99 as two digits (every caller's fields are in that range). */
function two(n: number): string {
  return TWO_DIGITS[n] as string;
}

function parseFast(text: string, format: FastFormat, zone: Zone): DateTime | null {
  const fields = readFields(text, format);
  if (fields === null) return null;
  const parsed = DateTime.fromObject(fields, { zone });
  // fromObject refuses 31/02; hours are checked above because it would roll 24:00 over.
  return parsed.isValid ? parsed : null;
}

/** `fast`: the format's fixed-width reading (`fastFormat`), when it has one. */
function parseWith(
  text: string,
  format: string,
  fast: FastFormat | null,
  zone: Zone,
): DateTime | null {
  if (fast !== null) return parseFast(text, fast, zone);
  switch (format) {
    case 'ISO':
      // A leading digit-run check keeps "20250314083000" from being read as an ISO basic date.
      return /^\d{4}-\d{2}-\d{2}/.test(text) ? DateTime.fromISO(text, { zone }) : null;
    case 'epochMillis':
      return /^\d{10,14}$/.test(text) ? DateTime.fromMillis(Number(text), { zone }) : null;
    case 'epochSeconds':
      return /^\d{9,11}$/.test(text) ? DateTime.fromSeconds(Number(text), { zone }) : null;
    default:
      return DateTime.fromFormat(text, format, { zone });
  }
}

/** Whether a format string is one `parseUpstreamDate` understands, for registration validation. */
export function checkDateFormat(format: string): string | null {
  if (format === 'ISO' || format === 'epochMillis' || format === 'epochSeconds') return null;
  const sample = DateTime.fromObject(
    { year: 2025, month: 3, day: 14, hour: 8, minute: 30, second: 5 },
    { zone: VIETNAM_ZONE },
  );
  const text = sample.toFormat(format);
  const back = DateTime.fromFormat(text, format, { zone: VIETNAM_ZONE });
  return back.isValid && back.year === 2025 && back.month === 3 && back.day === 14
    ? null
    : `"${format}" is not a date format this gateway can read back (Luxon tokens, e.g. dd/MM/yyyy HH:mm:ss)`;
}
