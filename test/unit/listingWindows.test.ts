import {
  listingWindows,
  nextWindowCursor,
  readWindowCursor,
  windowCursor,
} from '../../src/runtime/listingWindows';

describe('Listing windows: a range cut into windows of at most maxDays days', () => {
  it('leaves the range whole without maxDays, or when it fits', () => {
    const quarter = { from: '2026-07-01', to: '2026-09-30' };
    expect(listingWindows(quarter, null)).toEqual([quarter]);
    expect(listingWindows(quarter, 92)).toEqual([quarter]);
    expect(listingWindows(quarter, 366)).toEqual([quarter]);
  });

  it('one day is one window, even with maxDays 1', () => {
    const day = { from: '2026-07-15', to: '2026-07-15' };
    expect(listingWindows(day, 1)).toEqual([day]);
    expect(listingWindows(day, 31)).toEqual([day]);
  });

  it('exactly maxDays days is one window; one more day is two', () => {
    expect(listingWindows({ from: '2026-07-01', to: '2026-07-31' }, 31)).toEqual([
      { from: '2026-07-01', to: '2026-07-31' },
    ]);
    expect(listingWindows({ from: '2026-07-01', to: '2026-08-01' }, 31)).toEqual([
      { from: '2026-07-01', to: '2026-07-31' },
      { from: '2026-08-01', to: '2026-08-01' },
    ]);
  });

  it('a quarter of 92 days with maxDays 31 is 3 windows: 31, 31 and 30 days, back to back', () => {
    expect(listingWindows({ from: '2026-07-01', to: '2026-09-30' }, 31)).toEqual([
      { from: '2026-07-01', to: '2026-07-31' },
      { from: '2026-08-01', to: '2026-08-31' },
      { from: '2026-09-01', to: '2026-09-30' },
    ]);
    expect(listingWindows({ from: '2026-04-01', to: '2026-06-30' }, 31)).toEqual([
      { from: '2026-04-01', to: '2026-05-01' },
      { from: '2026-05-02', to: '2026-06-01' },
      { from: '2026-06-02', to: '2026-06-30' },
    ]);
  });

  it('counts 29 February in a leap year, and across a year end', () => {
    expect(listingWindows({ from: '2028-02-01', to: '2028-03-31' }, 30)).toEqual([
      { from: '2028-02-01', to: '2028-03-01' },
      { from: '2028-03-02', to: '2028-03-31' },
    ]);
    expect(listingWindows({ from: '2027-02-01', to: '2027-03-31' }, 30)).toEqual([
      { from: '2027-02-01', to: '2027-03-02' },
      { from: '2027-03-03', to: '2027-03-31' },
    ]);
    // A leap year is 366 days: one window of 366, two of 365.
    const leap = { from: '2028-01-01', to: '2028-12-31' };
    expect(listingWindows(leap, 366)).toEqual([leap]);
    expect(listingWindows(leap, 365)).toEqual([
      { from: '2028-01-01', to: '2028-12-30' },
      { from: '2028-12-31', to: '2028-12-31' },
    ]);
    expect(listingWindows({ from: '2026-12-20', to: '2027-01-10' }, 10)).toEqual([
      { from: '2026-12-20', to: '2026-12-29' },
      { from: '2026-12-30', to: '2027-01-08' },
      { from: '2027-01-09', to: '2027-01-10' },
    ]);
  });

  it('every day of a long range is in exactly one window, none longer than maxDays', () => {
    const windows = listingWindows({ from: '2025-10-01', to: '2026-09-30' }, 31);
    expect(windows).toHaveLength(12);
    const days = (w: { from: string; to: string }) =>
      (Date.parse(w.to) - Date.parse(w.from)) / 86_400_000 + 1;
    expect(windows.every((w) => days(w) <= 31)).toBe(true);
    expect(windows.reduce((sum, w) => sum + days(w), 0)).toBe(365);
    for (const [i, w] of windows.slice(1).entries())
      expect(Date.parse(w.from) - Date.parse((windows[i] as { to: string }).to)).toBe(86_400_000);
  });

  it('leaves a range that is not two dates in order to the connector, whole', () => {
    expect(listingWindows({ from: '2026-09-30', to: '2026-07-01' }, 31)).toEqual([
      { from: '2026-09-30', to: '2026-07-01' },
    ]);
    expect(listingWindows({ from: '2026-02-30', to: '2026-07-01' }, 31)).toEqual([
      { from: '2026-02-30', to: '2026-07-01' },
    ]);
  });
});

describe('Listing window cursors: w:<index>[:<cursor>]', () => {
  it('round-trips the window and the connector’s own cursor, colons included', () => {
    expect(windowCursor({ index: 0, cursor: null })).toBe('w:0');
    expect(windowCursor({ index: 2, cursor: 'p:3:400' })).toBe('w:2:p:3:400');
    expect(readWindowCursor('w:2:p:3:400', 3)).toEqual({ index: 2, cursor: 'p:3:400' });
    expect(readWindowCursor('w:1', 3)).toEqual({ index: 1, cursor: null });
    expect(readWindowCursor(null, 3)).toEqual({ index: 0, cursor: null });
  });

  it('refuses a cursor that names no window of the range', () => {
    expect(readWindowCursor('p:2:200', 3)).toBeNull();
    expect(readWindowCursor('w:3', 3)).toBeNull();
    expect(readWindowCursor('w:x:p:1', 3)).toBeNull();
  });

  it('goes on in the window, then to the next window’s start, then ends', () => {
    expect(nextWindowCursor(0, 'p:2:200', 3)).toBe('w:0:p:2:200');
    expect(nextWindowCursor(0, null, 3)).toBe('w:1');
    expect(nextWindowCursor(2, null, 3)).toBeNull();
  });
});
