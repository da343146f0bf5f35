import type { HistoryStep } from '../model';

/** The order a system sends its processing history in. */
export type HistoryOrder = 'oldestFirst' | 'newestFirst';

/**
 * The history oldest first, as the national sync format has it, whatever order the system sent:
 * steps that all have a time are sorted by it (ties keep the order sent); otherwise the declared
 * order decides.
 */
export function oldestFirst(steps: HistoryStep[], sent: HistoryOrder): HistoryStep[] {
  const ordered = sent === 'newestFirst' ? steps.reverse() : steps;
  if (ordered.length < 2) return ordered;
  // Times written alike (`2026-03-12T08:00:00+07:00`, as parsed dates are: one length, one
  // offset) sort as text, without a Date.parse per step; the sort is stable.
  if (sameOffsetTimes(ordered)) {
    let sorted = true;
    for (let i = 1; i < ordered.length && sorted; i += 1)
      sorted = (ordered[i - 1]?.at as string) <= (ordered[i]?.at as string);
    if (sorted) return ordered;
    return [...ordered].sort((a, b) => {
      const x = a.at as string;
      const y = b.at as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  const times = ordered.map((step) => (step.at === null ? Number.NaN : Date.parse(step.at)));
  if (times.some((time) => Number.isNaN(time))) return ordered;
  const indexes = ordered.map((_, index) => index);
  indexes.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
  return indexes.map((index) => ordered[index] as HistoryStep);
}

/** Whether every step has a time of one length ending in one UTC offset (so text order is time order). */
function sameOffsetTimes(steps: readonly HistoryStep[]): boolean {
  const first = steps[0]?.at;
  // `2026-03-12T08:00:00+07:00`: four-digit years only (a longer year is written `+020255-…`).
  if (typeof first !== 'string' || !/^\d{4}-\d\d-\d\dT.*[+-]\d\d:\d\d$/.test(first)) return false;
  const offset = first.slice(-6);
  for (const step of steps) {
    const at = step.at;
    if (typeof at !== 'string' || at.length !== first.length || !at.endsWith(offset)) return false;
    if (at.charCodeAt(10) !== 0x54 || at.charCodeAt(0) < 0x30 || at.charCodeAt(0) > 0x39)
      return false;
  }
  return true;
}
