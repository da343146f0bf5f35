import type { Classified } from './classifyDossier';

/**
 * One row of the result form (tình hình, kết quả giải quyết TTHC; docs/INDICATORS.md gives each
 * column's source): plain counts, added dossier by dossier and summed over rows.
 */
export interface ResultCounts {
  /** Số kỳ trước chuyển qua: received before the period, unresolved at its start. */
  carriedOver: number;
  /** Số mới tiếp nhận trực tuyến. */
  receivedOnline: number;
  /** Số mới tiếp nhận trực tiếp, dịch vụ bưu chính (channels 1 and 3). */
  receivedInPerson: number;
  /** Newly received without a channel the gateway can read (counted, flagged). */
  receivedChannelUnknown: number;
  /** Đã giải quyết trước hạn: resolved before the due day. */
  resolvedEarly: number;
  /** Đã giải quyết đúng hạn: on the due day, by the due time. */
  resolvedOnTime: number;
  /** Đã giải quyết quá hạn. */
  resolvedLate: number;
  /** Đang giải quyết trong hạn: unresolved at the period's end, not yet due. */
  openNotDue: number;
  /** Đang giải quyết quá hạn. */
  openOverdue: number;
  /** Rút hồ sơ (status 7) within the period. */
  withdrawn: number;
  /** Dừng xử lý (status 8) within the period. */
  stopped: number;
  /** To resolve, but the data cannot say what became of it (no due date, unmapped status, …). */
  unknown: number;
  /** Không được tiếp nhận (status 3): submitted in the period, refused at intake; not received. */
  rejectedAtIntake: number;
  /** Mới đăng ký (status 1): submitted in the period, not yet received. */
  notReceived: number;
  /** Resolved on the Vietnam day received (of the resolved ones). */
  resolvedOnReceiptDay: number;
  /** Dossiers counted whose status was declared lossy or was unmapped. */
  lossyStatus: number;
  /** Dossiers whose verdict rests on days off of a computed (unannounced) year. */
  onComputedCalendar: number;
  /** Dossiers whose own dates and steps contradict each other (`classifyDossier` `Implausible`). */
  implausible: number;
  /** Dossiers due on a day their agency does not work. */
  dueOnDayOff: number;
  /**
   * Received before the period with an unmapped status or an undated end: whether they were still
   * open at its start cannot be told, so they are not in (6) — counted here only.
   */
  carryOverUndetermined: number;
  /** Received: how many say whether they were synced to the portal, and how many were (1.4). */
  syncedKnown: number;
  synced: number;
  /** Received with a fee above zero; of them, how many say whether it was paid online, and were (3.6). */
  feeBearing: number;
  paidKnown: number;
  paidOnline: number;
  /** Resolved: how many say whether the result was electronic, and how many were (4.1). */
  electronicResultKnown: number;
  electronicResult: number;
  /** Received: how many say whether they were digitised, and how many were (4.2). */
  digitisedKnown: number;
  digitised: number;
  /** Received: how many say whether the applicant's account was verified with VNeID, and were (4.5). */
  vneidKnown: number;
  vneidVerified: number;
  /** Withdrawn or stopped by the due date (indicator 2.1 under the `AS_ENDED` rule). */
  endedWithoutResultByDue: number;
  /** Office minutes from receipt to the end over the resolved, supplement waiting taken out (2.2). */
  resolvedOfficeMinutes: number;
}

export const COUNT_KEYS = [
  'carriedOver',
  'receivedOnline',
  'receivedInPerson',
  'receivedChannelUnknown',
  'resolvedEarly',
  'resolvedOnTime',
  'resolvedLate',
  'openNotDue',
  'openOverdue',
  'withdrawn',
  'stopped',
  'unknown',
  'rejectedAtIntake',
  'notReceived',
  'resolvedOnReceiptDay',
  'lossyStatus',
  'onComputedCalendar',
  'implausible',
  'dueOnDayOff',
  'carryOverUndetermined',
  'syncedKnown',
  'synced',
  'feeBearing',
  'paidKnown',
  'paidOnline',
  'electronicResultKnown',
  'electronicResult',
  'digitisedKnown',
  'digitised',
  'vneidKnown',
  'vneidVerified',
  'endedWithoutResultByDue',
  'resolvedOfficeMinutes',
] as const satisfies ReadonlyArray<keyof ResultCounts>;

export function emptyCounts(): ResultCounts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as ResultCounts;
}

/** Adds one classified dossier to a row. False when it is not counted in the form at all. */
export function countDossier(counts: ResultCounts, dossier: Classified): boolean {
  switch (dossier.intake) {
    case 'OUTSIDE':
      return false;
    case 'REJECTED':
      counts.rejectedAtIntake += 1;
      return true;
    case 'NOT_RECEIVED':
      counts.notReceived += 1;
      return true;
    case 'CARRIED':
      counts.carriedOver += 1;
      break;
    case 'NEW':
      if (dossier.channel === 'ONLINE') counts.receivedOnline += 1;
      else if (dossier.channel === 'UNKNOWN') counts.receivedChannelUnknown += 1;
      else counts.receivedInPerson += 1;
      break;
  }
  if (dossier.lossy) counts.lossyStatus += 1;
  if (dossier.computedCalendar) counts.onComputedCalendar += 1;
  if (dossier.implausible !== null) counts.implausible += 1;
  if (dossier.dueOnDayOff) counts.dueOnDayOff += 1;
  if (dossier.resolvedOnReceiptDay) counts.resolvedOnReceiptDay += 1;
  if (dossier.endedByDue) counts.endedWithoutResultByDue += 1;
  countDigital(counts, dossier);
  counts.resolvedOfficeMinutes += Math.round(dossier.officeMs / 60_000);
  switch (dossier.outcome) {
    case 'EARLY':
      counts.resolvedEarly += 1;
      break;
    case 'ON_TIME':
      counts.resolvedOnTime += 1;
      break;
    case 'LATE':
      counts.resolvedLate += 1;
      break;
    case 'OPEN_NOT_DUE':
      counts.openNotDue += 1;
      break;
    case 'OPEN_OVERDUE':
      counts.openOverdue += 1;
      break;
    case 'WITHDRAWN':
      counts.withdrawn += 1;
      break;
    case 'STOPPED':
      counts.stopped += 1;
      break;
    case 'UNKNOWN':
    case null:
      counts.unknown += 1;
      break;
  }
  return true;
}

/** The 2022 fields, each over the dossiers its indicator counts over; a null says nothing. */
function countDigital(counts: ResultCounts, dossier: Classified): void {
  const facts = dossier.digital;
  if (facts === null) return;
  const tally = (value: boolean | null, known: keyof ResultCounts, yes: keyof ResultCounts) => {
    if (value === null) return;
    counts[known] += 1;
    if (value) counts[yes] += 1;
  };
  if (dossier.intake === 'NEW') {
    tally(facts.syncedToPortal, 'syncedKnown', 'synced');
    tally(facts.digitised, 'digitisedKnown', 'digitised');
    tally(facts.vneidVerified, 'vneidKnown', 'vneidVerified');
    if (dossier.feeBearing) {
      counts.feeBearing += 1;
      tally(facts.paidOnline, 'paidKnown', 'paidOnline');
    }
  }
  if (dossier.outcome === 'EARLY' || dossier.outcome === 'ON_TIME' || dossier.outcome === 'LATE')
    tally(facts.electronicResult, 'electronicResultKnown', 'electronicResult');
}

export function addCounts(into: ResultCounts, from: ResultCounts): ResultCounts {
  for (const key of COUNT_KEYS) into[key] += from[key];
  return into;
}

/** The form's sums: each derived column from the counted ones. */
export function derived(counts: ResultCounts) {
  const received = counts.receivedOnline + counts.receivedInPerson + counts.receivedChannelUnknown;
  const resolved = counts.resolvedEarly + counts.resolvedOnTime + counts.resolvedLate;
  const open = counts.openNotDue + counts.openOverdue;
  return {
    /** Số mới tiếp nhận. */
    received,
    /** Tổng số hồ sơ phải giải quyết = kỳ trước chuyển qua + mới tiếp nhận. */
    toResolve: counts.carriedOver + received,
    /** Số hồ sơ đã giải quyết. */
    resolved,
    /** Số hồ sơ đang giải quyết. */
    open,
  };
}
