import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { AGENCY_TIERS, TIER_LABELS, agencyTier, type AgencyTier } from '../../domain/agencyTier';
import type { ReportPeriod } from './classifyDossier';
import { decision766, type IndicatorFigure } from './decision766';
import type { Indicators } from './indicators';
import type { ReportRules } from './reportRules';
import { addCounts, derived, emptyCounts, type ResultCounts } from './resultCounts';
import { IndicatorTargets } from './targets';

/**
 * One row of the result form: the whole scope, a tier (province, departments, communes; ministry,
 * units), an agency, a field of law within an agency, or a field across the scope.
 */
export interface ResultRow {
  scope: 'TOTAL' | 'TIER' | 'AGENCY' | 'AGENCY_FIELD' | 'FIELD';
  /** `total`, the tier, the agency code, `<agency> <field>` or the field code (`-` when none). */
  key: string;
  /** Vietnamese label: the agency's full name, the field's, the tier's. */
  label: string;
  tier: AgencyTier | null;
  agencyCode: string | null;
  fieldCode: string | null;
  counts: ResultCounts & ReturnType<typeof derived>;
}

export interface OnTheSpotTarget {
  label: string;
  /** The share of frequently used procedures to reach, 0–1. */
  target: number;
  /** Procedures with at least `minDossiers` resolved dossiers at the group's agencies. */
  frequentProcedures: number;
  /** Of them, those with at least `share` of their dossiers resolved on the day received. */
  onTheSpotProcedures: number;
  rate: number | null;
  /** Whether the rate reaches the target; null without frequently used procedures. */
  met: boolean | null;
}

/** One system a report read: for which agencies, how much, and when its first and last pages came. */
export interface ReportSource {
  connector: string;
  agencies: string[];
  /**
   * How its listed dossiers were narrowed to each agency: by the system (its listing takes the
   * agency) or by the gateway (it lists every unit's; each dossier counted by its own agency).
   */
  agencyFilter: 'SYSTEM' | 'GATEWAY';
  pages: number;
  /** Dossiers listed (for GATEWAY, every unit's). */
  dossiers: number;
  /** GATEWAY: listed dossiers of units outside the report, read and not counted. */
  otherAgencies: number;
  /**
   * Listed dossiers whose system did not say whether they reached the portal, read from the
   * gateway's sync bridge instead (indicator 1.4). Absent in checkpoints written before it.
   */
  syncFromGateway?: number;
  firstReadAt: string;
  lastReadAt: string;
}

export interface ReportResult {
  /** The systems read: for which agencies, how many pages and dossiers, when. */
  sources: ReportSource[];
  period: { from: string; to: string; judgedAt: string; carriedOverSince: string | null };
  rules: ReportRules;
  /** False when some agency could not be listed (see the job's problems). */
  complete: boolean;
  table: ResultRow[];
  indicators: IndicatorFigure[];
  /** Dossiers resolved on the day they were received, of those resolved in the period. */
  onTheSpot: { resolved: number; onReceiptDay: number; rate: number | null };
  onTheSpotRule: { minDossiers: number; share: number };
  onTheSpotTargets: OnTheSpotTarget[];
  byStatus: Indicators['byStatus'];
  byChannel: Indicators['byChannel'];
  bySubmittedVia: Indicators['bySubmittedVia'];
  overdue: Indicators['overdue'];
  months: Indicators['months'];
}

/** Everything a finished report shows, from the accumulator's counts. */
export function buildReportResult(
  counted: Indicators,
  context: {
    period: ReportPeriod;
    rules: ReportRules;
    complete: boolean;
    directory: AgencyDirectory;
    targets: IndicatorTargets;
    sources: ReportSource[];
  },
): ReportResult {
  const { period, rules, directory, targets } = context;
  const { resolved } = derived(counted.total);
  const sinceDay =
    rules.carryOverDays === 0
      ? null
      : new Date(Date.parse(`${period.from}T00:00:00Z`) - rules.carryOverDays * 86_400_000)
          .toISOString()
          .slice(0, 10);
  return {
    sources: context.sources.map((source) => ({ ...source, agencies: [...source.agencies] })),
    period: {
      from: period.from,
      to: period.to,
      judgedAt: period.end.toISOString(),
      carriedOverSince: sinceDay,
    },
    rules,
    complete: context.complete,
    table: resultTable(counted, directory),
    indicators: decision766(counted.total, rules),
    onTheSpot: {
      resolved,
      onReceiptDay: counted.total.resolvedOnReceiptDay,
      rate: resolved === 0 ? null : counted.total.resolvedOnReceiptDay / resolved,
    },
    onTheSpotRule: { ...targets.onTheSpotRule },
    onTheSpotTargets: targets.onTheSpot.map((group) => {
      const byProcedure = new Map<string, { resolved: number; onReceiptDay: number }>();
      for (const procedure of counted.procedures) {
        if (!IndicatorTargets.covers(group, procedure.agencyCode)) continue;
        const sum = byProcedure.get(procedure.procedureCode) ?? { resolved: 0, onReceiptDay: 0 };
        sum.resolved += procedure.resolved;
        sum.onReceiptDay += procedure.onReceiptDay;
        byProcedure.set(procedure.procedureCode, sum);
      }
      const frequent = [...byProcedure.values()].filter(
        (sum) => sum.resolved >= targets.onTheSpotRule.minDossiers,
      );
      const onTheSpot = frequent.filter(
        (sum) => sum.onReceiptDay >= targets.onTheSpotRule.share * sum.resolved,
      ).length;
      const rate = frequent.length === 0 ? null : onTheSpot / frequent.length;
      return {
        label: group.label,
        target: group.target,
        frequentProcedures: frequent.length,
        onTheSpotProcedures: onTheSpot,
        rate,
        met: rate === null ? null : rate >= group.target,
      };
    }),
    byStatus: counted.byStatus,
    byChannel: counted.byChannel,
    bySubmittedVia: counted.bySubmittedVia,
    overdue: counted.overdue,
    months: counted.months,
  };
}

/**
 * The form's rows in the order it is filed: per tier, the tier's sum, then each agency with its
 * fields; then each field across the scope; then the total.
 */
export function resultTable(counted: Indicators, directory: AgencyDirectory): ResultRow[] {
  const row = (
    scope: ResultRow['scope'],
    key: string,
    label: string,
    counts: ResultCounts,
    extra: Partial<Pick<ResultRow, 'tier' | 'agencyCode' | 'fieldCode'>> = {},
  ): ResultRow => ({
    scope,
    key,
    label,
    tier: extra.tier ?? null,
    agencyCode: extra.agencyCode ?? null,
    fieldCode: extra.fieldCode ?? null,
    counts: { ...counts, ...derived(counts) },
  });
  const fieldLabel = (code: string | null, name: string | null) =>
    name ?? (code === null ? 'Không rõ lĩnh vực' : `Lĩnh vực ${code}`);
  const byAgency = new Map<string, Indicators['rows']>();
  for (const counted_ of counted.rows) {
    const list = byAgency.get(counted_.agencyCode) ?? [];
    list.push(counted_);
    byAgency.set(counted_.agencyCode, list);
  }
  const tierOf = (code: string): AgencyTier => {
    const agency = directory.get(code);
    return agency === undefined ? 'DEPARTMENT' : agencyTier(agency);
  };
  const rows: ResultRow[] = [];
  for (const tier of AGENCY_TIERS) {
    const agencies = [...byAgency.keys()].filter((code) => tierOf(code) === tier).sort();
    if (agencies.length === 0) continue;
    const tierCounts = emptyCounts();
    const agencyRows: ResultRow[] = [];
    for (const code of agencies) {
      const fields = byAgency.get(code) ?? [];
      const agencyCounts = fields.reduce(
        (sum, field) => addCounts(sum, field.counts),
        emptyCounts(),
      );
      addCounts(tierCounts, agencyCounts);
      agencyRows.push(
        row('AGENCY', code, directory.get(code)?.name ?? code, agencyCounts, {
          tier,
          agencyCode: code,
        }),
      );
      for (const field of fields)
        agencyRows.push(
          row(
            'AGENCY_FIELD',
            `${code} ${field.fieldCode ?? '-'}`,
            fieldLabel(field.fieldCode, field.fieldName),
            field.counts,
            { tier, agencyCode: code, fieldCode: field.fieldCode },
          ),
        );
    }
    rows.push(row('TIER', tier, TIER_LABELS[tier].vi, tierCounts, { tier }), ...agencyRows);
  }
  const byField = new Map<string, { name: string | null; counts: ResultCounts }>();
  for (const field of counted.rows) {
    const key = field.fieldCode ?? '-';
    const sum = byField.get(key) ?? { name: field.fieldName, counts: emptyCounts() };
    sum.name ??= field.fieldName;
    addCounts(sum.counts, field.counts);
    byField.set(key, sum);
  }
  for (const [key, field] of [...byField].sort(([a], [b]) => a.localeCompare(b)))
    rows.push(
      row('FIELD', key, fieldLabel(key === '-' ? null : key, field.name), field.counts, {
        fieldCode: key === '-' ? null : key,
      }),
    );
  rows.push(row('TOTAL', 'total', 'Tổng cộng', counted.total));
  return rows;
}
