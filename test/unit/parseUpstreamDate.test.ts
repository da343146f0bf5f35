import { DateTime, FixedOffsetZone } from 'luxon';
import {
  DEFAULT_DATE_FORMATS,
  VIETNAM_ZONE,
  checkDateFormat,
  parseUpstreamDate,
  readsTime,
} from '../../connectors/shared/parseUpstreamDate';
import { seeded } from '../support/seeded';

const parsing = { formats: DEFAULT_DATE_FORMATS, zone: VIETNAM_ZONE };

describe('Dates: every upstream format becomes ISO 8601 in Vietnam time', () => {
  it.each([
    ['20250314083005', '2025-03-14T08:30:05+07:00'],
    ['2025-03-14 08:30:05', '2025-03-14T08:30:05+07:00'],
    ['14/03/2025 08:30:05', '2025-03-14T08:30:05+07:00'],
    ['14/03/2025 08:30', '2025-03-14T08:30:00+07:00'],
    ['2025-03-14T08:30:05', '2025-03-14T08:30:05+07:00'],
    ['2025-03-14T01:30:05Z', '2025-03-14T08:30:05+07:00'],
    ['2025-03-14T08:30:05+07:00', '2025-03-14T08:30:05+07:00'],
  ])('reads %s as %s', (raw, expected) => {
    expect(parseUpstreamDate(raw, parsing)).toEqual({ ok: true, value: expected, timeGiven: true });
  });

  it.each([
    ['14/03/2025', DEFAULT_DATE_FORMATS],
    ['2025-03-14', DEFAULT_DATE_FORMATS],
    ['20250314', ['yyyyMMdd']],
    ['14.03.2025', ['dd.MM.yyyy']],
    ['14 Mar 2025', ['dd MMM yyyy']],
  ])('reads %s as a day without a time: 00:00 of it, timeGiven false', (raw, formats) => {
    expect(parseUpstreamDate(raw, { formats, zone: VIETNAM_ZONE })).toEqual({
      ok: true,
      value: '2025-03-14T00:00:00+07:00',
      timeGiven: false,
    });
  });

  it('keeps a day without a time on its Vietnam day whatever zone the registration declares', () => {
    for (const zone of [FixedOffsetZone.utcInstance, FixedOffsetZone.instance(-180)]) {
      expect(parseUpstreamDate('14/03/2025', { formats: ['dd/MM/yyyy'], zone })).toEqual({
        ok: true,
        value: '2025-03-14T00:00:00+07:00',
        timeGiven: false,
      });
      // A time in that zone is still moved into Vietnam time.
      expect(
        parseUpstreamDate('14/03/2025 20:00', { formats: ['dd/MM/yyyy HH:mm'], zone }),
      ).toEqual(expect.objectContaining({ timeGiven: true }));
    }
  });

  it('tells formats that read a time of day from those that do not', () => {
    expect(readsTime('dd/MM/yyyy')).toBe(false);
    expect(readsTime("dd/MM/yyyy 'h'")).toBe(false);
    expect(readsTime('yyyyMMdd')).toBe(false);
    expect(readsTime('dd/MM/yyyy HH:mm')).toBe(true);
    expect(readsTime('dd/MM/yyyy h:mm a')).toBe(true);
    expect(readsTime('ISO')).toBe(true);
    expect(readsTime('dd/MM/yyyy t')).toBe(true);
    expect(readsTime('X')).toBe(true);
    expect(readsTime('epochSeconds')).toBe(true);
  });

  it('never emits Z, even for a UTC midnight input', () => {
    const parsed = parseUpstreamDate('2025-12-31T17:00:00Z', parsing);
    expect(parsed).toEqual({ ok: true, value: '2026-01-01T00:00:00+07:00', timeGiven: true });
  });

  it('refuses impossible dates and names the formats it tried', () => {
    const parsed = parseUpstreamDate('31/02/2025 25:61:00', {
      formats: ['dd/MM/yyyy HH:mm:ss'],
      zone: VIETNAM_ZONE,
    });
    expect(parsed).toEqual({
      ok: false,
      problem:
        '"31/02/2025 25:61:00" matches none of the accepted date formats (dd/MM/yyyy HH:mm:ss)',
    });
  });

  it('refuses 24:00:00 rather than rolling it over to the next day', () => {
    expect(
      parseUpstreamDate('14/03/2025 24:00:00', {
        formats: ['dd/MM/yyyy HH:mm:ss'],
        zone: VIETNAM_ZONE,
      }).ok,
    ).toBe(false);
  });

  it('does not read a day-first date as month-first', () => {
    expect(parseUpstreamDate('03/14/2025', parsing).ok).toBe(false);
  });

  it('reads epoch milliseconds only when the format is declared', () => {
    expect(parseUpstreamDate('1741915805000', parsing).ok).toBe(false);
    expect(
      parseUpstreamDate('1741915805000', { formats: ['epochMillis'], zone: VIETNAM_ZONE }),
    ).toEqual({
      ok: true,
      value: '2025-03-14T08:30:05+07:00',
      timeGiven: true,
    });
  });

  it('checks registration formats by reading a sample back', () => {
    expect(checkDateFormat('dd/MM/yyyy HH:mm:ss')).toBeNull();
    expect(checkDateFormat('HH:mm')).toMatch(/not a date format/);
  });

  it('reads fixed-width formats in fixed-offset zones exactly as Luxon does (valid and impossible times)', () => {
    // Deterministic pseudo-random fields, some out of range (31/02, 29/02 of common years, 24:00).
    const random = seeded(12345);
    const next = (n: number) => Math.floor(random.next() * n);
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const formats = ['yyyyMMddHHmmss', 'yyyy-MM-dd HH:mm:ss', 'dd/MM/yyyy HH:mm:ss', 'dd/MM/yyyy'];
    const zones = [
      VIETNAM_ZONE,
      FixedOffsetZone.utcInstance,
      FixedOffsetZone.instance(330),
      FixedOffsetZone.instance(-180),
    ];
    let compared = 0;
    let valid = 0;
    for (let i = 0; i < 4000; i += 1) {
      const fields = {
        yyyy: pad(1900 + next(250), 4),
        MM: pad(1 + next(12), 2),
        dd: pad(1 + next(31), 2),
        HH: pad(next(25), 2),
        mm: pad(next(60), 2),
        ss: pad(next(60), 2),
      };
      const format = formats[i % formats.length] as string;
      const zone = zones[next(zones.length)] as (typeof zones)[number];
      const text = format.replace(
        /yyyy|MM|dd|HH|mm|ss/g,
        (token) => fields[token as keyof typeof fields],
      );
      // A day without a time is a Vietnam day, whatever the zone.
      const timed = format.includes('HH');
      const luxon = DateTime.fromFormat(text, format, { zone: timed ? zone : VIETNAM_ZONE });
      const expected =
        luxon.isValid && (!timed || Number(fields.HH) < 24)
          ? {
              ok: true,
              value: luxon.setZone(VIETNAM_ZONE).toISO({ suppressMilliseconds: true }),
              timeGiven: timed,
            }
          : { ok: false };
      const parsed = parseUpstreamDate(text, { formats: [format], zone });
      expect({ text, zone: zone.name, ...(parsed.ok ? parsed : { ok: false }) }).toEqual({
        text,
        zone: zone.name,
        ...expected,
      });
      compared += 1;
      if (parsed.ok) valid += 1;
    }
    expect(compared).toBe(4000);
    // Both kinds were compared: real times and impossible ones.
    expect(valid).toBeGreaterThan(2000);
    expect(valid).toBeLessThan(4000);
  });

  it('formats more distinct days and times than it keeps made (20 000 of each), every one right', () => {
    // 25 000 consecutive days from 1950, each at its own time of day (7 919 is prime to 86 400):
    // both of the formatter's tables fill and start anew, in Vietnam time and through UTC.
    const pad = (n: number) => String(n).padStart(2, '0');
    const iso = (at: Date) =>
      `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}T${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}+07:00`;
    const format = 'dd/MM/yyyy HH:mm:ss';
    const start = Date.UTC(1950, 0, 1);
    const days = new Set<string>();
    const times = new Set<string>();
    for (let i = 0; i < 25_000; i += 1) {
      const at = new Date(start + i * 86_400_000 + ((i * 7919) % 86_400) * 1000);
      const text = `${pad(at.getUTCDate())}/${pad(at.getUTCMonth() + 1)}/${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
      days.add(text.slice(0, 10));
      times.add(text.slice(11));
      // Read as Vietnam time: the same wall clock. Read as UTC: seven hours later.
      expect([text, parseUpstreamDate(text, { formats: [format], zone: VIETNAM_ZONE })]).toEqual([
        text,
        { ok: true, value: iso(at), timeGiven: true },
      ]);
      expect([
        text,
        parseUpstreamDate(text, { formats: [format], zone: FixedOffsetZone.utcInstance }),
      ]).toEqual([
        text,
        { ok: true, value: iso(new Date(at.getTime() + 7 * 3_600_000)), timeGiven: true },
      ]);
    }
    expect(days.size).toBe(25_000);
    expect(times.size).toBe(25_000);
  });

  it('reads fixed-width formats by position: digits only, the exact separators and width, real calendar days', () => {
    const read = (text: string, format = 'dd/MM/yyyy HH:mm:ss') =>
      parseUpstreamDate(text, { formats: [format], zone: VIETNAM_ZONE });
    expect(read('29/02/2024 23:59:59')).toEqual({
      ok: true,
      value: '2024-02-29T23:59:59+07:00',
      timeGiven: true,
    });
    expect(read(' 01/01/0100 00:00:00 ')).toEqual({
      ok: true,
      value: '0100-01-01T00:00:00+07:00',
      timeGiven: true,
    });
    expect(read('31/12/9999 00:00:00')).toEqual({
      ok: true,
      value: '9999-12-31T00:00:00+07:00',
      timeGiven: true,
    });
    expect(read('15/08/2025', 'dd/MM/yyyy')).toEqual({
      ok: true,
      value: '2025-08-15T00:00:00+07:00',
      timeGiven: false,
    });
    for (const text of [
      '29/02/2025 08:00:00', // not a leap year
      '29/02/1900 08:00:00', // nor is 1900
      '31/04/2025 08:00:00',
      '00/01/2025 08:00:00',
      '01/00/2025 08:00:00',
      '01/13/2025 08:00:00',
      '01/01/2025 08:60:00',
      '1/01/2025 08:00:00', // one digit short
      '01/01/2025 08:00:000',
      '01-01-2025 08:00:00', // another separator
      '01/01/2025T08:00:00',
      '0a/01/2025 08:00:00',
      '01/01/20２5 08:00:00', // a full-width digit
      '-1/01/2025 08:00:00',
      '',
    ])
      expect({ text, ok: read(text).ok }).toEqual({ text, ok: false });
  });
});
