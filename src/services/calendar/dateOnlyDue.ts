import type { DateField } from '../../../connectors/model';
import { vietnamDate } from '../../domain/vietnamTime';
import type { WorkingTime } from './WorkingTime';

/** Something with due dates, some perhaps given without a time (connectors/model.ts). */
export interface MaybeUntimed {
  datesWithoutTime?: readonly DateField[] | undefined;
}

/** Due dates outside these years are no real time limit (`01/01/0001`, .NET's "no date"). */
export const PLAUSIBLE_DUE_YEARS = [1990, 2100] as const;

/** Whether an instant's (Vietnam) year is within `PLAUSIBLE_DUE_YEARS`. */
export function plausibleDue(at: Date): boolean {
  const year = new Date(at.getTime() + 7 * 3_600_000).getUTCFullYear();
  return year >= PLAUSIBLE_DUE_YEARS[0] && year <= PLAUSIBLE_DUE_YEARS[1];
}

/**
 * Why a dossier's due dates cannot be judged (one outside `PLAUSIBLE_DUE_YEARS`, or not a date:
 * the working time between it and now would span centuries), or null when they can.
 */
export function implausibleDue(dossier: {
  dueAt: string | null;
  supplements: ReadonlyArray<{ dueAfter: string | null }>;
}): string | null {
  const dues: Array<[string, string | null]> = [
    ['dueAt', dossier.dueAt],
    ...dossier.supplements.map((round, index): [string, string | null] => [
      `supplements[${index}].dueAfter`,
      round.dueAfter,
    ]),
  ];
  for (const [path, value] of dues) {
    if (value === null) continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || !plausibleDue(at))
      return `${path} ${value} is no real due date (not within ${PLAUSIBLE_DUE_YEARS[0]}–${PLAUSIBLE_DUE_YEARS[1]})`;
  }
  return null;
}

/**
 * The instant a due date is judged by: as given when the system gave its time; when it gave only
 * the day (`field` named in `datesWithoutTime`), the end of that working day in the agency's office
 * hours, or of the next working day when that day is a day off (docs/domain.md §3, "Dates without
 * a time"); a day outside `PLAUSIBLE_DUE_YEARS` stays as given (no calendar is worked out for it).
 * Null stays null.
 */
export function dueInstant(
  holder: MaybeUntimed,
  field: DateField,
  value: string | null,
  time: WorkingTime,
): Date | null {
  if (value === null) return null;
  const at = new Date(value);
  if (holder.datesWithoutTime?.includes(field) !== true || !plausibleDue(at)) return at;
  return time.endOfWorkingDay(vietnamDate(at));
}
