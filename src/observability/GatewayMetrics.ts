import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  Summary,
  collectDefaultMetrics,
  type CounterConfiguration,
} from 'prom-client';
import type { CacheReadObserver } from '../cache/DossierCache';
import { ErrorCode } from '../errors/ErrorCode';
import { ConnectorActivity, type CallOutcome } from './ConnectorActivity';

/** Label values come only from these bounded sets: never a dossier code or a caller's text. */
const ERROR_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo Server's own.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
]);
const boundedCode = (code: unknown): string =>
  typeof code === 'string' && ERROR_CODES.has(code) ? code : 'OTHER';

/**
 * The gateway's Prometheus metrics (prom-client, one registry per gateway so that several in one
 * process — the tests — do not collide), plus the recent per-connector activity the console shows.
 * Labels are bounded: operation type, root field name (from the schema), outcome, error code (the
 * public enum), connector id (registered systems), cache layer. Names start with `dvcgw_`.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly activity = new ConnectorActivity();
  private readonly graphqlDuration: Histogram<'type' | 'field'>;
  private readonly connectorCalls: Counter<'connector' | 'operation' | 'outcome' | 'code'>;
  private readonly connectorDuration: Histogram<'connector' | 'operation'>;
  private readonly connectorRecent: Summary<'connector'>;
  private readonly connectorRetries: Counter<'connector'>;
  private readonly expressionStops: Counter<'connector' | 'limit'>;
  private readonly changesFoundTotal: Counter<'connector' | 'source'>;
  private readonly changePolls: Counter<'connector' | 'outcome'>;
  private readonly changePollLast: Gauge<'connector'>;
  private readonly changePollDuration: Histogram<'connector'>;
  private readonly syncDeliveries: Counter<'connector'>;
  private readonly syncDeadLetters: Counter<'connector'>;
  private readonly syncLag: Histogram<'connector'>;
  private readonly responseHits: TallySeries;
  private readonly responseMisses: TallySeries;
  private readonly localDossierHits: TallySeries;
  private readonly graphqlSeries = new Map<
    string,
    { count: TallySeries; duration: Histogram.Internal<'type' | 'field'> }
  >();
  private readonly graphqlTally: Tally;
  private readonly cacheTally: Tally;
  private readonly servedTally: Tally;
  /** Per connector, its served-from-cache and from-upstream series. */
  private readonly servedSeries = new Map<
    string,
    { cache: TallySeries; upstream: TallySeries; stale: TallySeries }
  >();
  private requestsInFlight = 0;

  constructor(circuits: () => ReadonlyArray<{ connector: string; state: string }>) {
    const registers = [this.registry];
    processMetrics();
    this.graphqlTally = new Tally({
      name: 'dvcgw_graphql_requests_total',
      help: 'GraphQL requests by operation type, root field (or "multiple"), outcome and first error code',
      labelNames: ['type', 'field', 'outcome', 'code'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'dvcgw_graphql_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its answer',
      labelNames: ['type', 'field'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const inFlight = () => this.requestsInFlight;
    new Gauge({
      name: 'dvcgw_http_requests_in_flight',
      help: 'HTTP requests being answered now',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    this.connectorCalls = new Counter({
      name: 'dvcgw_connector_calls_total',
      help: 'Upstream calls (one attempt each) by connector, operation, outcome and error code',
      labelNames: ['connector', 'operation', 'outcome', 'code'],
      registers,
    });
    this.connectorDuration = new Histogram({
      name: 'dvcgw_connector_call_duration_seconds',
      help: 'Duration of one upstream call attempt',
      labelNames: ['connector', 'operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.connectorRecent = new Summary({
      name: 'dvcgw_connector_call_recent_seconds',
      help: 'Upstream call duration over the last 5 minutes (p50, p99), per connector',
      labelNames: ['connector'],
      percentiles: [0.5, 0.99],
      maxAgeSeconds: 300,
      ageBuckets: 5,
      registers,
    });
    this.connectorRetries = new Counter({
      name: 'dvcgw_connector_retries_total',
      help: 'Codes sent again after a retryable failure',
      labelNames: ['connector'],
      registers,
    });
    this.expressionStops = new Counter({
      name: 'dvcgw_expression_stopped_total',
      help: 'Evaluations of a registration’s expressions stopped by a limit, by connector and limit (time, steps, depth, items, string, budget, function)',
      labelNames: ['connector', 'limit'],
      registers,
    });
    this.changesFoundTotal = new Counter({
      name: 'dvcgw_changes_found_total',
      help: 'Dossier changes found (a state not known before), by connector and how: push, poll, lookup',
      labelNames: ['connector', 'source'],
      registers,
    });
    this.changePolls = new Counter({
      name: 'dvcgw_change_polls_total',
      help: 'Polls of a system for its changes, by outcome: ok, or incomplete (a call failed or the poll ran out of time)',
      labelNames: ['connector', 'outcome'],
      registers,
    });
    this.changePollLast = new Gauge({
      name: 'dvcgw_change_poll_last_timestamp_seconds',
      help: 'When this replica last polled a system for its changes (Unix time)',
      labelNames: ['connector'],
      registers,
    });
    this.changePollDuration = new Histogram({
      name: 'dvcgw_change_poll_duration_seconds',
      help: 'How long one poll of a system for its changes took',
      labelNames: ['connector'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    new Gauge({
      name: 'dvcgw_connector_circuit_state',
      help: 'Circuit breaker state per connector: 0 closed, 1 half-open, 2 open, 3 isolated',
      labelNames: ['connector'],
      registers,
      collect() {
        this.reset();
        for (const { connector, state } of circuits()) this.set({ connector }, CIRCUIT[state] ?? 0);
      },
    });
    this.syncDeliveries = new Counter({
      name: 'dvcgw_sync_delivered_total',
      help: 'Dossier changes the sync bridge delivered to its sink (accepted with 2xx), by connector',
      labelNames: ['connector'],
      registers,
    });
    this.syncDeadLetters = new Counter({
      name: 'dvcgw_sync_dead_letters_total',
      help: 'Dossier changes the sync bridge gave up (refused by the sink, or out of attempts), by connector',
      labelNames: ['connector'],
      registers,
    });
    this.syncLag = new Histogram({
      name: 'dvcgw_sync_lag_seconds',
      help: 'From a change in its system (its newest history step, else when the gateway found it) to its delivery to the sync sink',
      labelNames: ['connector'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400],
      registers,
    });
    this.cacheTally = new Tally({
      name: 'dvcgw_cache_lookups_total',
      help: 'Cache lookups by layer (local LRU, redis; response: dossier lookups answered from kept bytes), data kind and hit or miss',
      labelNames: ['layer', 'kind', 'result'],
      registers,
    });
    const cache = this.cacheTally;
    this.responseHits = cache.bind({ layer: 'response', kind: 'graphql', result: 'hit' });
    this.responseMisses = cache.bind({ layer: 'response', kind: 'graphql', result: 'miss' });
    this.localDossierHits = cache.bind({ layer: 'local', kind: 'dossier', result: 'hit' });
    this.servedTally = new Tally({
      name: 'dvcgw_dossier_answers_total',
      help: 'Dossier answers per connector by where they came from: cache, upstream, stale (the cache as a fallback when the system failed or missed the soft deadline)',
      labelNames: ['connector', 'from'],
      registers,
    });
  }

  /**
   * Report jobs by state (queue depth: `queued`), read at each scrape from `count` (on Redis the
   * shared queue's; absent from a scrape when it cannot be read).
   */
  reportJobs(count: () => Promise<Record<string, number>>): void {
    new Gauge({
      name: 'dvcgw_report_jobs',
      help: 'Indicator report jobs by state (queued is the queue depth; with Redis, the shared queue; cancelled ones count as failed there)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await count().catch(() => ({}));
        for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
      },
    });
  }

  /**
   * Runtime registrations quarantined (docs/resilience.md "Quarantine"), read at each scrape: 1 per
   * registration id.
   */
  quarantined(ids: () => readonly string[]): void {
    new Gauge({
      name: 'dvcgw_registration_quarantined',
      help: 'Runtime registrations the gateway will not run until a new version: unsafe expressions, or evaluations kept stopped by their limits',
      labelNames: ['connector'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const connector of ids()) this.set({ connector }, 1);
      },
    });
  }

  /** The request path's Redis circuit (src/redis/GuardedRedis.ts), read at each scrape. */
  redisCircuit(state: () => string): void {
    new Gauge({
      name: 'dvcgw_redis_circuit_state',
      help: 'Circuit breaker of Redis on the request path (cache, API keys, rate limits): 0 closed, 1 half-open, 2 open',
      registers: [this.registry],
      collect() {
        this.set(CIRCUIT[state()] ?? 0);
      },
    });
  }

  /** Changes found for a system, by how they were found. */
  changesFound(connector: string, source: string, count: number): void {
    this.changesFoundTotal.inc({ connector, source }, count);
  }

  /** One poll of a system for its changes ended. */
  changePolled(connector: string, startedAt: number, durationMs: number, complete: boolean): void {
    this.changePolls.inc({ connector, outcome: complete ? 'ok' : 'incomplete' });
    this.changePollLast.set({ connector }, Math.floor(startedAt / 1000));
    this.changePollDuration.observe({ connector }, durationMs / 1000);
  }

  /** One change delivered by the sync bridge, `lagSeconds` after it happened. */
  syncDelivered(connector: string, lagSeconds: number): void {
    this.syncDeliveries.inc({ connector });
    this.syncLag.observe({ connector }, lagSeconds);
  }

  /** One change dead-lettered by the sync bridge. */
  syncDeadLettered(connector: string): void {
    this.syncDeadLetters.inc({ connector });
  }

  /**
   * Changes appended to the sync outbox and not yet delivered or dead-lettered, per connector,
   * read at each scrape from `backlog` (absent from a scrape when it cannot be read).
   */
  syncBacklog(backlog: () => Promise<Record<string, number>>): void {
    new Gauge({
      name: 'dvcgw_sync_backlog',
      help: 'Dossier changes waiting in the sync outbox (all replicas, with Redis), by connector',
      labelNames: ['connector'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await backlog().catch(() => ({}));
        for (const [connector, value] of Object.entries(counts)) this.set({ connector }, value);
      },
    });
  }

  /** An evaluation of a registration's expression stopped by a limit (time, steps, size, …). */
  expressionStopped(connector: string, limit: string): void {
    this.expressionStops.inc({ connector, limit });
  }

  /** One GraphQL request answered. */
  graphqlRequest(
    type: string,
    field: string,
    outcome: 'ok' | 'partial' | 'error' | 'refused',
    code: unknown,
    seconds: number,
  ): void {
    const bounded = outcome === 'ok' ? '' : boundedCode(code);
    const key = `${type}|${field}|${outcome}|${bounded}`;
    let series = this.graphqlSeries.get(key);
    if (series === undefined) {
      // prom-client hashes a label set on every call; the hot path looks its series up once.
      series = {
        count: this.graphqlTally.bind({ type, field, outcome, code: bounded }),
        duration: this.graphqlDuration.labels({ type, field }),
      };
      this.graphqlSeries.set(key, series);
    }
    series.count.pending += 1;
    series.duration.observe(seconds);
  }

  requestStarted(): void {
    this.requestsInFlight += 1;
  }

  requestEnded(): void {
    this.requestsInFlight -= 1;
  }

  /** One attempt of one upstream call. */
  connectorCall(
    connector: string,
    operation: 'lookup' | 'catalogue' | 'listing',
    outcome: CallOutcome,
    seconds: number | null,
    error: { code: string; message: string } | null,
  ): void {
    this.connectorCalls.inc({
      connector,
      operation,
      outcome,
      code: error === null ? '' : boundedCode(error.code),
    });
    if (seconds !== null) {
      this.connectorDuration.observe({ connector, operation }, seconds);
      this.connectorRecent.observe({ connector }, seconds);
    }
    this.activity.call(connector, outcome, error);
  }

  connectorRetry(connector: string, codes: number): void {
    this.connectorRetries.inc({ connector }, codes);
  }

  /** A reader for one cache layer: counts hits (found, not-found answers) and misses. */
  cacheReads(layer: 'local' | 'redis'): CacheReadObserver {
    const hit = this.cacheTally.bind({ layer, kind: 'dossier', result: 'hit' });
    const notFoundHit = this.cacheTally.bind({ layer, kind: 'not_found', result: 'hit' });
    const miss = this.cacheTally.bind({ layer, kind: 'dossier', result: 'miss' });
    return (entries) => {
      let hits = 0;
      let notFoundHits = 0;
      for (const entry of entries) {
        if (entry?.kind === 'found') hits += 1;
        else if (entry?.kind === 'notFound') notFoundHits += 1;
      }
      hit.pending += hits;
      notFoundHit.pending += notFoundHits;
      miss.pending += entries.length - hits - notFoundHits;
    };
  }

  /**
   * A dossier lookup asked again: answered from the kept bytes (`hit`, counted as the cache reads
   * and cached answers it stands for) or executed (`miss`).
   */
  keptAnswer(hit: boolean, entries: ReadonlyArray<{ entry: { connectorId: string } }> = []): void {
    if (!hit) {
      this.responseMisses.pending += 1;
      return;
    }
    this.responseHits.pending += 1;
    if (entries.length === 0) return;
    this.localDossierHits.pending += entries.length;
    for (const { entry } of entries) this.answered(entry.connectorId, 1, 0);
  }

  /** Where one connector's answers came from in one fetch (stale: the cache, as a fallback). */
  answered(connector: string, fromCache: number, fromUpstream: number, stale = 0): void {
    let series = this.servedSeries.get(connector);
    if (series === undefined) {
      series = {
        cache: this.servedTally.bind({ connector, from: 'cache' }),
        upstream: this.servedTally.bind({ connector, from: 'upstream' }),
        stale: this.servedTally.bind({ connector, from: 'stale' }),
      };
      this.servedSeries.set(connector, series);
    }
    series.cache.pending += fromCache;
    series.upstream.pending += fromUpstream;
    series.stale.pending += stale;
    // The console's hit rate: a stale answer came from the cache too.
    this.activity.answered(connector, fromCache + stale, fromUpstream);
  }

  /** p50 and p99 of a connector's calls over the last 5 minutes, in seconds (null: no calls). */
  async recentLatency(connector: string): Promise<{ p50: number; p99: number } | null> {
    const { values } = await this.connectorRecent.get();
    const mine = values.filter((v) => v.labels.connector === connector);
    const count = mine.find((v) => v.metricName === 'dvcgw_connector_call_recent_seconds_count');
    if (count === undefined || count.value === 0) return null;
    const at = (q: number) =>
      mine.find((v) => (v.labels as Record<string, unknown>).quantile === q)?.value ?? NaN;
    return { p50: at(0.5), p99: at(0.99) };
  }

  /** The text exposition for `/metrics`. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}

let processRegistry: Registry | null = null;

/**
 * The process's own metrics (CPU, heap, event-loop delay, GC), collected once per process:
 * prom-client watches garbage collection and the event loop with process-wide observers that are
 * never removed, so metrics collected per gateway kept every closed gateway alive (about 30 MB
 * each in a test run that starts many).
 */
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'dvcgw_' });
  }
  return processRegistry;
}

const CIRCUIT: Record<string, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/** One series of a `Tally`: counts added on the hot path, not yet handed to prom-client. */
interface TallySeries {
  readonly labels: Record<string, string>;
  pending: number;
}

/**
 * Counts kept as plain numbers on the hot path and added to their prom-client counter when it is
 * scraped (its `collect`): prom-client hashes the label set on every `inc`, even through a bound
 * child, which was a tenth of a kept answer's own CPU. Values read at a scrape are exact.
 */
class Tally {
  private readonly series = new Map<string, TallySeries>();

  /** Registers the counter the counts go to (handed over at each of its scrapes). */
  constructor(configuration: CounterConfiguration<string>) {
    const flush = (counter: Counter<string>) => this.flush(counter);
    new Counter({
      ...configuration,
      collect() {
        flush(this);
      },
    });
  }

  /** The series for these labels (looked up once by the caller, then `pending += n`). */
  bind(labels: Record<string, string>): TallySeries {
    const key = Object.values(labels).join('|');
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels, pending: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  /** Hands the pending counts to the counter (called by its `collect`). */
  private flush(counter: Counter<string>): void {
    for (const series of this.series.values()) {
      if (series.pending === 0) continue;
      counter.inc(series.labels, series.pending);
      series.pending = 0;
    }
  }
}
