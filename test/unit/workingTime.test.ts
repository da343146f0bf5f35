import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  firstDayOfTet,
  HolidayCalendar,
  hungKingsDay,
  tetDaysOff,
} from '../../src/services/calendar/HolidayCalendar';
import { WorkingTime } from '../../src/services/calendar/WorkingTime';
import { PROJECT_ROOT } from '../support/testGateway';

const HOLIDAYS = join(PROJECT_ROOT, 'data', 'holidays.vn.yaml');
const at = (local: string) => new Date(`${local}+07:00`);
const HOUR = 3_600_000;

describe('Holiday calendar', () => {
  it('computes the first day of Tết and the Hùng Kings’ day by the Vietnamese lunar calendar', () => {
    expect([2024, 2025, 2026, 2027].map(firstDayOfTet)).toEqual([
      '2024-02-10',
      '2025-01-29',
      '2026-02-17',
      '2027-02-06',
    ]);
    // 1985 and 2007: where the Vietnamese calendar (UTC+7) and the Chinese one (UTC+8) differ.
    expect(firstDayOfTet(1985)).toBe('1985-01-21');
    expect(firstDayOfTet(2007)).toBe('2007-02-17');
    expect([2024, 2025, 2026].map(hungKingsDay)).toEqual([
      '2024-04-18',
      '2025-04-07',
      '2026-04-26',
    ]);
  });

  it('computes the same dates whatever the process time zone', () => {
    const before = process.env.TZ;
    try {
      for (const zone of ['Asia/Ho_Chi_Minh', 'America/Los_Angeles', 'UTC']) {
        process.env.TZ = zone;
        expect([zone, firstDayOfTet(2027), hungKingsDay(2026)]).toEqual([
          zone,
          '2027-02-06',
          '2026-04-26',
        ]);
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('without the data file, computes every year: Tết, weekends made up, no swaps', async () => {
    const computed = await HolidayCalendar.load(null);
    expect(computed.year(2027).origin).toBe('computed');
    // Tết 2027: Saturday 6/2. Eve Friday 5/2, days 1–4 Sat–Tue: three weekdays off (5, 8, 9/2)
    // made up to five in a row, one before and one after, as the announced 2024 schedule did
    // when Tết fell on a Saturday: Thursday 4/2 to Wednesday 10/2.
    const working = (day: string) => computed.isWorkingDay(day);
    expect(
      [
        '2027-02-03',
        '2027-02-04',
        '2027-02-05',
        '2027-02-08',
        '2027-02-09',
        '2027-02-10',
        '2027-02-11',
      ].map(working),
    ).toEqual([true, false, false, false, false, false, true]);
    // Hùng Kings' day 2026 falls on Sunday 26/4: made up on Monday 27/4. 2 September 2024 is a
    // Monday: the day after is off too.
    expect(['2026-04-27', '2024-09-02', '2024-09-03', '2024-09-04'].map(working)).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(['2026-01-01', '2026-01-02', '2026-01-10'].map(working)).toEqual([false, true, false]);
  });

  it('computes Tết as the announced schedules of 2024, 2025 and 2026 placed it', async () => {
    const official = await HolidayCalendar.load(HOLIDAYS);
    for (const year of [2024, 2025, 2026]) {
      const announced = [...official.year(year).daysOff].filter(
        (day) => day >= `${year}-01-15` && day <= `${year}-02-28`,
      );
      expect([year, tetDaysOff(year)]).toEqual([year, announced.sort()]);
    }
    // Known years are official, later ones computed (and marked so wherever they count).
    expect([2026, 2027].map((year) => official.isComputed(year))).toEqual([false, true]);
    const time = new WorkingTime(official);
    expect(time.computedBetween(at('2026-12-30T08:00:00'), at('2026-12-31T08:00:00'))).toBe(false);
    expect(time.computedBetween(at('2026-12-30T08:00:00'), at('2027-01-04T08:00:00'))).toBe(true);
  });

  it('uses the official schedule for known years: swapped days and working Saturdays', async () => {
    const calendar = await HolidayCalendar.load(HOLIDAYS);
    expect(calendar.year(2026).origin).toBe('official');
    const working = (day: string) => calendar.isWorkingDay(day);
    // New Year 2026: Friday 2/1 swapped for Saturday 10/1.
    expect(['2026-01-01', '2026-01-02', '2026-01-10', '2026-01-17'].map(working)).toEqual([
      false,
      false,
      true,
      false,
    ]);
    // Tết 2024: Thursday 8/2 to Wednesday 14/2; Saturday 4/5/2024 worked.
    expect(
      ['2024-02-07', '2024-02-08', '2024-02-14', '2024-02-15', '2024-05-04'].map(working),
    ).toEqual([true, false, false, true, true]);
    expect(calendar.year(2027).origin).toBe('computed');
  });

  it('refuses a schedule that lists a weekend as a day off or a weekday as a working Saturday', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'holidays-'));
    const file = join(folder, 'h.yaml');
    await writeFile(
      file,
      'years:\n  2026:\n    source: test\n    daysOff: [2026-02-14]\n    workingSaturdays: [2026-02-16]\n',
    );
    await expect(HolidayCalendar.load(file)).rejects.toThrow(
      /years\.2026\.daysOff: 2026-02-14 is not a weekday of 2026[\s\S]*workingSaturdays: 2026-02-16 is not a Saturday/,
    );
    // A statutory holiday on a weekday left out (30 April 2026 is a Thursday).
    await writeFile(
      file,
      'years:\n  2026:\n    source: test\n    daysOff: [2026-01-01, 2026-02-17, 2026-05-01, 2026-09-02]\n',
    );
    await expect(HolidayCalendar.load(file)).rejects.toThrow(
      /2026-04-30 \(Ngày Chiến thắng\) is a public holiday on a weekday but is not listed/,
    );
  });
});

describe('Working time (07:00–11:30, 13:30–17:00)', () => {
  let time: WorkingTime;
  beforeAll(async () => {
    time = new WorkingTime(await HolidayCalendar.load(HOLIDAYS));
  });

  it('is eight hours a day', () => {
    expect(time.dayMs).toBe(8 * HOUR);
  });

  it('counts a moment inside two intervals once (parts of a matter open at the same time)', () => {
    // Tue 08:00 → Wed 10:00 (3.5 + 3.5 + 3 = 10 h) and Tue 14:00 → Thu 09:00 overlap: the union,
    // Tue 08:00 → Thu 09:00, is 7 + 8 + 2 = 17 h, not 10 + (3 + 8 + 2 = 13) = 23 h. A third,
    // apart on Friday 07:00 → 08:00, adds 1 h.
    const intervals: Array<[Date, Date]> = [
      [at('2026-11-24T14:00:00'), at('2026-11-26T09:00:00')],
      [at('2026-11-24T08:00:00'), at('2026-11-25T10:00:00')],
      [at('2026-11-27T07:00:00'), at('2026-11-27T08:00:00')],
    ];
    expect(time.overUnion(intervals)).toBe(18 * HOUR);
    expect(time.overUnion([])).toBe(0);
  });

  it('adds working days within a week, over lunch and from after hours', () => {
    // Tuesday 09:00 + 1 working day → Wednesday 09:00.
    expect(time.addWorkingDays(at('2026-11-24T09:00:00'), 1)).toEqual(at('2026-11-25T09:00:00'));
    // Tuesday 11:00 + 1 hour: half an hour before lunch, half an hour after → 14:00.
    expect(time.add(at('2026-11-24T11:00:00'), HOUR)).toEqual(at('2026-11-24T14:00:00'));
    // Received Friday 18:00: counts from Monday 07:00; one working day ends Monday 17:00.
    expect(time.addWorkingDays(at('2026-11-27T18:00:00'), 1)).toEqual(at('2026-11-30T17:00:00'));
    // Received Saturday noon, same.
    expect(time.addWorkingDays(at('2026-11-28T12:00:00'), 1)).toEqual(at('2026-11-30T17:00:00'));
  });

  it('skips Tết and counts a working Saturday', () => {
    // Friday 13/2/2026 15:00 + 3 working days: 2 h that Friday; Tết 14/2–22/2; 8 h Monday 23/2,
    // 8 h Tuesday 24/2; the last 6 h on Wednesday 25/2: 4.5 h in the morning, 1.5 h after lunch.
    expect(time.addWorkingDays(at('2026-02-13T15:00:00'), 3)).toEqual(at('2026-02-25T15:00:00'));
    // Friday 9/1/2026 16:00 + 1 day: 1 h Friday, 7 h on the worked Saturday 10/1 → 16:00.
    expect(time.addWorkingDays(at('2026-01-09T16:00:00'), 1)).toEqual(at('2026-01-10T16:00:00'));
  });

  it('measures working time between two instants', () => {
    // Friday 13/2 16:00 to Monday 23/2 08:00, across Tết: 1 h + 1 h.
    expect(time.between(at('2026-02-13T16:00:00'), at('2026-02-23T08:00:00'))).toBe(2 * HOUR);
    // Lunch and nights count for nothing.
    expect(time.between(at('2026-11-24T11:30:00'), at('2026-11-24T13:30:00'))).toBe(0);
    expect(time.between(at('2026-11-24T17:00:00'), at('2026-11-25T07:00:00'))).toBe(0);
    expect(time.between(at('2026-11-25T07:00:00'), at('2026-11-24T17:00:00'))).toBe(0);
  });

  it('counts long spans exactly: two years of working days, eight hours each', async () => {
    const calendar = await HolidayCalendar.load(HOLIDAYS);
    let days = 0;
    for (
      let d = new Date(Date.UTC(2024, 0, 1));
      d < new Date(Date.UTC(2026, 0, 1));
      d = new Date(d.getTime() + 86_400_000)
    ) {
      if (calendar.isWorkingDay(d.toISOString().slice(0, 10))) days += 1;
    }
    expect(days).toBeGreaterThan(480);
    expect(time.between(at('2024-01-01T00:00:00'), at('2026-01-01T00:00:00'))).toBe(
      days * 8 * HOUR,
    );
    expect(time.add(at('2024-01-01T00:00:00'), days * 8 * HOUR)).toEqual(at('2025-12-31T17:00:00'));
  });

  it('takes an agency’s own office hours', async () => {
    const own = new WorkingTime(await HolidayCalendar.load(HOLIDAYS), [
      ['07:30', '11:30'],
      ['13:00', '17:00'],
    ]);
    expect(own.dayMs).toBe(8 * HOUR);
    expect(own.add(at('2026-11-24T11:00:00'), HOUR)).toEqual(at('2026-11-24T13:30:00'));
    expect(() => new WorkingTime(null as never, [['13:00', '11:00']])).toThrow(/increasing/);
  });
});
