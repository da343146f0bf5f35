import type { CallContext } from '../../../connectors/contract';
import type { Principal } from '../../auth/Principal';
import type { ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorActivity, RecentActivity } from '../../observability/ConnectorActivity';
import { requestScopes, type UpstreamExchange } from '../../observability/requestScope';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { DossierService } from '../dossiers/DossierService';
import type { ChangeFeed } from '../changes/ChangeFeed';
import type { SyncBridge } from '../sync/createSyncBridge';
import { maskDossier } from '../dossiers/maskDossier';
import { maskRawAnswer } from './maskRaw';
import { vietnamIso } from '../../domain/vietnamTime';

export type HealthStatus = 'HEALTHY' | 'DEGRADED' | 'FAILING' | 'IDLE' | 'OFF';

export interface ConnectorHealthView extends Omit<RecentActivity, 'calls'> {
  status: HealthStatus;
  circuit: string;
  recentCalls: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

export type ChangeWay = 'PUSH' | 'MODIFIED' | 'LISTING' | 'RECHECK';

export interface ConnectorChangesView {
  ways: ChangeWay[];
  everySeconds: number | null;
  lastPollAt: string | null;
  lastPollMs: number | null;
  foundByPolls: number;
  lastPollProblems: string[];
  openDossiers: number | null;
  sync: ConnectorSyncView | null;
}

export interface ConnectorSyncView {
  backlog: number;
  delivered: number;
  deadLetters: number;
  lastDeliveredAt: string | null;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
}

export interface DossierInspection {
  code: string;
  connector: string | null;
  found: boolean;
  /** The normalised answer as JSON, personal data masked. */
  normalised: string | null;
  /** The upstream answers as received, personal data masked. */
  exchanges: UpstreamExchange[];
  error: ErrorDetail | null;
}

export interface OperationsDeps {
  registry: ConnectorRegistry;
  dossiers: DossierService;
  activity: ConnectorActivity;
  changes: ChangeFeed;
  /** The sync bridge; null when no sink is set. */
  sync: SyncBridge | null;
  recentLatency(connector: string): Promise<{ p50: number; p99: number } | null>;
  /** Whether the principal may see this connector (RegistrationService's rule: admins all). */
  visible(principal: Principal, connectorId: string): boolean;
}

/**
 * What the console shows: how each system has been doing over the last five minutes on this
 * replica, and one dossier looked up afresh with the system's raw answer beside the normalised
 * one — both masked, within the caller's scope.
 */
export class OperationsService {
  constructor(private readonly deps: OperationsDeps) {}

  async health(connectorId: string): Promise<ConnectorHealthView> {
    const runtime = this.deps.registry.runtime(connectorId);
    const recent = this.deps.activity.recent(connectorId);
    // The 5-minute quantiles read 0 once a window has emptied: no calls lately, no figures.
    const latency = recent.calls === 0 ? null : await this.deps.recentLatency(connectorId);
    const circuit = runtime?.circuit ?? 'off';
    const { calls, ...rest } = recent;
    return {
      ...rest,
      status: status(runtime === undefined, circuit, recent),
      circuit,
      recentCalls: calls,
      latencyP50Ms: latency === null ? null : round(latency.p50 * 1000),
      latencyP99Ms: latency === null ? null : round(latency.p99 * 1000),
    };
  }

  /** How the system's changes are followed, and this replica's last poll of it. */
  async changes(connectorId: string): Promise<ConnectorChangesView> {
    const registration = this.deps.registry.runtime(connectorId)?.registration;
    const declared = registration?.changes;
    const ways: ChangeWay[] = [];
    if (registration?.push !== undefined) ways.push('PUSH');
    if (declared?.modified !== undefined) ways.push('MODIFIED');
    if (declared?.listing !== undefined) ways.push('LISTING');
    if (declared?.recheck !== undefined) ways.push('RECHECK');
    const seen = this.deps.changes.polls().find((poll) => poll.connectorId === connectorId);
    const open =
      registration === undefined || !this.deps.changes.tracker.follows(registration)
        ? 0
        : await this.deps.changes.tracker.states.openCount(connectorId).catch(() => null);
    return {
      ways,
      everySeconds: declared?.everySeconds ?? null,
      lastPollAt: seen?.lastPollAt ?? null,
      lastPollMs: seen?.lastPollMs ?? null,
      foundByPolls: seen?.changesFound ?? 0,
      lastPollProblems: seen?.problems ?? [],
      openDossiers: open,
      sync: await this.syncOf(connectorId),
    };
  }

  /** The bridge's figures, read once a second at most (a console page asks per connector). */
  private syncStats: {
    at: number;
    stats: Promise<Awaited<ReturnType<SyncBridge['stats']>> | null>;
  } | null = null;

  private async syncOf(connectorId: string): Promise<ConnectorSyncView | null> {
    const sync = this.deps.sync;
    if (sync === null) return null;
    const now = Date.now();
    if (this.syncStats === null || now - this.syncStats.at > 1000)
      this.syncStats = { at: now, stats: sync.stats().catch(() => null) };
    const stats = await this.syncStats.stats;
    if (stats === null) return null;
    const mine = stats[connectorId];
    return {
      backlog: mine?.backlog ?? 0,
      delivered: mine?.delivered ?? 0,
      deadLetters: mine?.deadLetters ?? 0,
      lastDeliveredAt:
        mine?.lastDeliveredAt == null ? null : vietnamIso(new Date(mine.lastDeliveredAt)),
      lagP50Ms: mine?.lagMs == null ? null : asInt(mine.lagMs.p50),
      lagP99Ms: mine?.lagMs == null ? null : asInt(mine.lagMs.p99),
    };
  }

  /**
   * Looks `code` up at its system now (not from the cache), keeping what the system answered.
   * A province-IT caller may inspect only dossiers within its scope (FORBIDDEN otherwise).
   */
  async inspect(principal: Principal, code: string, call: CallContext): Promise<DossierInspection> {
    const lookup = this.deps.dossiers.createLookup(call, { unmask: false, principal });
    const routed = lookup.route(code);
    const empty = { code, found: false, normalised: null, exchanges: [] };
    if (!routed.ok) return { ...empty, connector: null, error: routed.error };
    const connector = routed.route.connectorId;
    // The raw answer is the system's, not only the dossier's: its connector must be the caller's.
    if (!this.deps.visible(principal, connector)) {
      return {
        ...empty,
        connector: null,
        error: {
          code: 'FORBIDDEN',
          message: `${code} is answered by a system ${principal.name} does not maintain; its raw answers are not shown`,
          connector: null,
          retryable: false,
        },
      };
    }
    const runtime = this.deps.registry.runtime(connector);
    if (runtime === undefined) {
      return {
        ...empty,
        connector,
        error: {
          code: 'NO_CONNECTOR',
          message: `${connector} is not registered now`,
          connector,
          retryable: true,
        },
      };
    }
    // A signal of its own, so that only this lookup's answers are captured.
    const own: CallContext = { ...call, signal: AbortSignal.any([call.signal]) };
    const parentSpan = requestScopes.span(call.signal);
    if (parentSpan !== undefined) requestScopes.setSpan(own.signal, parentSpan);
    const exchanges: UpstreamExchange[] = [];
    const stop = requestScopes.capture(own.signal, (exchange) => exchanges.push(exchange));
    let outcome;
    try {
      [outcome] = await runtime.getDossiers([code], own);
    } finally {
      stop();
    }
    const dossier = outcome?.kind === 'found' ? outcome.dossier : null;
    return {
      code,
      connector,
      found: dossier !== null,
      normalised: dossier === null ? null : JSON.stringify(maskDossier(dossier), null, 2),
      exchanges: exchanges.map((exchange) => ({
        ...exchange,
        body: maskRawAnswer(exchange.body, dossier === null ? [] : [dossier]),
      })),
      error: outcome?.kind === 'error' ? outcome.error : null,
    };
  }
}

function status(off: boolean, circuit: string, recent: RecentActivity): HealthStatus {
  if (off) return 'OFF';
  if (circuit === 'open' || circuit === 'isolated') return 'FAILING';
  if (recent.calls === 0) return 'IDLE';
  const errors = recent.errorRate ?? 0;
  if (errors >= 0.5) return 'FAILING';
  if (errors > 0 || circuit === 'half-open') return 'DEGRADED';
  return 'HEALTHY';
}

/** A GraphQL Int: milliseconds past 2^31 − 1 (24 days) are shown as that. */
function asInt(ms: number): number {
  return Math.min(2_147_483_647, Math.round(ms));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
