import {
  DEFAULT_DATE_FORMATS,
  VIETNAM_ZONE,
  checkDateFormat,
  parseUpstreamDate,
} from '../../connectors/shared/parseUpstreamDate';

const parsing = { formats: DEFAULT_DATE_FORMATS, zone: VIETNAM_ZONE };

describe('Dates: every upstream format becomes ISO 8601 in Vietnam time', () => {
  it.each([
    ['20250314083005', '2025-03-14T08:30:05+07:00'],
    ['2025-03-14 08:30:05', '2025-03-14T08:30:05+07:00'],
    ['14/03/2025 08:30:05', '2025-03-14T08:30:05+07:00'],
    ['14/03/2025 08:30', '2025-03-14T08:30:00+07:00'],
    ['14/03/2025', '2025-03-14T00:00:00+07:00'],
    ['2025-03-14T08:30:05', '2025-03-14T08:30:05+07:00'],
    ['2025-03-14T01:30:05Z', '2025-03-14T08:30:05+07:00'],
    ['2025-03-14T08:30:05+07:00', '2025-03-14T08:30:05+07:00'],
  ])('reads %s as %s', (raw, expected) => {
    expect(parseUpstreamDate(raw, parsing)).toEqual({ ok: true, value: expected });
  });

  it('never emits Z, even for a UTC midnight input', () => {
    const parsed = parseUpstreamDate('2025-12-31T17:00:00Z', parsing);
    expect(parsed).toEqual({ ok: true, value: '2026-01-01T00:00:00+07:00' });
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
    });
  });

  it('checks registration formats by reading a sample back', () => {
    expect(checkDateFormat('dd/MM/yyyy HH:mm:ss')).toBeNull();
    expect(checkDateFormat('HH:mm')).toMatch(/not a date format/);
  });
});
