import type { NationalDossier } from '../../../connectors/model';
import type { WorkingTimeService } from '../calendar/WorkingTimeService';
import { vietnamDate } from '../../domain/vietnamTime';
import { classifyDossier, UNDETERMINED, type ReportPeriod } from './classifyDossier';
import type { ReportRules } from './reportRules';
import { addCounts, countDossier, emptyCounts, type ResultCounts } from './resultCounts';

/** Most overdue dossiers kept in a report (the most late). */
const OVERDUE_KEPT = 100;

/** One row of the result form as counted: an agency and a field of law (lĩnh vực). */
export interface CountedRow {
  agencyCode: string;
  /** Mã lĩnh vực, or null when the system gives none. */
  fieldCode: string | null;
  fieldName: string | null;
  counts: ResultCounts;
}

export interface OverdueDossier {
  code: string;
  agencyCode: string;
  lateByHours: number;
  /** `LATE`: resolved after its due date; `OVERDUE`: unresolved and past due at the period's end. */
  state: 'LATE' | 'OVERDUE';
}

export interface Indicators {
  /** The whole scope's row. */
  total: ResultCounts;
  /** One row per agency and field, sorted by agency then field. */
  rows: CountedRow[];
  /** National status code (or `unmapped`) → dossiers submitted in the period. */
  byStatus: Record<string, number>;
  /** 1 in person, 2 online, 3 postal, `unknown` → dossiers newly received. */
  byChannel: Record<string, number>;
  /** Where newly received dossiers were submitted (NoiNopHoSo as sent, or `unknown`). */
  bySubmittedVia: Record<string, number>;
  /** The most overdue dossiers (resolved late, or unresolved past due at the period's end). */
  overdue: OverdueDossier[];
  /** By month received (yyyy-MM), dossiers received in the period: resolved and resolved in time. */
  months: Array<{ month: string; received: number; resolved: number; inTime: number }>;
  /** Per agency and procedure: dossiers resolved in the period, and of them on the day received. */
  procedures: ProcedureCounts[];
}

export interface ProcedureCounts {
  agencyCode: string;
  procedureCode: string;
  procedureName: string | null;
  resolved: number;
  onReceiptDay: number;
}

/** An accumulator's counts as plain JSON (`snapshot`, `restore`). */
export interface AccumulatorState {
  rows: CountedRow[];
  byStatus: Array<[string, number]>;
  byChannel: Array<[string, number]>;
  bySubmittedVia: Array<[string, number]>;
  overdue: OverdueDossier[];
  months: Indicators['months'];
  procedures: ProcedureCounts[];
}

/**
 * The result form's counts over a stream of listed dossiers with bounded memory: a row per agency
 * and field, and the most overdue dossiers in a small sorted list. Fed page by page by a report
 * job; every dossier is classified by `classifyDossier` (docs/INDICATORS.md).
 */
export class IndicatorAccumulator {
  private readonly rows = new Map<string, CountedRow>();
  private readonly byStatus = new Map<string, number>();
  private readonly byChannel = new Map<string, number>();
  private readonly bySubmittedVia = new Map<string, number>();
  private readonly months = new Map<string, Indicators['months'][number]>();
  private overdue: OverdueDossier[] = [];
  private readonly procedures = new Map<string, ProcedureCounts>();

  constructor(
    private readonly time: WorkingTimeService,
    private readonly period: ReportPeriod,
    private readonly rules: ReportRules,
  ) {}

  /**
   * Counts one listed dossier of `agencyCode`: `counted`, `outside` the form (received before the
   * period and ended before it), or `undetermined` (received before it, with an unknown status or
   * end date: whether it was carried over cannot be told).
   */
  add(dossier: NationalDossier, agencyCode: string): 'counted' | 'outside' | 'undetermined' {
    const classified = classifyDossier(
      dossier,
      this.period,
      this.time.forAgency(agencyCode),
      this.rules,
    );
    if (classified.intake === 'OUTSIDE') {
      if (classified.reason !== UNDETERMINED) return 'outside';
      this.row(agencyCode, dossier.fieldCode, dossier.fieldName).counts.carryOverUndetermined += 1;
      return 'undetermined';
    }
    countDossier(this.row(agencyCode, dossier.fieldCode, dossier.fieldName).counts, classified);
    if (classified.intake !== 'CARRIED') {
      increment(
        this.byStatus,
        dossier.status.code === null ? 'unmapped' : String(dossier.status.code),
      );
    }
    if (classified.intake === 'NEW') {
      increment(
        this.byChannel,
        dossier.channel?.code == null ? 'unknown' : String(dossier.channel.code),
      );
      increment(this.bySubmittedVia, placeKey(this.bySubmittedVia, dossier.digital?.submittedVia));
      const key = vietnamDate(new Date(dossier.receivedAt as string)).slice(0, 7);
      const month = this.months.get(key) ?? { month: key, received: 0, resolved: 0, inTime: 0 };
      month.received += 1;
      if (classified.outcome === 'EARLY' || classified.outcome === 'ON_TIME') {
        month.resolved += 1;
        month.inTime += 1;
      } else if (classified.outcome === 'LATE') month.resolved += 1;
      this.months.set(key, month);
    }
    if (
      dossier.procedureCode !== null &&
      (classified.outcome === 'EARLY' ||
        classified.outcome === 'ON_TIME' ||
        classified.outcome === 'LATE')
    ) {
      const key = rowKey(agencyCode, dossier.procedureCode);
      const procedure = this.procedures.get(key) ?? {
        agencyCode,
        procedureCode: dossier.procedureCode,
        procedureName: dossier.procedureName,
        resolved: 0,
        onReceiptDay: 0,
      };
      procedure.resolved += 1;
      if (classified.resolvedOnReceiptDay) procedure.onReceiptDay += 1;
      this.procedures.set(key, procedure);
    }
    if (classified.outcome === 'LATE' || classified.outcome === 'OPEN_OVERDUE') {
      this.keepOverdue({
        code: dossier.code,
        agencyCode,
        lateByHours: Math.round(classified.lateByMs / 36_000) / 100,
        state: classified.outcome === 'LATE' ? 'LATE' : 'OVERDUE',
      });
    }
    return 'counted';
  }

  result(): Indicators {
    const rows = [...this.rows.values()]
      .sort(
        (a, b) =>
          a.agencyCode.localeCompare(b.agencyCode) ||
          (a.fieldCode ?? '\uffff').localeCompare(b.fieldCode ?? '\uffff'),
      )
      .map((row) => ({ ...row, counts: { ...row.counts } }));
    return {
      total: rows.reduce((sum, row) => addCounts(sum, row.counts), emptyCounts()),
      rows,
      byStatus: Object.fromEntries([...this.byStatus].sort()),
      byChannel: Object.fromEntries([...this.byChannel].sort()),
      bySubmittedVia: Object.fromEntries([...this.bySubmittedVia].sort()),
      overdue: this.overdue.map((entry) => ({ ...entry })),
      months: [...this.months.values()]
        .sort((a, b) => a.month.localeCompare(b.month))
        .map((month) => ({ ...month })),
      procedures: [...this.procedures.values()]
        .sort(
          (a, b) =>
            a.agencyCode.localeCompare(b.agencyCode) ||
            a.procedureCode.localeCompare(b.procedureCode),
        )
        .map((procedure) => ({ ...procedure })),
    };
  }

  /**
   * Everything counted so far, as plain JSON: a job on a durable queue saves it after each page and
   * a resumed job carries on from it (`restore`), with the same result as an uninterrupted run.
   */
  snapshot(): AccumulatorState {
    return {
      rows: [...this.rows.values()].map((row) => ({ ...row, counts: { ...row.counts } })),
      byStatus: [...this.byStatus],
      byChannel: [...this.byChannel],
      bySubmittedVia: [...this.bySubmittedVia],
      overdue: this.overdue.map((entry) => ({ ...entry })),
      months: [...this.months.values()].map((month) => ({ ...month })),
      procedures: [...this.procedures.values()].map((procedure) => ({ ...procedure })),
    };
  }

  /** Carries on from a snapshot. */
  restore(state: AccumulatorState): void {
    this.rows.clear();
    for (const row of state.rows)
      this.rows.set(rowKey(row.agencyCode, row.fieldCode), { ...row, counts: { ...row.counts } });
    this.byStatus.clear();
    for (const [key, count] of state.byStatus) this.byStatus.set(key, count);
    this.byChannel.clear();
    for (const [key, count] of state.byChannel) this.byChannel.set(key, count);
    this.bySubmittedVia.clear();
    for (const [key, count] of state.bySubmittedVia) this.bySubmittedVia.set(key, count);
    this.overdue = state.overdue.map((entry) => ({ ...entry }));
    this.months.clear();
    for (const month of state.months) this.months.set(month.month, { ...month });
    this.procedures.clear();
    for (const procedure of state.procedures)
      this.procedures.set(rowKey(procedure.agencyCode, procedure.procedureCode), { ...procedure });
  }

  private row(agencyCode: string, fieldCode: string | null, fieldName: string | null): CountedRow {
    const key = rowKey(agencyCode, fieldCode);
    let row = this.rows.get(key);
    if (row === undefined) {
      row = { agencyCode, fieldCode, fieldName, counts: emptyCounts() };
      this.rows.set(key, row);
    } else if (row.fieldName === null && fieldName !== null) row.fieldName = fieldName;
    return row;
  }

  private keepOverdue(entry: OverdueDossier): void {
    if (
      this.overdue.length >= OVERDUE_KEPT &&
      (this.overdue.at(-1)?.lateByHours ?? 0) >= entry.lateByHours
    )
      return;
    this.overdue.push(entry);
    this.overdue.sort((a, b) => b.lateByHours - a.lateByHours || a.code.localeCompare(b.code));
    if (this.overdue.length > OVERDUE_KEPT) this.overdue.length = OVERDUE_KEPT;
  }
}

/** Most places of submission kept apart; the rest are counted as `other`. */
const PLACES_KEPT = 20;

/** A place of submission as a key: as sent (at most 40 characters), `unknown`, or `other`. */
function placeKey(counted: ReadonlyMap<string, number>, sent: string | null | undefined): string {
  if (sent === null || sent === undefined) return 'unknown';
  const key = sent.slice(0, 40);
  return counted.has(key) || counted.size < PLACES_KEPT ? key : 'other';
}

function rowKey(agencyCode: string, fieldCode: string | null): string {
  return `${agencyCode}\u0000${fieldCode ?? ''}`;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
