import DataLoader from 'dataloader';
import type { CallContext, Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { CachedDossier, DossierCache } from '../../cache/DossierCache';
import { scopeCovers, type Principal } from '../../auth/Principal';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import { quoteInput } from '../../domain/dossierCode';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { routeDossierCode, type Route } from '../../domain/routeDossierCode';
import { vietnamDate } from '../../domain/vietnamTime';
import { DossierFetcher } from './DossierFetcher';
import type { FetchResult } from './fetchResult';
import { withAgencyStatusMeaning } from '../../domain/agencyStatusMeaning';
import { maskDossier } from './maskDossier';

/** Where an answer came from and how fresh it is (docs/resilience.md: absolute times, never an age). */
export interface DossierSource {
  connectorId: string;
  /** The runtime registration version whose settings mapped it; null for one from a file. */
  registrationVersion: number | null;
  /** When the gateway fetched it from the upstream, ISO 8601 with +07:00. */
  fetchedAt: string;
  /** True when this answer was served from the cache. */
  cached: boolean;
  /** True when the upstream could not be asked and this is its last known answer. */
  stale: boolean;
  /** Why (the failure that made the gateway fall back), when stale. */
  staleReason: string | null;
  /** Since when the value should have been refetched, when stale. */
  staleSince: string | null;
  /** The agency the code names. */
  agencyCode: string | null;
  /** Successor codes followed to reach the system that holds the dossier. */
  via: string[];
}

export interface DossierAnswer {
  /**
   * The code as the caller asked for it. `dossier.code` is the code as the system stores it: the
   * two differ in case only, for a registration whose codes are case-insensitive.
   */
  codeAsked: string;
  dossier: NationalDossier;
  source: DossierSource;
  /** True when personal data in `dossier` is masked. */
  masked: boolean;
}

export type DossierLookupResult =
  { ok: true; answer: DossierAnswer } | { ok: false; error: ErrorDetail };

/**
 * Told what each answer of a request was made of, so the server can keep the request's whole
 * answer as bytes while those parts hold (src/server/KeptAnswers.ts).
 */
export interface KeptAnswerRecorder {
  dossier(code: string, entry: CachedDossier, cached: boolean, stale: boolean): void;
  /** The answer changes by itself at this instant (ms since the epoch). */
  until(ms: number): void;
  /** The answer cannot be kept. */
  refuse(): void;
}

/** What one caller may see. */
export interface ViewPolicy {
  /** Personal data unmasked (auditors with a stated purpose, issue 5). Default false. */
  unmask: boolean;
  /** The caller; a province-IT caller reads only the dossiers of its scope. Null: no limit. */
  principal: Principal | null;
  /** Told what each answer was made of (the request's answer may be kept as bytes). */
  recorder?: KeptAnswerRecorder;
}

export interface DossierServiceDeps {
  directory: AgencyDirectory;
  registry: ConnectorRegistry;
  cache: DossierCache;
  logger: Logger;
  now: () => Date;
  /** Time budget of a background refresh. Default 10 000 ms. */
  refreshBudgetMs?: number;
  onAnswered?: (
    connectorId: string,
    fromCache: number,
    fromUpstream: number,
    stale: number,
  ) => void;
  /** Told of the dossiers read from a system for lookups (the change feed compares them). */
  onRead?: (registration: Registration, dossiers: readonly NationalDossier[]) => void;
}

/**
 * Dossier lookups: route each code, group a request's codes per connector, read through the cache
 * with the freshness policy (DossierFetcher), mask. One `DossierLookup` per request groups every
 * `load` made in the same tick — whether from one `dossiers(codes)` list or many aliased `dossier`
 * fields — into one `DossierFetcher.fetch` per connector (one cache read, one look-up of its
 * runtime). How codes reach the systems is decided below it (src/services/README.md).
 */
export class DossierService {
  readonly fetcher: DossierFetcher;

  constructor(private readonly deps: DossierServiceDeps) {
    this.fetcher = new DossierFetcher({ ...deps, refreshBudgetMs: deps.refreshBudgetMs ?? 10_000 });
  }

  /** A per-request lookup; its DataLoaders live as long as the request. */
  createLookup(
    call: CallContext,
    policy: ViewPolicy = { unmask: false, principal: null },
  ): DossierLookup {
    return new DossierLookup(this.deps, this.fetcher, call, policy);
  }
}

export class DossierLookup {
  private readonly loaders = new Map<string, DataLoader<string, FetchResult>>();
  private readonly today: string;

  constructor(
    private readonly deps: DossierServiceDeps,
    private readonly fetcher: DossierFetcher,
    private readonly call: CallContext,
    private readonly policy: ViewPolicy,
  ) {
    const now = deps.now();
    this.today = vietnamDate(now);
    // Routing follows agency validity by date: an answer holds until the Vietnam day changes.
    policy.recorder?.until(nextVietnamMidnight(now));
  }

  /**
   * Where a code routes, or why it does not — including a dossier outside a province-IT caller's
   * scope (checked before a subscription starts, and for every lookup).
   */
  route(code: string): ReturnType<typeof routeDossierCode> {
    const routed = routeDossierCode(
      code,
      this.deps.directory,
      this.deps.registry.coverage,
      this.today,
    );
    const principal = this.policy.principal;
    if (
      routed.ok &&
      principal !== null &&
      !scopeCovers(principal, routed.route.agencyCode, routed.route.connectorId)
    ) {
      return {
        ok: false,
        error: errorDetail(
          'FORBIDDEN',
          `dossier ${quoteInput(code)} is outside the scope of ${principal.name} (${principal.agencies.join(', ') || 'no agencies'})`,
        ),
      };
    }
    return routed;
  }

  /**
   * Looks one code up. Synchronous up to `DataLoader.load`, so calls in one tick share a batch.
   * `unmask` overrides the policy for this load (an audited read with a stated purpose).
   */
  load(code: string, unmask = this.policy.unmask): Promise<DossierLookupResult> {
    const routed = this.route(code);
    if (!routed.ok) {
      this.policy.recorder?.refuse();
      return Promise.resolve(routed);
    }
    const route = routed.route;
    const recorder = this.policy.recorder;
    // By the dossier's key: `…h47-…` and `…H47-…` of a case-insensitive system are one load.
    return this.loaderFor(route.connectorId)
      .load(route.key)
      .then((result) => {
        if (recorder !== undefined) {
          // Unmasked reads are audited one by one: never answered from kept bytes.
          if (!result.ok || unmask) recorder.refuse();
          else recorder.dossier(route.key, result.entry, result.cached, result.stale !== null);
        }
        return result.ok ? { ok: true, answer: this.answer(code, result, route, unmask) } : result;
      });
  }

  loadMany(codes: readonly string[], unmask = this.policy.unmask): Promise<DossierLookupResult[]> {
    return Promise.all(codes.map((code) => this.load(code, unmask)));
  }

  private answer(
    codeAsked: string,
    result: Extract<FetchResult, { ok: true }>,
    route: Route,
    unmask: boolean,
  ): DossierAnswer {
    const { entry, cached, stale } = result;
    // The agency's own status practice, by the directory (the cache holds what the system said).
    const dossier = withAgencyStatusMeaning(entry.dossier, this.deps.directory, route.agencyCode);
    return {
      codeAsked,
      dossier: unmask ? dossier : maskDossier(dossier),
      masked: !unmask,
      source: {
        connectorId: entry.connectorId,
        registrationVersion: entry.registrationVersion ?? null,
        fetchedAt: entry.fetchedAt,
        cached,
        stale: stale !== null,
        staleReason: stale?.reason ?? null,
        staleSince: stale?.since ?? null,
        agencyCode: route.agencyCode,
        via: route.via,
      },
    };
  }

  private loaderFor(connectorId: string): DataLoader<string, FetchResult> {
    let loader = this.loaders.get(connectorId);
    if (loader === undefined) {
      // Never cut here: cutting lists into calls of the system's maxBatch is its runtime's alone.
      loader = new DataLoader((codes) => this.fetcher.fetch(connectorId, codes, this.call), {
        maxBatchSize: Infinity,
      });
      this.loaders.set(connectorId, loader);
    }
    return loader;
  }
}

/** The next midnight in Vietnam (UTC+7, no daylight saving), ms since the epoch. */
function nextVietnamMidnight(now: Date): number {
  const day = 86_400_000;
  const offset = 7 * 3_600_000;
  return Math.floor((now.getTime() + offset) / day) * day + day - offset;
}
