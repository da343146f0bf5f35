import type { NationalDossier } from '../../../connectors/model';
import type { WorkingTimeService } from '../calendar/WorkingTimeService';
import { vietnamDate } from '../vietnamTime';

/** Most overdue dossiers kept in a report (the most late). */
const OVERDUE_KEPT = 100;

export interface Indicators {
  received: number;
  /** National status code (or `unmapped`) → count. */
  byStatus: Record<string, number>;
  /** 1 in person, 2 online, 3 postal, `unknown` → count. */
  byChannel: Record<string, number>;
  /** Indicator 2.1: dossiers judged on time / judged (ended, or unfinished past due at the end). */
  onTime: { judged: number; onTime: number; late: number; rate: number | null; unknown: number };
  /** The most overdue dossiers (ended late, or unfinished past due at the period's end). */
  overdue: Array<{ code: string; agencyCode: string; lateByHours: number; state: string }>;
  /** Indicator 3.3's channel part: online (channel 2) over received. */
  online: { count: number; rate: number | null };
  /**
   * Processed on the spot: ended within the same working day as received (the founding plan's
   * target: 20 % at provincial centres, 50 % at the former district desks; targets by level).
   */
  onTheSpot: { count: number; rate: number | null };
  /** Per agency: received, judged and late, on-time, overdue and online rates. */
  agencies: Array<{
    agencyCode: string;
    received: number;
    judged: number;
    late: number;
    onTheSpot: number;
    onTimeRate: number | null;
    overdueRate: number | null;
    onlineRate: number | null;
  }>;
  /** Per month received (yyyy-MM): judged and on time, for the trend. */
  months: Array<{
    month: string;
    received: number;
    judged: number;
    onTime: number;
    rate: number | null;
  }>;
}

/** An accumulator's counts as plain JSON (`snapshot`, `restore`). */
export interface AccumulatorState {
  received: number;
  byStatus: Array<[string, number]>;
  byChannel: Array<[string, number]>;
  judged: number;
  onTime: number;
  unknown: number;
  online: number;
  onTheSpot: number;
  overdue: Indicators['overdue'];
  perAgency: Array<[string, AgencyCounts]>;
  perMonth: Array<[string, { received: number; judged: number; onTime: number }]>;
}

interface AgencyCounts {
  received: number;
  judged: number;
  onTime: number;
  online: number;
  onTheSpot: number;
}

/**
 * Indicators over a stream of dossiers with bounded memory: counters, and the most overdue
 * dossiers kept in a small sorted list. Fed page by page by a report job.
 */
export class IndicatorAccumulator {
  private received = 0;
  private readonly byStatus = new Map<string, number>();
  private readonly byChannel = new Map<string, number>();
  private judged = 0;
  private onTime = 0;
  private unknown = 0;
  private online = 0;
  private onTheSpot = 0;
  private overdue: Indicators['overdue'] = [];
  private readonly perAgency = new Map<string, AgencyCounts>();
  private readonly perMonth = new Map<
    string,
    { received: number; judged: number; onTime: number }
  >();

  constructor(
    private readonly time: WorkingTimeService,
    /** The end of the period: unfinished dossiers are judged then. */
    private readonly periodEnd: Date,
  ) {}

  add(dossier: NationalDossier, agencyCode: string): void {
    this.received += 1;
    const agency = this.perAgency.get(agencyCode) ?? {
      received: 0,
      judged: 0,
      onTime: 0,
      online: 0,
      onTheSpot: 0,
    };
    agency.received += 1;
    this.perAgency.set(agencyCode, agency);
    const monthKey =
      dossier.receivedAt === null
        ? 'unknown'
        : vietnamDate(new Date(dossier.receivedAt)).slice(0, 7);
    const month = this.perMonth.get(monthKey) ?? { received: 0, judged: 0, onTime: 0 };
    month.received += 1;
    this.perMonth.set(monthKey, month);
    increment(
      this.byStatus,
      dossier.status.code === null ? 'unmapped' : String(dossier.status.code),
    );
    increment(
      this.byChannel,
      dossier.channel?.code == null ? 'unknown' : String(dossier.channel.code),
    );
    if (dossier.channel?.code === 2) {
      this.online += 1;
      agency.online += 1;
    }
    const judged = this.time.judge(dossier, agencyCode, this.periodEnd);
    if (judged.state === 'UNKNOWN') {
      this.unknown += 1;
      return;
    }
    if (judged.state === 'ON_TIME' || judged.state === 'LATE') {
      this.judged += 1;
      agency.judged += 1;
      month.judged += 1;
      if (judged.state === 'ON_TIME') {
        this.onTime += 1;
        agency.onTime += 1;
        month.onTime += 1;
      }
      if (dossier.receivedAt !== null && sameWorkingDay(dossier.receivedAt, judged.endedAt)) {
        this.onTheSpot += 1;
        agency.onTheSpot += 1;
      }
    } else if (judged.state === 'IN_PROGRESS' && judged.overdue) {
      // Unfinished and past due at the period's end: judged late.
      this.judged += 1;
      agency.judged += 1;
      month.judged += 1;
    }
    if (judged.state === 'LATE' || (judged.state === 'IN_PROGRESS' && judged.overdue)) {
      this.keepOverdue({
        code: dossier.code,
        agencyCode,
        lateByHours: Math.round(judged.lateByMs / 36_000) / 100,
        state: judged.state,
      });
    }
  }

  result(): Indicators {
    const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);
    return {
      received: this.received,
      byStatus: Object.fromEntries([...this.byStatus].sort()),
      byChannel: Object.fromEntries([...this.byChannel].sort()),
      onTime: {
        judged: this.judged,
        onTime: this.onTime,
        late: this.judged - this.onTime,
        rate: rate(this.onTime, this.judged),
        unknown: this.unknown,
      },
      overdue: this.overdue,
      online: { count: this.online, rate: rate(this.online, this.received) },
      onTheSpot: { count: this.onTheSpot, rate: rate(this.onTheSpot, this.received) },
      agencies: [...this.perAgency]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([agencyCode, counts]) => ({
          agencyCode,
          received: counts.received,
          judged: counts.judged,
          late: counts.judged - counts.onTime,
          onTheSpot: counts.onTheSpot,
          onTimeRate: rate(counts.onTime, counts.judged),
          overdueRate: rate(counts.judged - counts.onTime, counts.judged),
          onlineRate: rate(counts.online, counts.received),
        })),
      months: [...this.perMonth]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([month, counts]) => ({ month, ...counts, rate: rate(counts.onTime, counts.judged) })),
    };
  }

  /**
   * Everything counted so far, as plain JSON: a job on a durable queue saves it after each page and
   * a resumed job carries on from it (`restore`), with the same result as an uninterrupted run.
   */
  snapshot(): AccumulatorState {
    return {
      received: this.received,
      byStatus: [...this.byStatus],
      byChannel: [...this.byChannel],
      judged: this.judged,
      onTime: this.onTime,
      unknown: this.unknown,
      online: this.online,
      onTheSpot: this.onTheSpot,
      overdue: this.overdue.map((entry) => ({ ...entry })),
      perAgency: [...this.perAgency].map(([code, counts]) => [code, { ...counts }]),
      perMonth: [...this.perMonth].map(([month, counts]) => [month, { ...counts }]),
    };
  }

  /** Carries on from a snapshot. */
  restore(state: AccumulatorState): void {
    this.received = state.received;
    this.byStatus.clear();
    for (const [key, count] of state.byStatus) this.byStatus.set(key, count);
    this.byChannel.clear();
    for (const [key, count] of state.byChannel) this.byChannel.set(key, count);
    this.judged = state.judged;
    this.onTime = state.onTime;
    this.unknown = state.unknown;
    this.online = state.online;
    this.onTheSpot = state.onTheSpot;
    this.overdue = state.overdue.map((entry) => ({ ...entry }));
    this.perAgency.clear();
    for (const [code, counts] of state.perAgency) this.perAgency.set(code, { ...counts });
    this.perMonth.clear();
    for (const [month, counts] of state.perMonth) this.perMonth.set(month, { ...counts });
  }

  private keepOverdue(entry: Indicators['overdue'][number]): void {
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

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Whether two instants fall on the same Vietnam date. */
function sameWorkingDay(a: string, b: string): boolean {
  return vietnamDate(new Date(a)) === vietnamDate(new Date(b));
}
