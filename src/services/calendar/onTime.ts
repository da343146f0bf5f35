import type { NationalStatusCode } from '../../../connectors/model';
import { dueInstant, implausibleDue, type MaybeUntimed } from './dateOnlyDue';
import type { WorkingTime } from './WorkingTime';

/** Statuses that end processing (docs/domain.md §5): rejected, withdrawn, stopped, finished, returned. */
const ENDING: ReadonlySet<NationalStatusCode> = new Set([3, 7, 8, 9, 10] as NationalStatusCode[]);
const SUPPLEMENT_REQUESTED = 5;

/** What the rule reads of a dossier (a NationalDossier, or its GraphQL view, has all of it). */
export interface TimelinessInput extends MaybeUntimed {
  dueAt: string | null;
  finishedAt: string | null;
  returnedAt: string | null;
  status: { code: number | null };
  history: ReadonlyArray<{ at: string | null; status: { code: number | null } | null }>;
  supplements: ReadonlyArray<{ dueAfter: string | null } & MaybeUntimed>;
}

/**
 * A verdict, and whether it rests on days off the calendar computed rather than read from the
 * official schedule (`COMPUTED`: a year not in data/holidays.vn.yaml lies between the due date and
 * the judging instant, or under the supplement waits).
 */
export type Timeliness = Verdict & { calendar: 'OFFICIAL' | 'COMPUTED' };

type Verdict =
  | {
      state: 'ON_TIME' | 'LATE';
      /** When processing ended: the first step (or date) with an ending status. */
      endedAt: string;
      /** The due date the dossier is judged against (extended by supplement waiting time). */
      dueAt: string;
      /** Office time past the due date (0 when on time). */
      lateByMs: number;
      reason: string;
    }
  | {
      state: 'IN_PROGRESS';
      dueAt: string;
      /** Judged at the end of the period: overdue then, or not yet. */
      overdue: boolean;
      lateByMs: number;
      reason: string;
    }
  | { state: 'UNKNOWN'; reason: string };

/**
 * The on-time rule of indicator 2.1 (Decision 766/QĐ-TTg; docs/domain.md §5), in the agency's working
 * time:
 * - processing ends at the first of finished (9), returned (10), stopped (8), rejected (3) or
 *   withdrawn (7): the first history step with such a status, else the finished or returned date;
 * - time waiting for a requested supplement is not counted: the due date is the one the system set
 *   after the request (`dueAfter`), or, when it did not, the due date moved on by the office time
 *   the dossier spent in status 5;
 * - `lateFromSupplementRequests` supplement requests or more (default 2) count as late, whatever
 *   the dates (the report setting of the same name; docs/INDICATORS.md §2);
 * - an unfinished dossier is judged at the end of the period (`periodEnd`): overdue if that is past
 *   its due date;
 * - a due date given without a time is the end of that working day in the agency's office hours
 *   (`dueInstant`).
 */
export function judgeTimeliness(
  dossier: TimelinessInput,
  time: WorkingTime,
  periodEnd: Date,
  /** Supplement requests from which a dossier is late whatever its dates (null: never). */
  lateFromSupplementRequests: number | null = 2,
): Timeliness {
  const verdict = judge(dossier, time, periodEnd, lateFromSupplementRequests);
  return { ...verdict, calendar: calendarOf(dossier, time, periodEnd) };
}

/** Whether the days a verdict counts over come from a computed year. */
export function calendarOf(
  dossier: TimelinessInput,
  time: WorkingTime,
  judgedAt: Date,
): 'OFFICIAL' | 'COMPUTED' {
  const due = dossier.dueAt === null ? null : dueInstant(dossier, 'dueAt', dossier.dueAt, time);
  const instants = [due?.toISOString() ?? null, ...dossier.history.map((step) => step.at)]
    .filter((at): at is string => at !== null)
    .map((at) => Date.parse(at))
    .filter((ms) => !Number.isNaN(ms));
  const end = processingEnd(dossier) ?? judgedAt;
  let from = end.getTime();
  let to = end.getTime();
  for (const ms of instants) {
    if (ms < from) from = ms;
    if (ms > to) to = ms;
  }
  return time.computedBetween(new Date(from), new Date(to)) ? 'COMPUTED' : 'OFFICIAL';
}

function judge(
  dossier: TimelinessInput,
  time: WorkingTime,
  periodEnd: Date,
  lateFrom: number | null,
): Verdict {
  if (dossier.dueAt === null) return { state: 'UNKNOWN', reason: 'no due date' };
  const implausible = implausibleDue(dossier);
  if (implausible !== null) return { state: 'UNKNOWN', reason: implausible };
  try {
    return judgeDue(dossier, time, periodEnd, lateFrom);
  } catch (error) {
    // Other dates centuries away (a history step in year 1): no verdict rather than a failure.
    if (error instanceof RangeError)
      return { state: 'UNKNOWN', reason: `its dates cannot be judged: ${error.message}` };
    throw error;
  }
}

function judgeDue(
  dossier: TimelinessInput,
  time: WorkingTime,
  periodEnd: Date,
  lateFrom: number | null,
): Verdict {
  const endedAt = processingEnd(dossier);
  const rounds = dossier.supplements.length;
  const tooManyRounds = lateFrom !== null && rounds >= lateFrom;
  const judgedAt = endedAt ?? periodEnd;
  const due = dueAfterSupplement(dossier, time, judgedAt);
  const lateByMs = time.between(due, judgedAt);
  const iso = (date: Date) => date.toISOString();
  if (endedAt === null) {
    if (isEnding(dossier.status.code))
      return { state: 'UNKNOWN', reason: 'processing ended, but the system gives no date for it' };
    return {
      state: 'IN_PROGRESS',
      dueAt: iso(due),
      overdue: tooManyRounds || periodEnd.getTime() > due.getTime(),
      lateByMs,
      reason: tooManyRounds
        ? `${rounds} supplement requests: late`
        : periodEnd.getTime() > due.getTime()
          ? 'unfinished and past its due date at the end of the period'
          : 'unfinished, within its due date at the end of the period',
    };
  }
  // Ended after the due date is late, even outside office hours (then by 0 office hours).
  const late = tooManyRounds || endedAt.getTime() > due.getTime();
  return {
    state: late ? 'LATE' : 'ON_TIME',
    endedAt: iso(endedAt),
    dueAt: iso(due),
    lateByMs,
    reason: tooManyRounds
      ? `${rounds} supplement requests: late`
      : late
        ? 'processing ended after the due date'
        : 'processing ended by the due date',
  };
}

/** The first moment processing ended, or null while it goes on. */
export function processingEnd(dossier: TimelinessInput): Date | null {
  const ending = dossier.history
    .filter((step) => step.at !== null && isEnding(step.status?.code ?? null))
    .map((step) => new Date(step.at as string))
    .sort((a, b) => a.getTime() - b.getTime());
  if (ending[0] !== undefined) return ending[0];
  if (!isEnding(dossier.status.code)) return null;
  const date = dossier.finishedAt ?? dossier.returnedAt;
  return date === null ? null : new Date(date);
}

function isEnding(code: number | null): boolean {
  return code !== null && ENDING.has(code as NationalStatusCode);
}

/**
 * The due date with supplement waiting taken out: the latest new due date the system set (never
 * earlier than the original), else the original moved on by the office time the dossier spent in
 * status 5 — each wait from its first status-5 step to the next other step, or to `until` while it
 * lasts.
 */
export function dueAfterSupplement(dossier: TimelinessInput, time: WorkingTime, until: Date): Date {
  const due = dueInstant(dossier, 'dueAt', dossier.dueAt, time) as Date;
  const moved = dossier.supplements
    .map((round) => dueInstant(round, 'dueAfter', round.dueAfter, time))
    .filter((date): date is Date => date !== null)
    .sort((a, b) => a.getTime() - b.getTime());
  const last = moved.at(-1);
  if (last !== undefined) return last.getTime() > due.getTime() ? last : due;
  const waited = supplementWaiting(dossier, time, until);
  return waited === 0 ? due : time.add(due, waited);
}

/**
 * Office time the dossier spent waiting for a supplement: each wait from its first status-5 step
 * to the next other step, or to `until` while it lasts (none after `until` is counted).
 */
export function supplementWaiting(
  dossier: TimelinessInput,
  time: WorkingTime,
  until: Date,
): number {
  const steps = dossier.history
    .filter((step) => step.at !== null)
    .map((step) => ({ at: new Date(step.at as string), code: step.status?.code ?? null }))
    .filter((step) => step.at.getTime() <= until.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  let waited = 0;
  let waitingSince: Date | null = null;
  for (const step of steps) {
    if (step.code === SUPPLEMENT_REQUESTED) {
      waitingSince ??= step.at;
    } else if (waitingSince !== null) {
      waited += time.between(waitingSince, step.at);
      waitingSince = null;
    }
  }
  if (waitingSince !== null) waited += time.between(waitingSince, until);
  return waited;
}
