import { DateTime } from 'luxon';
import type { HolidayCalendar } from './HolidayCalendar';

const ZONE = 'Asia/Ho_Chi_Minh';

/** Office hours of one day, as `HH:mm` pairs in Vietnam time, in order. */
export type OfficeHours = ReadonlyArray<readonly [string, string]>;

/** 07:00–11:30 and 13:30–17:00: eight hours (DOMAIN.md §5). */
export const DEFAULT_OFFICE_HOURS: OfficeHours = [
  ['07:00', '11:30'],
  ['13:30', '17:00'],
];

/**
 * Working time of one agency: its office hours on the days state agencies work. Durations are
 * milliseconds of office time; a working day is the length of a day's office hours (8 hours by
 * default). What happens outside office hours waits for the next working period: a dossier received
 * at 18:00 on a Friday starts on Monday at 07:00 (or after Tết, when that Monday is in it).
 */
export class WorkingTime {
  private readonly periods: Array<[number, number]>;
  /** Office time in one working day. */
  readonly dayMs: number;

  constructor(
    private readonly calendar: HolidayCalendar,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
  ) {
    this.periods = hours.map(([from, to]) => [minutes(from), minutes(to)]);
    let previous = -1;
    for (const [from, to] of this.periods) {
      if (!(from < to) || from < previous)
        throw new RangeError(
          `office hours must be increasing, non-empty periods: ${JSON.stringify(hours)}`,
        );
      previous = to;
    }
    this.dayMs = this.periods.reduce((sum, [from, to]) => sum + (to - from) * 60_000, 0);
  }

  /** Office time between two instants (0 when `to` is not after `from`). */
  between(from: Date, to: Date): number {
    if (to.getTime() <= from.getTime()) return 0;
    let total = 0;
    for (const [start, end] of this.periodsFrom(from)) {
      if (start >= to.getTime()) break;
      total += Math.min(end, to.getTime()) - Math.max(start, from.getTime());
    }
    return total;
  }

  /** The instant at which `ms` of office time has passed since `from`. */
  add(from: Date, ms: number): Date {
    let left = ms;
    for (const [start, end] of this.periodsFrom(from)) {
      const begin = Math.max(start, from.getTime());
      if (left <= end - begin) return new Date(begin + left);
      left -= end - begin;
    }
    throw new RangeError('unreachable: periods never end');
  }

  /** `days` working days of office time after `from` (the usual due date of a procedure). */
  addWorkingDays(from: Date, days: number): Date {
    return this.add(from, days * this.dayMs);
  }

  /** Office periods (epoch ms) that end after `from`, in order, without end. */
  private *periodsFrom(from: Date): Generator<[number, number]> {
    let day = DateTime.fromJSDate(from, { zone: ZONE }).startOf('day');
    for (let guard = 0; guard < 366 * 50; guard += 1) {
      const iso = day.toISODate() as string;
      if (this.calendar.isWorkingDay(iso)) {
        for (const [start, end] of this.periods) {
          const s = day.plus({ minutes: start }).toMillis();
          const e = day.plus({ minutes: end }).toMillis();
          if (e > from.getTime()) yield [s, e];
        }
      }
      day = day.plus({ days: 1 });
    }
  }
}

function minutes(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (match === null) throw new RangeError(`not HH:mm: ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
