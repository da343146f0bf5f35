import type { NetworkPolicy } from './NetworkPolicy';
import type {
  CallContext,
  Connector,
  ConnectorKind,
  DossierListQuery,
  DossierPage,
  Logger,
  ProcedurePage,
} from '../../connectors/contract';
import { isConnectorError, type ConnectorError } from '../../connectors/ConnectorError';
import type { ExpressionLimitError } from '../../connectors/shared/expression/ExpressionLimitError';
import type { NationalDossier } from '../../connectors/model';
import { errorDetail, type ErrorDetail } from '../errors/GatewayError';
import { CallGuard, type CallObserver, type CircuitStatus } from './CallGuard';
import type { Resilience } from './resilience';
import { redactSecrets } from './redactSecrets';
import type { UpstreamAuth } from './upstreamAuth';
import type { Tracer } from '@opentelemetry/api';
import { createUpstreamHttp } from './createUpstreamHttp';
import { listingWindows, nextWindowCursor, readWindowCursor } from './listingWindows';
import { dossierKey, type CodeCase } from '../domain/dossierKey';

/** One code's answer from a connector, in the gateway's terms. */
export type UpstreamOutcome =
  | { kind: 'found'; dossier: NationalDossier }
  | { kind: 'notFound' }
  | { kind: 'error'; error: ErrorDetail };

/**
 * What a runtime reads of its registration (the registry's `Registration` has more: coverage,
 * freshness, push, origin); the runtime keeps the whole registration it was built from.
 */
export interface RuntimeRegistration {
  id: string;
  upstream: {
    baseUrl: string;
    auth: UpstreamAuth;
    timeoutMs: number;
    maxResponseBytes: number;
    charset?: string | undefined;
    resilience: Resilience;
  };
  /** Output of the kind's config schema. */
  config: unknown;
  /** How the system reads the case of its codes (the registration's `coverage.codes`). */
  coverage?: { codes?: CodeCase | undefined };
}

export interface RuntimeDeps<R extends RuntimeRegistration = RuntimeRegistration> {
  logger: Logger;
  now: () => Date;
  /** Which addresses connectors may reach (SSRF guard). */
  network: NetworkPolicy;
  /** Told of every call (metrics, the console). */
  observer?: CallObserver;
  /** OpenTelemetry tracer when tracing is on: a span per call attempt. */
  tracer?: Tracer;
  /**
   * Told of every evaluation of a registration's expressions (by source): null when it
   * completed, the error when a limit stopped it (metrics, quarantine).
   */
  onExpression?: (registration: R, stopped: ExpressionLimitError | null, source: string) => void;
}

/**
 * The guarded runtime of one registered connector (docs/architecture.md `src/runtime`): builds the
 * connector with its HTTP client, cuts lists of codes into calls of the connector's maximum batch,
 * and holds the connector to its contract — one result per code, in order, failures as values.
 * Its CallGuard retries and breaks the circuit; its HTTP client's bulkhead limits the requests in
 * flight to the system (`upstream.resilience`).
 */
export class ConnectorRuntime<R extends RuntimeRegistration = RuntimeRegistration> {
  readonly id: string;
  private constructor(
    readonly registration: R,
    private readonly connector: Connector,
    private readonly logger: Logger,
    private readonly guard: CallGuard,
    /**
     * What the system's credentials send now, an OAuth 2.0 token in use included, kept out of
     * every failure's message (redactSecrets.ts).
     */
    private readonly secrets: () => readonly string[],
  ) {
    this.id = registration.id;
  }

  /** The circuit's state, for readiness and the console. */
  get circuit(): CircuitStatus {
    return this.guard.circuit;
  }

  static create<R extends RuntimeRegistration>(
    registration: R,
    kind: ConnectorKind<unknown>,
    deps: RuntimeDeps<R>,
  ): ConnectorRuntime<R> {
    const logger = deps.logger;
    const http = createUpstreamHttp({
      connectorId: registration.id,
      baseUrl: registration.upstream.baseUrl,
      timeoutMs: registration.upstream.timeoutMs,
      auth: registration.upstream.auth,
      maxResponseBytes: registration.upstream.maxResponseBytes,
      charset: registration.upstream.charset,
      limits: registration.upstream.resilience,
      network: deps.network,
      now: () => deps.now().getTime(),
    });
    const observe = deps.onExpression;
    const codes = registration.coverage?.codes;
    const connector = kind.create(registration.config, {
      connectorId: registration.id,
      http,
      logger,
      clock: { now: deps.now },
      maxResponseBytes: registration.upstream.maxResponseBytes,
      credentialsRefused: http.credentialsRefused,
      redact: (text: string) => redactSecrets(text, http.secrets()),
      ...(observe === undefined
        ? {}
        : { onExpression: (stopped, source) => observe(registration, stopped, source) }),
      ...(codes?.caseInsensitive === true
        ? { codeKey: (code: string) => dossierKey(codes, code) }
        : {}),
    });
    const guard = new CallGuard(
      registration.id,
      registration.upstream.resilience,
      () => deps.now().getTime(),
      deps.observer ?? null,
      deps.tracer ?? null,
    );
    return new ConnectorRuntime(registration, connector, logger, guard, () => http.secrets());
  }

  /** Most codes per upstream call. */
  get maxBatch(): number {
    return this.connector.capabilities.dossierLookup.maxBatch;
  }

  /**
   * Looks codes up, one upstream call per `maxBatch` codes: the one place a system's codes are cut
   * into calls (the services only gather requests' codes into lists; the connector sends what it
   * is given). The calls start together, each through the guard (circuit breaker; retries of the
   * codes that failed retryably, within the budget); how many reach the system at once is the
   * bulkhead's, in the HTTP client (`upstream.resilience.concurrency`, `queue`, `ratePerSecond`).
   */
  async getDossiers(codes: readonly string[], call: CallContext): Promise<UpstreamOutcome[]> {
    const size = this.maxBatch;
    const chunks: (readonly string[])[] = [];
    for (let i = 0; i < codes.length; i += size) chunks.push(codes.slice(i, i + size));
    const answers = await Promise.all(
      chunks.map((chunk) =>
        this.guard.run<UpstreamOutcome>(
          'lookup',
          chunk,
          call,
          (pending) => this.call(pending, call),
          (outcome) => (outcome.kind === 'error' ? outcome.error : null),
          (error) => ({ kind: 'error', error }),
        ),
      ),
    );
    return answers.flat();
  }

  /** Whether the system serves a procedure catalogue. */
  get servesProcedures(): boolean {
    return this.connector.capabilities.procedures && this.connector.listProcedures !== undefined;
  }

  /** One catalogue page, or the typed error for why it could not be read. */
  async listProcedures(
    cursor: string | null,
    call: CallContext,
  ): Promise<ProcedurePage | { error: ErrorDetail }> {
    if (!this.servesProcedures) {
      return {
        error: errorDetail(
          'BAD_USER_INPUT',
          `${this.id} serves no procedure catalogue`,
          this.id,
          false,
        ),
      };
    }
    const [answer] = await this.guard.run<ProcedurePage | { error: ErrorDetail }>(
      'catalogue',
      ['page'],
      call,
      async () => [await this.page(cursor, call)],
      (result) => ('error' in result ? result.error : null),
      (error) => ({ error }),
    );
    return answer as ProcedurePage | { error: ErrorDetail };
  }

  private async page(
    cursor: string | null,
    call: CallContext,
  ): Promise<ProcedurePage | { error: ErrorDetail }> {
    try {
      const page = await (
        this.connector.listProcedures as NonNullable<Connector['listProcedures']>
      ).call(this.connector, cursor, call);
      if (!Array.isArray(page?.procedures)) {
        return {
          error: errorDetail(
            'UPSTREAM_BAD_RESPONSE',
            `${this.id}: the connector answered no list of procedures`,
            this.id,
          ),
        };
      }
      return page;
    } catch (error) {
      const outcome = this.failure(error, call);
      return {
        error:
          outcome.kind === 'error'
            ? outcome.error
            : errorDetail('INTERNAL_SERVER_ERROR', 'catalogue failed', this.id),
      };
    }
  }

  /** Whether the system lists an agency's dossiers by date received. */
  get servesListing(): boolean {
    return this.connector.capabilities.listing && this.connector.listDossiers !== undefined;
  }

  /**
   * Whether the system's listing holds only the agency asked; false when it lists every unit's
   * dossiers and the caller must keep each agency's by the dossier's own agency.
   */
  get listingFiltersByAgency(): boolean {
    return this.connector.capabilities.listingFiltersByAgency !== false;
  }

  /**
   * The most days the system's listing answers per call (`listing.maxDays`), or null when it
   * answers any range.
   */
  get listingMaxDays(): number | null {
    return this.connector.capabilities.listingMaxDays ?? null;
  }

  /**
   * One page of the dossiers an agency received in a date range, through the guard (circuit,
   * retries within the budget), or the typed error for why it could not be read. A range longer
   * than the listing's `maxDays` is read window by window, each call one page of one window: the
   * cursor says which window and where in it (`w:<index>[:<cursor>]`, listingWindows.ts), so that
   * every caller (reports and their checkpoints, the change feed, sample checks) gets the split.
   */
  async listDossiers(
    query: DossierListQuery,
    cursor: string | null,
    call: CallContext,
  ): Promise<DossierPage | { error: ErrorDetail }> {
    if (!this.servesListing) {
      return {
        error: errorDetail('BAD_USER_INPUT', `${this.id} lists no dossiers`, this.id, false),
      };
    }
    const list = this.connector.listDossiers as NonNullable<Connector['listDossiers']>;
    const windows = listingWindows(query, this.listingMaxDays);
    if (windows.length === 1)
      return this.listedPage(call, 'listing', () => list.call(this.connector, query, cursor, call));
    const position = readWindowCursor(cursor, windows.length);
    if (position === null) {
      return {
        error: errorDetail(
          'BAD_USER_INPUT',
          `${this.id}: listing cursor "${cursor}" is not one of the ${windows.length} windows of ${query.from} → ${query.to} (listing.maxDays: ${this.listingMaxDays}); start the listing again`,
          this.id,
          false,
        ),
      };
    }
    const window = windows[position.index] as (typeof windows)[number];
    const page = await this.listedPage(call, 'listing', () =>
      list.call(this.connector, { ...query, ...window }, position.cursor, call),
    );
    if ('error' in page) {
      const message = `${page.error.message} (window ${window.from} → ${window.to}, ${position.index + 1} of ${windows.length})`;
      return { error: { ...page.error, message } };
    }
    return { ...page, next: nextWindowCursor(position.index, page.next, windows.length) };
  }

  /** Whether the system lists the dossiers that changed since an instant. */
  get servesChangedSince(): boolean {
    return (
      this.connector.capabilities.changedSince === true &&
      this.connector.listChangedSince !== undefined
    );
  }

  /**
   * One page of the dossiers that changed since `since` (ISO 8601 with +07:00), through the
   * guard as the listing goes (its calls count as listing calls), or the typed error for why it
   * could not be read.
   */
  async listChangedSince(
    since: string,
    cursor: string | null,
    call: CallContext,
  ): Promise<DossierPage | { error: ErrorDetail }> {
    if (!this.servesChangedSince) {
      return {
        error: errorDetail(
          'BAD_USER_INPUT',
          `${this.id} lists no dossiers changed since an instant`,
          this.id,
          false,
        ),
      };
    }
    const list = this.connector.listChangedSince as NonNullable<Connector['listChangedSince']>;
    return this.listedPage(call, 'changed-since listing', () =>
      list.call(this.connector, since, cursor, call),
    );
  }

  /** One listed page through the guard: the page, or its typed error. */
  private async listedPage(
    call: CallContext,
    what: string,
    read: () => Promise<DossierPage>,
  ): Promise<DossierPage | { error: ErrorDetail }> {
    const [answer] = await this.guard.run<DossierPage | { error: ErrorDetail }>(
      'listing',
      ['page'],
      call,
      async () => {
        try {
          const page = await read();
          if (!Array.isArray(page?.dossiers)) {
            return [
              {
                error: errorDetail(
                  'UPSTREAM_BAD_RESPONSE',
                  `${this.id}: the connector answered no list of dossiers`,
                  this.id,
                ),
              },
            ];
          }
          return [page];
        } catch (error) {
          const outcome = this.failure(error, call);
          return [
            {
              error:
                outcome.kind === 'error'
                  ? outcome.error
                  : errorDetail('INTERNAL_SERVER_ERROR', `${what} failed`, this.id),
            },
          ];
        }
      },
      (result) => ('error' in result ? result.error : null),
      (error) => ({ error }),
    );
    return answer as DossierPage | { error: ErrorDetail };
  }

  /** Maps pushed records with the connector, when it can (declarative kinds can). */
  get mapRecords():
    | ((records: readonly unknown[]) => Promise<Array<NationalDossier | ConnectorError>>)
    | undefined {
    const map = this.connector.mapRecords;
    return map === undefined ? undefined : (records) => map.call(this.connector, records);
  }

  async close(): Promise<void> {
    await this.connector.close?.();
  }

  private async call(codes: readonly string[], call: CallContext): Promise<UpstreamOutcome[]> {
    let results: unknown[];
    try {
      results = await this.connector.getDossiers(codes, call);
    } catch (error) {
      const outcome = this.failure(error, call);
      return codes.map(() => outcome);
    }
    if (!Array.isArray(results) || results.length !== codes.length) {
      this.logger.error(
        {
          connector: this.id,
          requestId: call.requestId,
          asked: codes.length,
          answered: Array.isArray(results) ? results.length : typeof results,
        },
        'connector broke its contract: one result per code, in order',
      );
      const outcome = this.error(
        'UPSTREAM_BAD_RESPONSE',
        'the connector answered a different number of results than codes asked',
      );
      return codes.map(() => outcome);
    }
    return results.map((result, index): UpstreamOutcome => {
      if (result === null) return { kind: 'notFound' };
      if (isConnectorError(result) || result instanceof Error) return this.failure(result, call);
      const dossier = result as NationalDossier;
      const codeCase = this.registration.coverage?.codes;
      if (dossierKey(codeCase, dossier.code) !== dossierKey(codeCase, codes[index] as string)) {
        return this.error(
          'UPSTREAM_BAD_RESPONSE',
          `the connector answered dossier ${String(dossier.code)} in the place of ${codes[index]}`,
        );
      }
      return { kind: 'found', dossier };
    });
  }

  private failure(error: unknown, call: CallContext): UpstreamOutcome {
    if (isConnectorError(error)) {
      // A connector may quote the system's own words (an error object in a 200 answer), and a
      // system may quote the key it was sent.
      const message = redactSecrets(error.message, this.secrets());
      const detail = errorDetail(error.code, message, this.id, error.retryable);
      if (error.retryAfterMs !== undefined) detail.retryAfterMs = error.retryAfterMs;
      return { kind: 'error', error: detail };
    }
    this.logger.error(
      { connector: this.id, requestId: call.requestId, err: describe(error, this.secrets()) },
      'connector failed unexpectedly',
    );
    return this.error(
      'INTERNAL_SERVER_ERROR',
      'the connector failed unexpectedly; the failure is logged',
    );
  }

  private error(code: ErrorDetail['code'], message: string): UpstreamOutcome {
    return { kind: 'error', error: errorDetail(code, `${this.id}: ${message}`, this.id) };
  }
}

function describe(error: unknown, secrets: readonly string[]): Record<string, unknown> {
  return error instanceof Error
    ? {
        type: error.name,
        message: redactSecrets(error.message, secrets),
        stack: error.stack === undefined ? undefined : redactSecrets(error.stack, secrets),
      }
    : { type: typeof error };
}
