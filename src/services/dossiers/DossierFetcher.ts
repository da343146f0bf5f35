import type { CallContext, Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { CachedDossier, DossierCache } from '../../cache/DossierCache';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import { untilAborted } from '../../runtime/abortable';
import { vietnamIso } from '../../domain/vietnamTime';
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
  /** Told how many of a connector's answers came from the cache and how many went upstream. */
  onAnswered?: (connectorId: string, fromCache: number, fromUpstream: number) => void;
}

/**
 * Reads dossiers through the cache with the registration's freshness policy (ARCHITECTURE.md
 * "Freshness"), shared by every request:
 * - fresh → served from the cache;
 * - past the fresh lifetime but within the hard one → served, and refreshed in the background;
 * - past the hard lifetime, or missing → fetched; when the fetch fails, the last value is served
 *   (up to `maxStaleSeconds` old) marked stale with the reason;
 * - "no such dossier" is remembered for `notFoundTtlSeconds`, so a flood of bad codes stays here;
 * - concurrent fetches of one code — from any requests — make one upstream call;
 * - codes of different requests that reach a connector in one turn of the event loop go to it as
 *   one list (`CrossRequestBatcher`; its runtime splits the list into calls of its maximum batch):
 *   under load the portal's many single lookups become a few bulk calls, with no added wait.
 */
export class DossierFetcher {
  /** Fetches under way, joined by requests that need the same code. */
  private readonly inflight = new SingleFlight<FetchResult>();
  /** Codes of concurrent requests, sent to each connector as one list per event-loop turn. */
  private readonly batcher = new CrossRequestBatcher<string>((connectorId, codes, call) =>
    this.call(connectorId, codes, call),
  );
  /** Which codes a push changed while a fetch was under way (its answer is then not cached). */
  private readonly pushes: PushOrdering;

  constructor(private readonly deps: DossierFetcherDeps) {
    this.pushes = new PushOrdering(Math.max(60_000, 2 * deps.refreshBudgetMs));
  }

  async fetch(
    connectorId: string,
    codes: readonly string[],
    call: CallContext,
  ): Promise<FetchResult[]> {
    const runtime = this.deps.registry.runtime(connectorId);
    if (runtime === undefined) {
      const error = errorDetail(
        'NO_CONNECTOR',
        `Connector ${connectorId} is no longer registered`,
        connectorId,
      );
      return codes.map(() => ({ ok: false, error }));
    }
    const registration = runtime.registration;
    const now = this.deps.now().getTime();
    const entries = await this.deps.cache.getMany(codes);
    const results = new Array<FetchResult | undefined>(codes.length);
    const fallbacks = new Map<string, FoundEntry>();
    const needed: string[] = [];
    codes.forEach((code, index) => {
      const entry = entries[index];
      if (entry === undefined || entry.connectorId !== connectorId) {
        needed.push(code);
      } else if (entry.kind === 'notFound') {
        if (now < entry.freshUntil)
          results[index] = { ok: false, error: notFound(registration, code) };
        else needed.push(code);
      } else if (now < entry.freshUntil) {
        results[index] = { ok: true, entry, cached: true, stale: null };
      } else if (now < entry.hardUntil) {
        results[index] = { ok: true, entry, cached: true, stale: null };
        this.refreshInBackground(connectorId, code);
      } else {
        fallbacks.set(code, entry);
        needed.push(code);
      }
    });
    this.deps.onAnswered?.(connectorId, codes.length - needed.length, needed.length);
    if (needed.length > 0) {
      const fetched = await this.upstream(connectorId, needed, call);
      const byCode = new Map(needed.map((code, index) => [code, fetched[index] as FetchResult]));
      codes.forEach((code, index) => {
        if (results[index] !== undefined) return;
        const result = byCode.get(code) as FetchResult;
        const fallback = fallbacks.get(code);
        results[index] =
          result.ok || fallback === undefined
            ? result
            : this.fallBack(result.error, fallback, registration, now);
      });
    }
    return results as FetchResult[];
  }

  /** Drops cached answers (a status push said they changed). */
  async forget(connectorId: string, codes: readonly string[]): Promise<void> {
    this.changed(connectorId, codes);
    await this.deps.cache.deleteMany(codes);
  }

  /** Stores dossiers a system pushed, as if just fetched. */
  async store(registration: Registration, dossiers: readonly NationalDossier[]): Promise<void> {
    this.changed(
      registration.id,
      dossiers.map((dossier) => dossier.code),
    );
    const now = this.deps.now();
    await this.deps.cache.setMany(
      dossiers.map((dossier) => foundEntry(registration, dossier, now)),
    );
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
   * These codes changed (a push, here or on another replica): fetches already under way read the
   * old state, so later requests do not join them and their answers are not cached.
   */
  changed(connectorId: string, codes: readonly string[]): void {
    this.pushes.changed(connectorId, codes);
    for (const code of codes) this.inflight.drop(connectorId, code);
  }

  private refreshInBackground(connectorId: string, code: string): void {
    if (this.inflight.joinable(connectorId, code) !== undefined) return;
    const call = {
      signal: AbortSignal.timeout(this.deps.refreshBudgetMs),
      requestId: `revalidate-${connectorId}`,
      deadline: Date.now() + this.deps.refreshBudgetMs,
    };
    this.upstream(connectorId, [code], call).catch((error: unknown) =>
      this.deps.logger.warn(
        { connector: connectorId, err: (error as Error).message },
        'background refresh failed',
      ),
    );
  }

  /**
   * The codes not already being fetched join this turn's batch for the connector (one list for
   * all requests of the turn, `CrossRequestBatcher`); the others wait for their fetch.
   * The caller stops waiting when its own signal ends, even while a shared call goes on.
   */
  private upstream(
    connectorId: string,
    codes: readonly string[],
    call: CallContext,
  ): Promise<FetchResult[]> {
    const waiting = new Map<string, Promise<FetchResult>>();
    for (const code of new Set(codes)) {
      const pending = this.inflight.joinable(connectorId, code);
      if (pending !== undefined) {
        waiting.set(code, pending);
        continue;
      }
      const promise = this.batcher.add(connectorId, code, call);
      this.inflight.start(connectorId, code, promise);
      waiting.set(code, promise);
    }
    const all = Promise.all(codes.map((code) => waiting.get(code) as Promise<FetchResult>));
    // The caller's budget may end while a fetch it shares with others goes on: it stops waiting.
    return untilAborted(all, call.signal, () => {
      const error = errorDetail(
        'UPSTREAM_TIMEOUT',
        `${connectorId}: the request's time budget ran out`,
        connectorId,
      );
      return codes.map((): FetchResult => ({ ok: false, error }));
    });
  }

  private async call(
    connectorId: string,
    codes: readonly string[],
    call: CallContext,
  ): Promise<FetchResult[]> {
    const runtime = this.deps.registry.runtime(connectorId);
    if (runtime === undefined) {
      const error = errorDetail(
        'NO_CONNECTOR',
        `Connector ${connectorId} is no longer registered`,
        connectorId,
      );
      return codes.map(() => ({ ok: false, error }));
    }
    const registration = runtime.registration;
    const asked = this.pushes.mark();
    const outcomes = await runtime.getDossiers(codes, call);
    const changedSince = (code: string) => this.pushes.changedSince(connectorId, code, asked);
    const now = this.deps.now();
    const toCache: Array<{ value: CachedDossier; ttlSeconds: number }> = [];
    const results = codes.map((code, index): FetchResult => {
      const outcome = outcomes[index];
      switch (outcome?.kind) {
        case 'found': {
          const cached = foundEntry(registration, outcome.dossier, now);
          if (!changedSince(code)) toCache.push(cached);
          return { ok: true, entry: cached.value, cached: false, stale: null };
        }
        case 'notFound': {
          if (!changedSince(code)) toCache.push(notFoundEntry(registration, code, now));
          return { ok: false, error: notFound(registration, code) };
        }
        case 'error':
          return { ok: false, error: outcome.error };
        case undefined:
          return {
            ok: false,
            error: errorDetail('INTERNAL_SERVER_ERROR', 'no answer for this code', connectorId),
          };
        default: {
          const unknown: never = outcome;
          throw new TypeError(`Unknown outcome ${JSON.stringify(unknown)}`);
        }
      }
    });
    await this.deps.cache.setMany(toCache);
    return results;
  }
}
