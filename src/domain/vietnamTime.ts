/**
 * Vietnam time without a date library on hot paths: UTC+7, no daylight saving since 1975.
 * Times leave the gateway as ISO 8601 with +07:00 (docs/api.md).
 */
const OFFSET_MS = 7 * 60 * 60 * 1000;

/** `2026-11-26T14:00:30.017+07:00`. */
export function vietnamIso(date: Date): string {
  return `${new Date(date.getTime() + OFFSET_MS).toISOString().slice(0, 23)}+07:00`;
}

/** The calendar date in Vietnam, `2026-11-26`. */
export function vietnamDate(date: Date): string {
  return new Date(date.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}
