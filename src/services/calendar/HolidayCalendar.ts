import { DateTime } from 'luxon';
import { convertLunar2Solar } from 'vietnamese-lunar-calendar/build/solar-lunar';
import { z } from 'zod';
import { loadDataFile } from '../../platform/loadDataFile';
import { ConfigurationError } from '../../errors/ConfigurationError';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'an ISO date, yyyy-MM-dd');
const fileSchema = z.object({
  years: z.record(
    z.string().regex(/^\d{4}$/, 'a year'),
    z.object({
      source: z.string().min(1),
      daysOff: z.array(isoDate),
      workingSaturdays: z.array(isoDate).default([]),
    }),
  ),
});

export interface YearSchedule {
  /** Weekdays without work: holidays, their compensatory days, swapped days. */
  daysOff: ReadonlySet<string>;
  /** Saturdays worked in exchange for a swapped weekday. */
  workingSaturdays: ReadonlySet<string>;
  /** `official` (the data file) or `computed` (the Labour Code and the lunar calendar). */
  origin: 'official' | 'computed';
}

/**
 * Which days state agencies work (docs/domain.md §5): Monday to Friday,
 * less public holidays, with the Government's yearly swaps. Known years come from the official
 * schedule (data/holidays.vn.yaml); any other year is computed from the Labour Code 2019, Art. 112:
 * New Year's Day; Tết — the last day of the lunar year and the first four of the new one, by the
 * Vietnamese lunar calendar (Hồ Ngọc Đức's algorithm at UTC+7, which differs from the Chinese
 * calendar in some years) — taken as five weekdays in a row placed as the announced schedules of
 * 2024–2026 place them (`tetDaysOff`); the Hùng Kings' day (10th of the 3rd lunar month); 30 April;
 * 1 May; 2 September with the day before (the day after when the 2nd is a Monday); and, as Art.
 * 111(3) gives, another holiday falling on a weekend is made up on the next working day. Computed
 * years carry no other swaps: those are decided year by year, so every figure that depends on a
 * computed year says so (`isComputed`).
 */
export class HolidayCalendar {
  private readonly computed = new Map<number, YearSchedule>();

  private constructor(private readonly official: ReadonlyMap<number, YearSchedule>) {}

  /** The official schedule from `file` (null: computed years only). */
  static async load(file: string | null): Promise<HolidayCalendar> {
    if (file === null) return new HolidayCalendar(new Map());
    const data = await loadDataFile(file, fileSchema, 'the holiday schedule');
    const years = new Map<number, YearSchedule>();
    const problems: Array<{ file: string; path: string; message: string }> = [];
    for (const [year, schedule] of Object.entries(data.years)) {
      for (const day of schedule.daysOff) {
        if (!day.startsWith(year) || !isWeekday(day))
          problems.push({
            file,
            path: `years.${year}.daysOff`,
            message: `${day} is not a weekday of ${year}`,
          });
      }
      for (const day of schedule.workingSaturdays) {
        if (!day.startsWith(year) || DateTime.fromISO(day).weekday !== 6)
          problems.push({
            file,
            path: `years.${year}.workingSaturdays`,
            message: `${day} is not a Saturday of ${year}`,
          });
      }
      // Every statutory holiday that falls on a weekday must be among the days off.
      for (const holiday of statutoryHolidays(Number(year))) {
        if (isWeekday(holiday.date) && !schedule.daysOff.includes(holiday.date))
          problems.push({
            file,
            path: `years.${year}.daysOff`,
            message: `${holiday.date} (${holiday.name}) is a public holiday on a weekday but is not listed`,
          });
      }
      years.set(Number(year), {
        daysOff: new Set(schedule.daysOff),
        workingSaturdays: new Set(schedule.workingSaturdays),
        origin: 'official',
      });
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
    return new HolidayCalendar(years);
  }

  /** Whether state agencies work on `day` (yyyy-MM-dd, Vietnam date). */
  isWorkingDay(day: string): boolean {
    const schedule = this.year(Number(day.slice(0, 4)));
    const weekday = DateTime.fromISO(day).weekday;
    if (weekday === 6) return schedule.workingSaturdays.has(day);
    if (weekday === 7) return false;
    return !schedule.daysOff.has(day);
  }

  /** Whether `year`'s days off are computed (not in the official schedule file). */
  isComputed(year: number): boolean {
    return !this.official.has(year);
  }

  year(year: number): YearSchedule {
    const official = this.official.get(year);
    if (official !== undefined) return official;
    let computed = this.computed.get(year);
    if (computed === undefined) {
      // Years without four digits (0001-01-01, .NET's "no date") have no holidays worked out: the
      // computation reads dates as yyyy-MM-dd (it looped forever on year 1). Weekends still count.
      const daysOff = year >= 1000 && year <= 9999 ? computeDaysOff(year) : new Set<string>();
      computed = { daysOff, workingSaturdays: new Set(), origin: 'computed' };
      this.computed.set(year, computed);
    }
    return computed;
  }
}

/** The first day of Tết (lunar 1/1) of a Gregorian year, Vietnam time. */
export function firstDayOfTet(year: number): string {
  return lunarToSolar(1, 1, year);
}

/** The Hùng Kings' Commemoration (lunar 10/3) of a Gregorian year. */
export function hungKingsDay(year: number): string {
  return lunarToSolar(10, 3, year);
}

function lunarToSolar(day: number, month: number, year: number): string {
  const solar = convertLunar2Solar(day, month, year, 0, 7);
  if (!(solar instanceof Date)) throw new RangeError(`no lunar date ${day}/${month}/${year}`);
  // The library builds the date at the process's local midnight: read it back in local terms.
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${solar.getFullYear()}-${pad(solar.getMonth() + 1)}-${pad(solar.getDate())}`;
}

function isWeekday(day: string): boolean {
  return DateTime.fromISO(day).weekday <= 5;
}

/** The Labour Code's holidays of a year with a fixed rule (the adjacent day of 2/9 aside). */
function statutoryHolidays(year: number): Array<{ date: string; name: string }> {
  return [
    { date: `${year}-01-01`, name: 'Tết Dương lịch' },
    { date: firstDayOfTet(year), name: 'mùng 1 Tết' },
    { date: hungKingsDay(year), name: 'Giỗ Tổ Hùng Vương' },
    { date: `${year}-04-30`, name: 'Ngày Chiến thắng' },
    { date: `${year}-05-01`, name: 'Quốc tế Lao động' },
    { date: `${year}-09-02`, name: 'Quốc khánh' },
  ];
}

function computeDaysOff(year: number): Set<string> {
  const date = (iso: string) => DateTime.fromISO(iso);
  const september2 = date(`${year}-09-02`);
  const holidays = [
    date(`${year}-01-01`),
    date(hungKingsDay(year)),
    date(`${year}-04-30`),
    date(`${year}-05-01`),
    september2,
    september2.plus({ days: september2.weekday === 1 ? 1 : -1 }),
  ];
  const tet = tetDaysOff(year);
  const holidaySet = new Set(holidays.map((d) => d.toISODate() as string));
  const off = new Set<string>(tet);
  for (const holiday of holidays.sort((a, b) => a.toMillis() - b.toMillis())) {
    if (holiday.weekday <= 5) {
      off.add(holiday.toISODate() as string);
      continue;
    }
    // Art. 111(3): a holiday on the weekly rest day is taken on the next working day.
    let next = holiday.plus({ days: 1 });
    while (
      next.weekday > 5 ||
      holidaySet.has(next.toISODate() as string) ||
      off.has(next.toISODate() as string)
    )
      next = next.plus({ days: 1 });
    off.add(next.toISODate() as string);
  }
  return off;
}

/**
 * Tết's weekdays off in a computed year: the five holidays (the last day of the lunar year, the
 * first four of the new one) that fall on weekdays, made up to five weekdays in a row. Of the runs
 * of five weekdays that hold them, the one giving the longest break with its weekends, then the one
 * with as many extra days before the holidays as after, then the earlier. This places them as the
 * announced schedules of 2024 (8–14/2), 2025 (27–31/1) and 2026 (16–20/2) did; 2023's (20–26/1)
 * it does not (it gives 23–27/1): a computed year is a guess, and is marked as one.
 */
export function tetDaysOff(year: number): string[] {
  const first = DateTime.fromISO(firstDayOfTet(year));
  const holidays = [-1, 0, 1, 2, 3].map((offset) => first.plus({ days: offset }));
  const needed = holidays.filter((day) => day.weekday <= 5).map((day) => day.toISODate() as string);
  const weekdays: DateTime[] = [];
  for (
    let day = first.minus({ days: 12 });
    day <= first.plus({ days: 12 });
    day = day.plus({ days: 1 })
  )
    if (day.weekday <= 5) weekdays.push(day);
  const lastDay = holidays[0] as DateTime;
  const fourth = holidays[4] as DateTime;
  let best: { days: DateTime[]; length: number; balance: number } | null = null;
  for (let i = 0; i + 5 <= weekdays.length; i += 1) {
    const run = weekdays.slice(i, i + 5);
    const iso = run.map((day) => day.toISODate() as string);
    if (!needed.every((day) => iso.includes(day))) continue;
    // The break: the run widened over the weekends next to it.
    let from = run[0] as DateTime;
    while (from.minus({ days: 1 }).weekday > 5) from = from.minus({ days: 1 });
    let to = run[4] as DateTime;
    while (to.plus({ days: 1 }).weekday > 5) to = to.plus({ days: 1 });
    const length = to.diff(from, 'days').days;
    const before = run.filter((day) => day < lastDay).length;
    const after = run.filter((day) => day > fourth).length;
    const balance = Math.abs(before - after);
    if (best === null || length > best.length || (length === best.length && balance < best.balance))
      best = { days: run, length, balance };
  }
  return (best?.days ?? []).map((day) => day.toISODate() as string);
}
