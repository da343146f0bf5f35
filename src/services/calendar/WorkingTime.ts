import type { HolidayCalendar } from './HolidayCalendar';

/** Office hours of one day, as `HH:mm` pairs in Vietnam time, in order. */
export type OfficeHours = ReadonlyArray<readonly [string, string]>;

/** 07:00–11:30 and 13:30–17:00: eight hours (docs/domain.md §5). */
export const DEFAULT_OFFICE_HOURS: OfficeHours = [
  ['07:00', '11:30'],
  ['13:30', '17:00'],
];

const DAY = 86_400_000;
/** Vietnam is UTC+7 all year (no daylight saving): a local day is plain arithmetic. */
const OFFSET = 7 * 3_600_000;
/** Spans are measured within this many years; beyond, they are refused rather than cut short. */
const MAX_YEARS = 100;

/**
 * Working time of one agency: its office hours on the days state agencies work. Durations are
 * milliseconds of office time; a working day is the length of a day's office hours (8 hours by
 * default). What happens outside office hours waits for the next working period: a dossier received
 * at 18:00 on a Friday starts on Monday at 07:00 (or after Tết, when that Monday is in it).
 * Whole working days between two instants are counted from per-year prefix sums, so a span of
 * years costs no more than a span of days.
 */
export class WorkingTime {
  /** Office periods as milliseconds from local midnight. */
  private readonly periods: Array<[number, number]>;
  /** Office time in one working day. */
  readonly dayMs: number;
  /** Per year: working-day flags and the number of working days before each day of the year. */
  private readonly years = new Map<
    number,
    { first: number; working: Uint8Array; before: Int32Array }
  >();

  constructor(
    private readonly calendar: HolidayCalendar,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
  ) {
    this.periods = hours.map(([from, to]) => [minutes(from) * 60_000, minutes(to) * 60_000]);
    let previous = -1;
    for (const [from, to] of this.periods) {
      if (!(from < to) || from < previous)
        throw new RangeError(
          `office hours must be increasing, non-empty periods: ${JSON.stringify(hours)}`,
        );
      previous = to;
    }
    this.dayMs = this.periods.reduce((sum, [from, to]) => sum + (to - from), 0);
  }

  /**
   * Whether the working days from `from` to `to` (either order) come from a computed year, not
   * the official schedule: then office time between them is a guess at that year's swaps.
   */
  computedBetween(from: Date, to: Date): boolean {
    const year = (date: Date) =>
      Number(new Date(date.getTime() + 7 * 3_600_000).toISOString().slice(0, 4));
    const [a, b] = [year(from), year(to)].sort((x, y) => x - y) as [number, number];
    for (let y = a; y <= b; y += 1) if (this.calendar.isComputed(y)) return true;
    return false;
  }

  /** Whether state agencies work on the Vietnam day of `at`. */
  isWorkingDayAt(at: Date): boolean {
    return this.calendar.isWorkingDay(
      new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10),
    );
  }

  /** Office time between two instants (0 when `to` is not after `from`). */
  between(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    const firstDay = dayIndex(a);
    const lastDay = dayIndex(b);
    if (lastDay - firstDay > MAX_YEARS * 366) throw new RangeError('a span of more than 100 years');
    if (firstDay === lastDay) return this.officeWithin(firstDay, a, b);
    const head = this.officeWithin(firstDay, a, dayStart(firstDay + 1));
    const tail = this.officeWithin(lastDay, dayStart(lastDay), b);
    const whole = this.workingDaysBetween(firstDay + 1, lastDay) * this.dayMs;
    return head + whole + tail;
  }

  /**
   * Office time over the union of intervals: overlapping ones merged first, so a moment inside
   * two intervals counts once.
   */
  overUnion(intervals: ReadonlyArray<readonly [Date, Date]>): number {
    const sorted = intervals
      .map(
        ([from, to]) =>
          [from.getTime(), Math.max(from.getTime(), to.getTime())] as [number, number],
      )
      .sort((a, b) => a[0] - b[0]);
    let total = 0;
    let current: [number, number] | null = null;
    for (const interval of sorted) {
      if (current !== null && interval[0] <= current[1]) {
        current[1] = Math.max(current[1], interval[1]);
        continue;
      }
      if (current !== null) total += this.between(new Date(current[0]), new Date(current[1]));
      current = interval;
    }
    if (current !== null) total += this.between(new Date(current[0]), new Date(current[1]));
    return total;
  }

  /** The instant at which `ms` of office time has passed since `from`. */
  add(from: Date, ms: number): Date {
    let left = ms;
    let day = dayIndex(from.getTime());
    let cursor = from.getTime();
    for (let guard = 0; guard < MAX_YEARS * 366; guard += 1) {
      if (this.isWorking(day)) {
        const start = dayStart(day);
        for (const [open, close] of this.periods) {
          const begin = Math.max(start + open, cursor);
          const end = start + close;
          if (end <= begin) continue;
          if (left <= end - begin) return new Date(begin + left);
          left -= end - begin;
        }
      }
      day += 1;
      cursor = dayStart(day);
    }
    throw new RangeError('a span of more than 100 years');
  }

  /**
   * The end of the working day `date` (`yyyy-MM-dd`, a Vietnam day): the close of its last office
   * period; when state agencies do not work that day, the close of the next working day (a time
   * limit whose last day is a day off ends at the end of the next working day: Civil Code 2015
   * art. 148(5); docs/domain.md §3). What a due date given without a time means.
   */
  endOfWorkingDay(date: string): Date {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    if (match === null) throw new RangeError(`not yyyy-MM-dd: ${date}`);
    let day = dayNumber(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    const close = (this.periods.at(-1) as [number, number])[1];
    for (let guard = 0; guard < MAX_YEARS * 366; guard += 1, day += 1)
      if (this.isWorking(day)) return new Date(dayStart(day) + close);
    throw new RangeError('no working day within 100 years');
  }

  /** `days` working days of office time after `from` (the usual due date of a procedure). */
  addWorkingDays(from: Date, days: number): Date {
    return this.add(from, days * this.dayMs);
  }

  /** Office time of local day `day` between two instants within it. */
  private officeWithin(day: number, from: number, to: number): number {
    if (!this.isWorking(day)) return 0;
    const start = dayStart(day);
    let total = 0;
    for (const [open, close] of this.periods) {
      const begin = Math.max(start + open, from);
      const end = Math.min(start + close, to);
      if (end > begin) total += end - begin;
    }
    return total;
  }

  /** Working days in [fromDay, toDay), from the years' prefix sums. */
  private workingDaysBetween(fromDay: number, toDay: number): number {
    if (toDay <= fromDay) return 0;
    const fromYear = yearOf(fromDay);
    const toYear = yearOf(toDay);
    const a = this.table(fromYear);
    const b = this.table(toYear);
    const beforeFrom = a.before[fromDay - a.first] as number;
    const beforeTo = b.before[toDay - b.first] as number;
    if (fromYear === toYear) return beforeTo - beforeFrom;
    let count = this.totalOf(fromYear) - beforeFrom + beforeTo;
    for (let year = fromYear + 1; year < toYear; year += 1) count += this.totalOf(year);
    return count;
  }

  private readonly totals = new Map<number, number>();

  private totalOf(year: number): number {
    let total = this.totals.get(year);
    if (total === undefined) {
      const table = this.table(year);
      const last = table.working.length - 1;
      total = (table.before[last] as number) + (table.working[last] as number);
      this.totals.set(year, total);
    }
    return total;
  }

  private isWorking(day: number): boolean {
    const table = this.table(yearOf(day));
    return table.working[day - table.first] === 1;
  }

  private table(year: number) {
    let table = this.years.get(year);
    if (table === undefined) {
      const first = dayNumber(year, 0, 1);
      const length = dayNumber(year + 1, 0, 1) - first;
      const working = new Uint8Array(length);
      const before = new Int32Array(length);
      let count = 0;
      for (let i = 0; i < length; i += 1) {
        before[i] = count;
        const iso = new Date((first + i) * DAY).toISOString().slice(0, 10);
        working[i] = this.calendar.isWorkingDay(iso) ? 1 : 0;
        count += working[i] as number;
      }
      table = { first, working, before };
      this.years.set(year, table);
    }
    return table;
  }
}

/** The local (Vietnam) day number of an instant: days since 1970-01-01 in Vietnam. */
function dayIndex(ms: number): number {
  return Math.floor((ms + OFFSET) / DAY);
}

/**
 * The day number (days since 1970-01-01) of a calendar date. setUTCFullYear, not Date.UTC: that
 * reads years 0–99 as 1900–1999 (0001-01-01, .NET's "no date", as 1901).
 */
function dayNumber(year: number, monthIndex: number, date: number): number {
  const midnight = new Date(0);
  midnight.setUTCFullYear(year, monthIndex, date);
  return Math.round(midnight.getTime() / DAY);
}

/** The instant local day `day` begins. */
function dayStart(day: number): number {
  return day * DAY - OFFSET;
}

function yearOf(day: number): number {
  return new Date(day * DAY).getUTCFullYear();
}

function minutes(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (match === null) throw new RangeError(`not HH:mm: ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
