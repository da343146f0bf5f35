/**
 * Listing windows: a system whose listing answers at most `listing.maxDays` days per call has a
 * longer range (a quarter's report, its year of carry-over) read as consecutive windows of at
 * most that many days, one after the other, each paged as the connector pages it.
 *
 * Dates are Vietnam calendar dates, yyyy-MM-dd, both ends included (the gateway's
 * `DossierListQuery`); how the connector writes them (`dateFormat`, `toDate: exclusive`) is the
 * connector's concern, window by window (connectors/shared/listingDates.ts).
 *
 * The cursor of a windowed listing says which window and where in it:
 *
 *   `w:<index>`          the start of window `index` (0-based), the connector's cursor null
 *   `w:<index>:<cursor>` window `index`, at the connector's own cursor `<cursor>`
 *
 * A range that fits one window (or a listing without maxDays) is not windowed: its cursors are the
 * connector's own, unchanged. The windows are a pure function of the range and maxDays, so a
 * report's checkpoint (which stores the cursor) resumes in the window it stopped in.
 */

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One window of a listing: first and last day received, both included. */
export interface ListingWindow {
  from: string;
  to: string;
}

/** A yyyy-MM-dd calendar date as days since 1970-01-01, or null when it is not one. */
function dayNumber(value: string): number | null {
  const match = DATE.exec(value);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const back = new Date(time);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day
  )
    return null;
  return time / DAY_MS;
}

function dateOf(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The range cut into consecutive windows of at most `maxDays` days, in order. One window (the
 * range itself) when `maxDays` is null, when the range fits, or when the range is not two
 * yyyy-MM-dd dates in order (the connector then reports what is wrong with it, as before).
 */
export function listingWindows(range: ListingWindow, maxDays: number | null): ListingWindow[] {
  const first = dayNumber(range.from);
  const last = dayNumber(range.to);
  if (maxDays === null || first === null || last === null || last < first)
    return [{ from: range.from, to: range.to }];
  if (!Number.isInteger(maxDays) || maxDays < 1)
    throw new TypeError(`a listing's maxDays must be a whole number of days ≥ 1, not ${maxDays}`);
  const windows: ListingWindow[] = [];
  for (let start = first; start <= last; start += maxDays)
    windows.push({ from: dateOf(start), to: dateOf(Math.min(start + maxDays - 1, last)) });
  return windows;
}

/** Where a windowed listing is: the window's index and the connector's cursor within it. */
export interface WindowPosition {
  index: number;
  cursor: string | null;
}

/** The cursor of a windowed listing at `position` (format above). */
export function windowCursor(position: WindowPosition): string {
  return position.cursor === null
    ? `w:${position.index}`
    : `w:${position.index}:${position.cursor}`;
}

/**
 * The position a windowed listing's cursor names (null: the start of the first window), or null
 * when the cursor is not one of `windows` windows (a cursor of another range, or the connector's
 * own cursor kept from before the listing was windowed).
 */
export function readWindowCursor(cursor: string | null, windows: number): WindowPosition | null {
  if (cursor === null) return { index: 0, cursor: null };
  const match = /^w:(\d{1,4})(?::([\s\S]*))?$/.exec(cursor);
  if (match === null) return null;
  const index = Number(match[1]);
  if (index >= windows) return null;
  return { index, cursor: match[2] ?? null };
}

/** The cursor after a page of window `index` whose connector cursor is `next` (null: the end). */
export function nextWindowCursor(
  index: number,
  next: string | null,
  windows: number,
): string | null {
  if (next !== null) return windowCursor({ index, cursor: next });
  return index + 1 < windows ? windowCursor({ index: index + 1, cursor: null }) : null;
}
