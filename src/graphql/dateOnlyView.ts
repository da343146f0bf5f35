import type { DateField } from '../../connectors/model';
import type { WorkingTime } from '../services/calendar/WorkingTime';
import { dueInstant, type MaybeUntimed } from '../services/calendar/dateOnlyDue';
import { vietnamIso } from '../domain/vietnamTime';

/**
 * Due dates given without a time, as GraphQL shows them (docs/api.md "Dates without a time"): the
 * instant the gateway judges by (the end of that working day in the agency's office hours), with a
 * flag saying the system gave no time.
 */

/** A due field of `holder` as shown: re-placed at the end of the agency's working day when untimed. */
export function shownDue(
  holder: MaybeUntimed,
  field: DateField,
  value: string | null,
  time: WorkingTime,
): string | null {
  if (value === null || holder.datesWithoutTime?.includes(field) !== true) return value;
  // To the second, as the dates read from systems are.
  return vietnamIso(dueInstant(holder, field, value, time) as Date).replace('.000+', '+');
}

/** Whether the system gave the field's time: null without a value, false for a bare date. */
export function timeGiven(holder: MaybeUntimed, field: DateField, value: string | null) {
  if (value === null) return null;
  return holder.datesWithoutTime?.includes(field) !== true;
}

/** Every date of a dossier given without a time, as paths (`dueAt`, `history[2].dueAt`). */
export function untimedPaths(dossier: {
  datesWithoutTime?: readonly DateField[] | undefined;
  history: ReadonlyArray<MaybeUntimed>;
  supplements: ReadonlyArray<MaybeUntimed>;
  results: ReadonlyArray<MaybeUntimed>;
}): string[] {
  const within = (name: string, items: ReadonlyArray<MaybeUntimed>) =>
    items.flatMap((item, index) =>
      (item.datesWithoutTime ?? []).map((field) => `${name}[${index}].${field}`),
    );
  return [
    ...(dossier.datesWithoutTime ?? []),
    ...within('history', dossier.history),
    ...within('supplements', dossier.supplements),
    ...within('results', dossier.results),
  ];
}
