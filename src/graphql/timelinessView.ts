import type { Timeliness } from '../services/calendar/onTime';
import { vietnamIso } from '../domain/vietnamTime';

/** GraphQL shape of a timeliness judgement (schema/dossier.graphql `Timeliness`). */
export function timelinessView(judged: Timeliness) {
  const at = (iso: string | undefined) => (iso === undefined ? null : vietnamIso(new Date(iso)));
  return {
    state: judged.state,
    overdue: judged.state === 'LATE' || (judged.state === 'IN_PROGRESS' && judged.overdue),
    dueAt: at('dueAt' in judged ? judged.dueAt : undefined),
    endedAt: at('endedAt' in judged ? judged.endedAt : undefined),
    lateByHours: 'lateByMs' in judged ? hours(judged.lateByMs) : 0,
    reason: judged.reason,
    calendar: judged.calendar,
  };
}

/** Milliseconds of office time as hours, to the hundredth. */
export function hours(ms: number): number {
  return Math.round(ms / 36_000) / 100;
}
