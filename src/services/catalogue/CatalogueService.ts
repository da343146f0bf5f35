import type { Logger } from '../../../connectors/contract';
import type { Procedure } from '../../../connectors/model';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import { vietnamIso } from '../../domain/vietnamTime';
import type {
  CatalogueIndex,
  CatalogueSourceStatus,
  IndexedProcedure,
  ProcedureFilter,
} from './CatalogueIndex';

export const MAX_PROCEDURE_PAGE = 500;

export interface ProcedurePageResult {
  nodes: IndexedProcedure[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface CatalogueServiceOptions {
  /** Scheduled sync of every catalogue. Default 6 hours; 0 turns the schedule off. */
  intervalMs: number;
  /** Most pages read from one system in one sync, against an upstream that never ends. Default 2000. */
  maxPages: number;
  /** Time budget of one system's whole sync. Default 120 000 ms. */
  syncBudgetMs: number;
  /** An on-demand sync of a system that synced this recently reuses that result. Default 10 000 ms. */
  minOnDemandIntervalMs: number;
}

export const DEFAULT_CATALOGUE_OPTIONS: CatalogueServiceOptions = {
  intervalMs: 6 * 60 * 60 * 1000,
  maxPages: 2000,
  syncBudgetMs: 120_000,
  minOnDemandIntervalMs: 10_000,
};

/**
 * Keeps the catalogue index in step with the systems: a sync reads every page of one system's
 * catalogue through its runtime and replaces that system's entries only when all pages were read;
 * a failed sync leaves the last entries in place, marked stale. Runs on start, on a schedule, and
 * on demand (one sync per system at a time).
 */
export class CatalogueService {
  private readonly running = new Map<string, Promise<CatalogueSourceStatus>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ConnectorRegistry,
    readonly index: CatalogueIndex,
    private readonly deps: { logger: Logger; now: () => Date },
    private readonly options: CatalogueServiceOptions = DEFAULT_CATALOGUE_OPTIONS,
  ) {}

  /** A procedure by code; a local code the index does not hold falls back to its national code. */
  find(code: string): IndexedProcedure | undefined {
    const exact = this.index.get(code);
    if (exact !== undefined) return exact;
    const national = /^(\d\.\d{6})\./.exec(code.trim())?.[1];
    return national === undefined ? undefined : this.index.get(national);
  }

  /** A page of procedures ordered by code; the cursor is the last code seen. */
  page(
    filter: ProcedureFilter,
    first: number,
    after: string | undefined,
  ): { ok: true; page: ProcedurePageResult } | { ok: false; error: ErrorDetail } {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PROCEDURE_PAGE) {
      return {
        ok: false,
        error: errorDetail('BAD_USER_INPUT', `first must be 1–${MAX_PROCEDURE_PAGE}, got ${first}`),
      };
    }
    let afterCode: string | undefined;
    if (after !== undefined) {
      const decoded = Buffer.from(after, 'base64url').toString('utf8');
      if (!decoded.startsWith('procedure:')) {
        return {
          ok: false,
          error: errorDetail(
            'BAD_USER_INPUT',
            `after ${JSON.stringify(after.slice(0, 40))} is not a cursor from this API`,
          ),
        };
      }
      afterCode = decoded.slice('procedure:'.length);
    }
    const nodes: IndexedProcedure[] = [];
    let hasNextPage = false;
    for (const entry of this.index.list(filter, afterCode)) {
      if (nodes.length < first) nodes.push(entry);
      else {
        hasNextPage = true;
        break;
      }
    }
    const last = nodes.at(-1);
    return {
      ok: true,
      page: {
        nodes,
        totalCount: this.index.count(filter),
        hasNextPage,
        endCursor:
          last === undefined ? null : Buffer.from(`procedure:${last.code}`).toString('base64url'),
      },
    };
  }

  /** Ids of the registrations that serve a catalogue. */
  sources(): string[] {
    return this.registry
      .registrations()
      .map((r) => r.id)
      .filter((id) => this.registry.runtime(id)?.servesProcedures === true)
      .sort();
  }

  /** Syncs every catalogue now, then on the schedule. */
  start(): Promise<CatalogueSourceStatus[]> {
    if (this.options.intervalMs > 0 && this.timer === undefined) {
      this.timer = setInterval(() => void this.syncAll(), this.options.intervalMs);
      this.timer.unref();
    }
    return this.syncAll();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  syncAll(): Promise<CatalogueSourceStatus[]> {
    return Promise.all(this.sources().map((id) => this.sync(id)));
  }

  /**
   * Syncs one system's catalogue. Concurrent calls share one sync; an on-demand call right after a
   * successful sync answers its result instead of asking the system again.
   */
  sync(connectorId: string, onDemand = false): Promise<CatalogueSourceStatus> {
    const running = this.running.get(connectorId);
    if (running !== undefined) return running;
    const status = this.index.status(connectorId);
    // Throttled on the last attempt, failed or not: a failing system is not asked back to back.
    if (onDemand && status?.lastAttemptAt != null) {
      const age = this.deps.now().getTime() - Date.parse(status.lastAttemptAt);
      if (age < this.options.minOnDemandIntervalMs) return Promise.resolve(status);
    }
    const sync = this.read(connectorId).finally(() => this.running.delete(connectorId));
    this.running.set(connectorId, sync);
    return sync;
  }

  private async read(connectorId: string): Promise<CatalogueSourceStatus> {
    const runtime = this.registry.runtime(connectorId);
    const attemptAt = vietnamIso(this.deps.now());
    const fail = (error: ErrorDetail): CatalogueSourceStatus => {
      this.index.markFailed(connectorId, attemptAt, error);
      this.deps.logger.warn(
        { connector: connectorId, code: error.code, err: error.message },
        'catalogue sync failed; keeping the last entries',
      );
      return this.index.status(connectorId) as CatalogueSourceStatus;
    };
    if (runtime === undefined)
      return fail(errorDetail('NO_CONNECTOR', `${connectorId} is not registered`, connectorId));
    const signal = AbortSignal.timeout(this.options.syncBudgetMs);
    const procedures: Procedure[] = [];
    let unreadable = 0;
    let cursor: string | null = null;
    const cursorsSeen = new Set<string>();
    let previousPage = '';
    for (let page = 0; page < this.options.maxPages; page += 1) {
      const answer = await runtime.listProcedures(cursor, {
        signal,
        requestId: `catalogue-sync-${connectorId}`,
      });
      if ('error' in answer) return fail(answer.error);
      // A system that ignores the page asked for, or hands back a cursor already followed, would
      // loop: the sync fails (the last entries stay) instead of ending with a partial catalogue.
      const pageCodes = answer.procedures.map((p) => p.code).join('\n');
      if (pageCodes !== '' && pageCodes === previousPage) {
        return fail(
          errorDetail(
            'UPSTREAM_BAD_RESPONSE',
            `${connectorId}: the catalogue answered the same page twice; does it ignore the page asked for?`,
            connectorId,
          ),
        );
      }
      if (answer.next !== null && cursorsSeen.has(answer.next)) {
        return fail(
          errorDetail(
            'UPSTREAM_BAD_RESPONSE',
            `${connectorId}: the catalogue's paging loops back to a cursor already followed`,
            connectorId,
          ),
        );
      }
      previousPage = pageCodes;
      if (answer.next !== null) cursorsSeen.add(answer.next);
      procedures.push(...answer.procedures);
      unreadable += answer.unreadable;
      if (answer.next === null) {
        this.index.replaceSource(connectorId, procedures, vietnamIso(this.deps.now()), unreadable);
        this.deps.logger.info(
          { connector: connectorId, procedures: procedures.length, unreadable, pages: page + 1 },
          'catalogue synced',
        );
        return this.index.status(connectorId) as CatalogueSourceStatus;
      }
      cursor = answer.next;
    }
    return fail(
      errorDetail(
        'UPSTREAM_BAD_RESPONSE',
        `${connectorId}: the catalogue did not end within ${this.options.maxPages} pages`,
        connectorId,
      ),
    );
  }
}
