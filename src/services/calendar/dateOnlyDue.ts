import type { DateField } from '../../../connectors/model';
import { vietnamDate } from '../../domain/vietnamTime';
import type { WorkingTime } from './WorkingTime';

/** Something with due dates, some perhaps given without a time (connectors/model.ts). */
export interface MaybeUntimed {
  datesWithoutTime?: readonly DateField[] | undefined;
}

/**
 * The instant a due date is judged by: as given when the system gave its time; when it gave only
 * the day (`field` named in `datesWithoutTime`), the end of that working day in the agency's office
 * hours, or of the next working day when that day is a day off (docs/domain.md §3, "Dates without
 * a time"). Null stays null.
 */
export function dueInstant(
  holder: MaybeUntimed,
  field: DateField,
  value: string | null,
  time: WorkingTime,
): Date | null {
  if (value === null) return null;
  const at = new Date(value);
  if (holder.datesWithoutTime?.includes(field) !== true) return at;
  return time.endOfWorkingDay(vietnamDate(at));
}
