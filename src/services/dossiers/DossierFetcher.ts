import type { CallContext, Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { CachedDossier, DossierCache } from '../../cache/DossierCache';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry, RegisteredRuntime } from '../../registry/ConnectorRegistry';
import { settingsDigest, type Registration } from '../../registry/Registration';
import { untilAborted } from '../../runtime/abortable';
import type { UpstreamOutcome } from '../../runtime/ConnectorRuntime';
import { vietnamIso } from '../../domain/vietnamTime';
import { dossierKey } from '../../domain/dossierKey';
import { foundEntry, notFoundEntry } from './cacheEntries';
import { CrossRequestBatcher } from './CrossRequestBatcher';
import { notFound, type FetchResult, type FoundEntry } from './fetchResult';
import { PushOrdering } from './PushOrdering';
import { SingleFlight } from './SingleFlight';

export interface DossierFetcherDeps {
  registry: ConnectorRegistry;
  cache: DossierCache;
  logger: Logger;
  now: () => Date;
  /** Time budget of a background refresh. */
  refreshBudgetMs: number;
  /**
   * Told where a connector's answers came from: the cache, upstream, or the cache as a stale
   * fallback (the system failed, or missed the soft deadline).
   */
  onAnswered?: (
    connectorId: string,
    fromCache: number,
    fromUpstream: number,
    stale: number,
  ) => void;
  /** Told of the dossiers read from a system (not from the cache) for lookups. */
  onRead?: (registration: Registration, dossiers: readonly NationalDossier[]) => void;
}

/**
 * Reads dossiers through the cache with the registration's freshness policy (docs/resilience.md
 * "Freshness"), shared by every request:
 * - fresh → served from the cache;
 * - past the fresh lifetime but within the hard one → served, and refreshed in the background;
 * - past the hard lifetime, or missing → fetched; when the fetch fails, the last value is served
 *   (up to `maxStaleSeconds` old) marked stale with the reason, and so it is when the fetch takes
 *   longer than the registration's soft deadline (the fetch then finishes in the background);
 * - "no such dossier" is remembered for `notFoundTtlSeconds`, so a flood of bad codes stays here.
 *
 * What it fetches goes up through three parts, each in its own file: `SingleFlight` (a code already
 * being fetched, for any request, is waited for, not fetched again), `CrossRequestBatcher` (the
 * codes of concurrent requests go to a system as one list per event-loop turn) and the system's
 * runtime (which alone cuts the list into calls of at most its `maxBatch` codes). Answers are
 * cached unless `PushOrdering` says a push changed the code meanwhile.
 */
export class DossierFetcher {
  private readonly inflight = new SingleFlight<FetchResult>();
  private readonly batcher = new CrossRequestBatcher<RegisteredRuntime>((runtime, codes, call) =>
    this.askAndStore(runtime, codes, call),
  );
  private readonly pushes: PushOrdering;

  constructor(private readonly deps: DossierFetcherDeps) {
    this.pushes = new PushOrdering(Math.max(60_000, 2 * deps.refreshBudgetMs));
  }

  /**
   * One answer per code, in order. The connector's runtime is looked up here, once: everything
   * below (background refresh, the batch, the upstream call) uses the one found now.
   */
  async fetch(
    connectorId: string,
    asked: readonly string[],
    call: CallContext,
  ): Promise<FetchResult[]> {
    const runtime = this.deps.registry.runtime(connectorId);
    if (runtime === undefined) {
      const error = errorDetail(
        'NO_CONNECTOR',
        `Connector ${connectorId} is no longer registered`,
        connectorId,
      );
      return asked.map(() => ({ ok: false, error }));
    }
    const registration = runtime.registration;
    // Everything below knows a dossier by its key (src/domain/dossierKey.ts).
    const codes = asked.map((code) => dossierKey(registration.coverage.codes, code));
    const settings = settingsDigest(registration);
    const now = this.deps.now().getTime();
    const entries = await this.deps.cache.getMany(codes);
    const results = new Array<FetchResult | undefined>(codes.length);
    const fallbacks = new Map<string, FoundEntry>();
    const needed: string[] = [];
    codes.forEach((code, index) => {
      const entry = entries[index];
      // An entry another system, or other settings of this one, made is not this one's answer.
      if (entry === undefined || entry.connectorId !== connectorId || entry.settings !== settings) {
        needed.push(code);
      } else if (entry.kind === 'notFound') {
        if (now < entry.freshUntil)
          results[index] = { ok: false, error: notFound(registration, code) };
        else needed.push(code);
      } else if (now < entry.freshUntil) {
        results[index] = { ok: true, entry, cached: true, stale: null };
      } else if (now < entry.hardUntil) {
        results[index] = { ok: true, entry, cached: true, stale: null };
        this.refreshInBackground(runtime, code);
      } else {
        fallbacks.set(code, entry);
        needed.push(code);
      }
    });
    if (needed.length === 0) this.deps.onAnswered?.(connectorId, codes.length, 0, 0);
    else {
      const byCode = await this.refetch(runtime, needed, fallbacks, call, now);
      codes.forEach((code, index) => {
        if (results[index] !== undefined) return;
        const result = byCode.get(code) as FetchResult;
        const fallback = fallbacks.get(code);
        results[index] =
          result.ok || fallback === undefined
            ? result
            : this.fallBack(result.error, fallback, registration, now);
      });
      let stale = 0;
      for (const result of results) if (result?.ok === true && result.stale !== null) stale += 1;
      this.deps.onAnswered?.(
        connectorId,
        codes.length - needed.length,
        needed.length - stale,
        stale,
      );
    }
    return results as FetchResult[];
  }

  /** Drops cached answers (a status push said they changed), by the dossiers' keys. */
  async forget(connectorId: string, codes: readonly string[]): Promise<void> {
    this.changed(connectorId, codes);
    await this.deps.cache.deleteMany(codes);
  }

  /** Stores dossiers a system pushed, as if just fetched. */
  async store(registration: Registration, dossiers: readonly NationalDossier[]): Promise<void> {
    this.changed(
      registration.id,
      dossiers.map((dossier) => dossierKey(registration.coverage.codes, dossier.code)),
    );
    const now = this.deps.now();
    await this.deps.cache.setMany(
      dossiers.map((dossier) => foundEntry(registration, dossier, now)),
    );
  }

  /**
   * These codes changed (a push, here or on another replica): fetches already under way read the
   * old state, so later requests do not join them and their answers are not cached.
   */
  changed(connectorId: string, codes: readonly string[]): void {
    this.pushes.changed(connectorId, codes);
    for (const code of codes) this.inflight.drop(connectorId, code);
  }

  /**
   * The last known value when the upstream failed: served while younger than `maxStaleSeconds`
   * and the failure is not the system saying the dossier is gone.
   */
  private fallBack(
    error: ErrorDetail,
    entry: FoundEntry,
    registration: Registration,
    now: number,
  ): FetchResult {
    const age = now - Date.parse(entry.fetchedAt);
    if (error.code === 'DOSSIER_NOT_FOUND' || age > registration.freshness.maxStaleSeconds * 1000)
      return { ok: false, error };
    return {
      ok: true,
      entry,
      cached: true,
      stale: {
        reason: `${error.code}: ${error.message}`,
        since: vietnamIso(new Date(entry.hardUntil)),
      },
    };
  }

  /**
   * Fetches the needed codes. When some have a value still servable stale (`held`), the fetch
   * goes in the background's name, so that it outlives the request, and the held codes are waited
   * for only until the registration's soft deadline (`cache.softDeadlineMs`): then their values
   * are answered stale, and the fetch, still running, caches its answers for the next lookup. The
   * codes with nothing held are waited for with the request's whole budget, in the same calls.
   */
  private async refetch(
    runtime: RegisteredRuntime,
    needed: readonly string[],
    fallbacks: ReadonlyMap<string, FoundEntry>,
    call: CallContext,
    now: number,
  ): Promise<Map<string, FetchResult>> {
    const { softDeadlineMs, maxStaleSeconds } = runtime.registration.freshness;
    const held = new Set(
      softDeadlineMs === 0
        ? []
        : needed.filter((code) => {
            const entry = fallbacks.get(code);
            return (
              entry !== undefined && now - Date.parse(entry.fetchedAt) <= maxStaleSeconds * 1000
            );
          }),
    );
    if (held.size === 0) {
      const answers = await this.upstream(runtime, needed, call);
      return new Map(needed.map((code, index) => [code, answers[index] as FetchResult]));
    }
    const fetching = this.upstream(runtime, needed, this.backgroundCall(runtime, call));
    fetching.catch((error: unknown) => this.refreshFailed(runtime, error));
    const answers =
      (await withinSoftDeadline(fetching, softDeadlineMs, call.signal)) ??
      (held.size === needed.length
        ? null
        : await untilAborted<FetchResult[] | null>(fetching, call.signal, () => null));
    const late = (code: string): FetchResult => ({
      ok: false,
      error: held.has(code)
        ? errorDetail(
            'UPSTREAM_TIMEOUT',
            `${runtime.id} did not answer within ${softDeadlineMs} ms; the value held is served while it is refetched in the background`,
            runtime.id,
          )
        : errorDetail(
            'UPSTREAM_TIMEOUT',
            `${runtime.id}: the request's time budget ran out`,
            runtime.id,
          ),
    });
    return new Map(needed.map((code, index) => [code, answers?.[index] ?? late(code)]));
  }

  private refreshInBackground(runtime: RegisteredRuntime, code: string): void {
    if (this.inflight.joinable(runtime.id, code) !== undefined) return;
    this.upstream(runtime, [code], this.backgroundCall(runtime)).catch((error: unknown) =>
      this.refreshFailed(runtime, error),
    );
  }

  /** A fetch's own budget, not a request's: it goes on after the request that started it ends. */
  private backgroundCall(runtime: RegisteredRuntime, startedBy?: CallContext): CallContext {
    return {
      signal: AbortSignal.timeout(this.deps.refreshBudgetMs),
      requestId: startedBy?.requestId ?? `revalidate-${runtime.id}`,
      deadline: Date.now() + this.deps.refreshBudgetMs,
    };
  }

  private refreshFailed(runtime: RegisteredRuntime, error: unknown): void {
    this.deps.logger.warn(
      { connector: runtime.id, err: (error as Error).message },
      'background refresh failed',
    );
  }

  /**
   * The codes already being fetched wait for that fetch (`SingleFlight`); the others join this
   * turn's batch for the system (`CrossRequestBatcher`). The caller stops waiting when its own
   * signal ends, even while a fetch it shares with others goes on.
   */
  private upstream(
    runtime: RegisteredRuntime,
    codes: readonly string[],
    call: CallContext,
  ): Promise<FetchResult[]> {
    const waiting = new Map<string, Promise<FetchResult>>();
    for (const code of new Set(codes)) {
      const pending = this.inflight.joinable(runtime.id, code);
      if (pending !== undefined) {
        waiting.set(code, pending);
        continue;
      }
      const promise = this.batcher.add(runtime, code, call);
      this.inflight.start(runtime.id, code, promise);
      waiting.set(code, promise);
    }
    const all = Promise.all(codes.map((code) => waiting.get(code) as Promise<FetchResult>));
    return untilAborted(all, call.signal, () => {
      const error = errorDetail(
        'UPSTREAM_TIMEOUT',
        `${runtime.id}: the request's time budget ran out`,
        runtime.id,
      );
      return codes.map((): FetchResult => ({ ok: false, error }));
    });
  }

  /**
   * Asks the system for one batch — its runtime cuts it into calls of at most `maxBatch` codes
   * and guards them — and caches the answers, except for codes a push changed meanwhile.
   */
  private async askAndStore(
    runtime: RegisteredRuntime,
    codes: readonly string[],
    call: CallContext,
  ): Promise<FetchResult[]> {
    const asked = this.pushes.mark();
    const outcomes = await runtime.getDossiers(codes, call);
    const now = this.deps.now();
    const toCache: Array<{ value: CachedDossier; ttlSeconds: number }> = [];
    const read: NationalDossier[] = [];
    const results = codes.map((code, index): FetchResult => {
      const outcome = outcomes[index];
      const { result, entry } = answerOf(outcome, code, runtime.registration, now);
      // Read before a push changed the code: older than what the push brought, so neither
      // cached nor compared with the known state.
      const older = this.pushes.changedSince(runtime.id, code, asked);
      if (entry !== undefined && !older) toCache.push(entry);
      if (outcome?.kind === 'found' && !older) read.push(outcome.dossier);
      return result;
    });
    await this.deps.cache.setMany(toCache);
    if (read.length > 0) this.deps.onRead?.(runtime.registration, read);
    return results;
  }
}

/**
 * The fetch's answers if they come within `ms` and before `signal` ends; otherwise null, and the
 * fetch goes on. The timer is cleared either way, so nothing is left behind.
 */
async function withinSoftDeadline<T>(
  fetch: Promise<T>,
  ms: number,
  signal: AbortSignal,
): Promise<T | null> {
  const soft = new AbortController();
  const timer = setTimeout(() => soft.abort(), ms);
  const onEnd = () => soft.abort();
  signal.addEventListener('abort', onEnd, { once: true });
  if (signal.aborted) soft.abort();
  try {
    return await untilAborted<T | null>(fetch, soft.signal, () => null);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onEnd);
  }
}

/** A code's upstream outcome as the fetcher's result, and the cache entry it makes, if any. */
function answerOf(
  outcome: UpstreamOutcome | undefined,
  code: string,
  registration: Registration,
  now: Date,
): { result: FetchResult; entry?: { value: CachedDossier; ttlSeconds: number } } {
  switch (outcome?.kind) {
    case 'found': {
      const entry = foundEntry(registration, outcome.dossier, now);
      return { result: { ok: true, entry: entry.value, cached: false, stale: null }, entry };
    }
    case 'notFound':
      return {
        result: { ok: false, error: notFound(registration, code) },
        entry: notFoundEntry(registration, code, now),
      };
    case 'error':
      return { result: { ok: false, error: outcome.error } };
    case undefined:
      return {
        result: {
          ok: false,
          error: errorDetail('INTERNAL_SERVER_ERROR', 'no answer for this code', registration.id),
        },
      };
    default: {
      const unknown: never = outcome;
      throw new TypeError(`Unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}
