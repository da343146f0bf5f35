import type { DigitalFacts, NationalDossier } from '../../../connectors/model';
import { calendarOf, dueAfterSupplement, supplementWaiting } from '../calendar/onTime';
import type { WorkingTime } from '../calendar/WorkingTime';
import { implausibleDue } from '../calendar/dateOnlyDue';
import { vietnamDate } from '../../domain/vietnamTime';
import type { ReportRules } from './reportRules';

/** The reporting period: dates received (Vietnam days) and the instants that bound it. */
export interface ReportPeriod {
  /** First and last day, yyyy-MM-dd. */
  from: string;
  to: string;
  /** 00:00 of `from`, Vietnam time. */
  start: Date;
  /** Where the period is judged: the end of `to`, or the report's start when that is earlier. */
  end: Date;
}

export function reportPeriod(from: string, to: string, now: Date): ReportPeriod {
  const start = new Date(`${from}T00:00:00+07:00`);
  const last = new Date(`${to}T23:59:59.999+07:00`);
  return { from, to, start, end: last.getTime() > now.getTime() ? now : last };
}

/**
 * Where a dossier stands in the result form (docs/INDICATORS.md):
 * - `NEW`: received in the period; `CARRIED`: received before it and unresolved at its start;
 * - `REJECTED` (status 3) and `NOT_RECEIVED` (status 1), submitted in the period, are outside the
 *   dossiers to resolve and have columns of their own;
 * - `OUTSIDE`: not counted (received before the period and ended before it, or undated).
 */
export type Intake = 'NEW' | 'CARRIED' | 'REJECTED' | 'NOT_RECEIVED' | 'OUTSIDE';

/**
 * What became of a dossier to resolve by the period's end: resolved (status 9 or 10) before its
 * due day, on it, or late; withdrawn (7) or stopped (8); unresolved and not yet due, or overdue;
 * `UNKNOWN` when the data cannot say (no due date, an unmapped status, an end without a date).
 */
export type Outcome =
  | 'EARLY'
  | 'ON_TIME'
  | 'LATE'
  | 'WITHDRAWN'
  | 'STOPPED'
  | 'OPEN_NOT_DUE'
  | 'OPEN_OVERDUE'
  | 'UNKNOWN';

export type Channel = 'ONLINE' | 'IN_PERSON' | 'POSTAL' | 'UNKNOWN';

export interface Classified {
  intake: Intake;
  channel: Channel;
  /** Null unless the dossier is one to resolve (`NEW` or `CARRIED`). */
  outcome: Outcome | null;
  /** Why the outcome is what it is, in a few words (shown for overdue dossiers). */
  reason: string;
  /** When processing ended within the period (resolved, withdrawn or stopped), ISO. */
  endedAt: string | null;
  /** Office time past the due date (resolved late, or overdue at the period's end). */
  lateByMs: number;
  /** Resolved (9 or 10) on the Vietnam day it was received. */
  resolvedOnReceiptDay: boolean;
  /** Withdrawn or stopped by its due date (for rules that count them as ended). */
  endedByDue: boolean;
  /** Resolved: office time from receipt to the end, supplement waiting taken out. */
  officeMs: number;
  /** The status says less than it seems (declared lossy, or unmapped). */
  lossy: boolean;
  /** The verdict rests on days off of a computed (unannounced) year. */
  computedCalendar: boolean;
  /** What in the dossier's own data does not fit together (`implausible`), if anything. */
  implausible: Implausible | null;
  /** The due date falls on a day the agency does not work. */
  dueOnDayOff: boolean;
  /** The 2022 sync format's indicator fields, as the system sent them (null: none read). */
  digital: DigitalFacts | null;
  /** Some fee of the dossier is above zero (the dossiers indicator 3.6 counts over). */
  feeBearing: boolean;
}

/**
 * A dossier whose data contradicts itself: its finished date and the history step that ended it
 * more than a day apart, a finished or due date or the ending step before its receipt, or an
 * ending status with a later step that is not an ending one.
 */
export type Implausible = 'FINISHED_VS_HISTORY' | 'BEFORE_RECEIPT' | 'STEP_AFTER_END';

/**
 * The reason of a dossier received before the period whose status or end date is unknown: it may
 * or may not have been open at the period's start, so it is not counted as carried over (the report
 * says how many).
 */
export const UNDETERMINED =
  'received before the period; whether it was still open then cannot be told';

/** Statuses that end processing once a dossier is received. */
const RESOLVED = new Set([9, 10]);
const ENDING = new Set([7, 8, 9, 10]);

/** Classifies one listed dossier for the result form of `period`, in its agency's working time. */
export function classifyDossier(
  dossier: NationalDossier,
  period: ReportPeriod,
  time: WorkingTime,
  rules: ReportRules,
): Classified {
  const channel = channelOf(dossier.channel?.code ?? null);
  const lossy = dossier.status.code === null || dossier.status.lossy;
  const none = {
    channel,
    outcome: null,
    reason: '',
    endedAt: null,
    lateByMs: 0,
    resolvedOnReceiptDay: false,
    endedByDue: false,
    officeMs: 0,
    lossy,
    computedCalendar: false,
    implausible: null,
    dueOnDayOff: false,
    digital: dossier.digital ?? null,
    feeBearing: dossier.fees.some((fee) => fee.amount !== null && fee.amount > 0),
  };
  if (dossier.receivedAt === null) return { ...none, intake: 'OUTSIDE', reason: 'not dated' };
  const received = new Date(dossier.receivedAt);
  const inPeriod = received.getTime() >= period.start.getTime() && received <= period.end;
  const receivedDay = vietnamDate(received);
  if (!inPeriod && receivedDay >= period.from)
    return { ...none, intake: 'OUTSIDE', reason: 'received after the period was judged' };
  if (dossier.status.code === 1 || dossier.status.code === 3) {
    if (!inPeriod) return { ...none, intake: 'OUTSIDE', reason: 'never received' };
    return { ...none, intake: dossier.status.code === 1 ? 'NOT_RECEIVED' : 'REJECTED' };
  }
  const ending = firstEnding(dossier);
  if (!inPeriod && ending !== null && ending.at !== null && ending.at < period.start)
    return { ...none, intake: 'OUTSIDE', reason: 'ended before the period' };
  // Received before the period, but whether it was still open at its start cannot be told.
  if (!inPeriod && (dossier.status.code === null || (ending !== null && ending.at === null)))
    return { ...none, intake: 'OUTSIDE', reason: UNDETERMINED };
  const intake: Intake = inPeriod ? 'NEW' : 'CARRIED';
  const judged = judge(dossier, ending, period, time, rules);
  return {
    ...none,
    intake,
    ...judged,
    computedCalendar: calendarOf(dossier, time, period.end) === 'COMPUTED',
    implausible: implausible(dossier, received),
    dueOnDayOff: dossier.dueAt !== null && !time.isWorkingDayAt(new Date(dossier.dueAt)),
    resolvedOnReceiptDay:
      (judged.outcome === 'EARLY' || judged.outcome === 'ON_TIME' || judged.outcome === 'LATE') &&
      judged.endedAt !== null &&
      vietnamDate(new Date(judged.endedAt)) === receivedDay,
  };
}

function judge(
  dossier: NationalDossier,
  ending: { at: Date | null; code: number } | null,
  period: ReportPeriod,
  time: WorkingTime,
  rules: ReportRules,
): Pick<Classified, 'outcome' | 'reason' | 'endedAt' | 'lateByMs' | 'endedByDue' | 'officeMs'> {
  const unknown = (reason: string) => ({
    outcome: 'UNKNOWN' as const,
    reason,
    endedAt: null,
    lateByMs: 0,
    endedByDue: false,
    officeMs: 0,
  });
  if (dossier.status.code === null)
    return unknown(`status ${JSON.stringify(dossier.status.raw)} is not mapped`);
  const endedInPeriod = ending !== null && (ending.at === null || ending.at <= period.end);
  if (ending !== null && ending.at === null)
    return unknown('processing ended, but the system gives no date for it');
  if (endedInPeriod && ending !== null && ending.at !== null && !RESOLVED.has(ending.code)) {
    const at = ending.at;
    return {
      outcome: ending.code === 7 ? 'WITHDRAWN' : 'STOPPED',
      reason: ending.code === 7 ? 'withdrawn by the applicant' : 'processing stopped',
      endedAt: at.toISOString(),
      lateByMs: 0,
      endedByDue:
        dossier.dueAt !== null &&
        implausibleDue(dossier) === null &&
        at.getTime() <= dueAfterSupplement(dossier, time, at).getTime(),
      officeMs: 0,
    };
  }
  if (dossier.dueAt === null) return unknown('no due date');
  const implausible = implausibleDue(dossier);
  if (implausible !== null) return unknown(implausible);
  const rounds = dossier.supplements.length;
  const tooManyRounds =
    rules.lateFromSupplementRequests !== null && rounds >= rules.lateFromSupplementRequests;
  if (!endedInPeriod || ending === null || ending.at === null) {
    const due = dueAfterSupplement(dossier, time, period.end);
    const overdue = tooManyRounds || period.end.getTime() > due.getTime();
    return {
      outcome: overdue ? 'OPEN_OVERDUE' : 'OPEN_NOT_DUE',
      reason: tooManyRounds
        ? `${rounds} supplement requests`
        : overdue
          ? 'unresolved and past its due date at the end of the period'
          : 'unresolved, not yet due at the end of the period',
      endedAt: null,
      lateByMs: time.between(due, period.end),
      endedByDue: false,
      officeMs: 0,
    };
  }
  const endedAt = ending.at;
  const due = dueAfterSupplement(dossier, time, endedAt);
  // Ended after the due instant is late, even outside office hours (then by 0 office hours).
  const late = tooManyRounds || endedAt.getTime() > due.getTime();
  const early = !late && vietnamDate(endedAt) < vietnamDate(due);
  return {
    outcome: late ? 'LATE' : early ? 'EARLY' : 'ON_TIME',
    reason: tooManyRounds
      ? `${rounds} supplement requests`
      : late
        ? 'resolved after its due date'
        : early
          ? 'resolved before its due day'
          : 'resolved on its due day',
    endedAt: endedAt.toISOString(),
    lateByMs: time.between(due, endedAt),
    endedByDue: false,
    officeMs: Math.max(
      0,
      time.between(new Date(dossier.receivedAt as string), endedAt) -
        supplementWaiting(dossier, time, endedAt),
    ),
  };
}

/**
 * The first step that ended processing (withdrawn, stopped, finished or returned), with its
 * status; else the current status when it is an ending one, dated by the finished or returned
 * date (null when the system gives neither); null while processing goes on.
 */
export function firstEnding(dossier: NationalDossier): { at: Date | null; code: number } | null {
  let first: { at: Date; code: number } | null = null;
  for (const step of dossier.history) {
    const code = step.status?.code ?? null;
    if (step.at === null || code === null || !ENDING.has(code)) continue;
    const at = new Date(step.at);
    if (first === null || at < first.at) first = { at, code };
  }
  if (first !== null) return first;
  const code = dossier.status.code;
  if (code === null || !ENDING.has(code)) return null;
  const date = dossier.finishedAt ?? dossier.returnedAt;
  return { at: date === null ? null : new Date(date), code };
}

/** What in a dossier's own dates and steps contradicts the rest (`Implausible`), or null. */
function implausible(dossier: NationalDossier, received: Date): Implausible | null {
  const at = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const finished = at(dossier.finishedAt);
  const due = at(dossier.dueAt);
  if (
    (finished !== null && finished < received.getTime()) ||
    (due !== null && due < received.getTime())
  )
    return 'BEFORE_RECEIPT';
  const steps = dossier.history
    .filter((step) => step.at !== null && step.status?.code != null)
    .map((step) => ({ at: Date.parse(step.at as string), code: step.status?.code as number }))
    .sort((a, b) => a.at - b.at);
  const ended = steps.find((step) => ENDING.has(step.code));
  if (ended !== undefined && ended.at < received.getTime()) return 'BEFORE_RECEIPT';
  if (ended !== undefined && finished !== null && Math.abs(ended.at - finished) > 86_400_000)
    return 'FINISHED_VS_HISTORY';
  // After finished (9), only returned (10) may follow; after 7, 8 or 10, nothing but an ending.
  if (ended !== undefined && steps.some((step) => step.at > ended.at && !ENDING.has(step.code)))
    return 'STEP_AFTER_END';
  return null;
}

function channelOf(code: number | string | null): Channel {
  return code === 2 ? 'ONLINE' : code === 1 ? 'IN_PERSON' : code === 3 ? 'POSTAL' : 'UNKNOWN';
}
