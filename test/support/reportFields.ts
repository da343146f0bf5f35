/** Every field of a finished report's result, for tests that compare whole results. */
const ROW = `scope key label tier agency field carriedOver received receivedOnline receivedInPerson
  receivedChannelUnknown toResolve resolved resolvedEarly resolvedOnTime resolvedLate open
  openNotDue openOverdue withdrawn stopped unknown rejectedAtIntake notReceived
  resolvedOnReceiptDay lossyStatus onComputedCalendar implausible dueOnDayOff carryOverUndetermined`;

export const REPORT_RESULT_FIELDS = `{ complete
  sources { connector agencies agencyFilter pages dossiers otherAgencies syncFromGateway firstReadAt lastReadAt }
  period { from to judgedAt carriedOverSince }
  rules { lateFromSupplementRequests carryOverDays onTimeDenominator }
  table { ${ROW} } total { ${ROW} }
  indicators { id name nameEn status numerator denominator rate value unit fullScoreAt points maxPoints note }
  onTheSpot { resolved onReceiptDay rate } onTheSpotRule { minDossiers share }
  onTheSpotTargets { label target frequentProcedures onTheSpotProcedures rate met }
  byStatus { key count } byChannel { key count } bySubmittedVia { key count }
  overdue { code agency lateByHours state }
  months { month received resolved inTime rate } }`;

/** A result row as the API answers it. */
export interface ResultRowView {
  scope: string;
  key: string;
  label: string;
  tier: string | null;
  agency: string | null;
  field: string | null;
  carriedOver: number;
  received: number;
  receivedOnline: number;
  receivedInPerson: number;
  receivedChannelUnknown: number;
  toResolve: number;
  resolved: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  open: number;
  openNotDue: number;
  openOverdue: number;
  withdrawn: number;
  stopped: number;
  unknown: number;
  rejectedAtIntake: number;
  notReceived: number;
  resolvedOnReceiptDay: number;
  lossyStatus: number;
  onComputedCalendar: number;
  implausible: number;
  dueOnDayOff: number;
  carryOverUndetermined: number;
}

export interface ReportResultView {
  complete: boolean;
  sources: Array<{
    connector: string;
    agencies: string[];
    agencyFilter: 'SYSTEM' | 'GATEWAY';
    pages: number;
    dossiers: number;
    otherAgencies: number;
    syncFromGateway: number;
    firstReadAt: string;
    lastReadAt: string;
  }>;
  period: { from: string; to: string; judgedAt: string; carriedOverSince: string | null };
  table: ResultRowView[];
  total: ResultRowView;
  indicators: Array<{
    id: string;
    status: string;
    numerator: number | null;
    denominator: number | null;
    rate: number | null;
    points: number | null;
    note: string | null;
  }>;
  onTheSpot: { resolved: number; onReceiptDay: number; rate: number | null };
  onTheSpotTargets: Array<{
    label: string;
    target: number;
    frequentProcedures: number;
    onTheSpotProcedures: number;
    rate: number | null;
    met: boolean | null;
  }>;
  byStatus: Array<{ key: string; count: number }>;
  byChannel: Array<{ key: string; count: number }>;
  bySubmittedVia: Array<{ key: string; count: number }>;
  overdue: Array<{ code: string; agency: string; lateByHours: number; state: string }>;
  months: Array<{ month: string; received: number; resolved: number; inTime: number }>;
}
