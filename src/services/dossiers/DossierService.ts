import DataLoader from 'dataloader';
import type { CallContext, Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { CachedDossier, DossierCache } from '../../cache/DossierCache';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { AgencyDirectory } from '../agencies/AgencyDirectory';
import { routeDossierCode, type Route } from '../routing/routeDossierCode';
import { ttlFor } from './cachePolicy';
import { maskDossier } from './maskDossier';
import { vietnamDate, vietnamIso } from '../vietnamTime';

/** Where an answer came from (ARCHITECTURE.md "Freshness": absolute times, never an age). */
export interface DossierSource {
  connectorId: string;
  /** When the gateway fetched it from the upstream, ISO 8601 with +07:00. */
  fetchedAt: string;
  /** True when this answer was served from the cache. */
  cached: boolean;
  /** The agency the code names. */
  agencyCode: string | null;
  /** Successor codes followed to reach the system that holds the dossier. */
  via: string[];
}

export interface DossierAnswer {
  dossier: NationalDossier;
  source: DossierSource;
  /** True when personal data in `dossier` is masked. */
  masked: boolean;
}

export type DossierLookupResult =
  { ok: true; answer: DossierAnswer } | { ok: false; error: ErrorDetail };

/** What one caller may see. */
export interface ViewPolicy {
  /** Personal data unmasked (auditors with a stated purpose, issue 5). Default false. */
  unmask: boolean;
}

export interface DossierServiceDeps {
  directory: AgencyDirectory;
  registry: ConnectorRegistry;
  cache: DossierCache;
  logger: Logger;
  now: () => Date;
}

type UpstreamResult =
  { ok: true; entry: CachedDossier; cached: boolean } | { ok: false; error: ErrorDetail };

/**
 * Dossier lookups: route each code, batch per connector, read through the cache, mask. One
 * `DossierLookup` per request batches every `load` made in the same tick — whether from one
 * `dossiers(codes)` list or many aliased `dossier` fields — into one call per connector.
 */
export class DossierService {
  constructor(private readonly deps: DossierServiceDeps) {}

  /** A per-request lookup; its DataLoaders live as long as the request. */
  createLookup(call: CallContext, policy: ViewPolicy = { unmask: false }): DossierLookup {
    return new DossierLookup(this.deps, call, policy);
  }
}

export class DossierLookup {
  private readonly loaders = new Map<string, DataLoader<string, UpstreamResult>>();
  private readonly today: string;

  constructor(
    private readonly deps: DossierServiceDeps,
    private readonly call: CallContext,
    private readonly policy: ViewPolicy,
  ) {
    this.today = vietnamDate(deps.now());
  }

  /** Looks one code up. Synchronous up to `DataLoader.load`, so calls in one tick share a batch. */
  load(code: string): Promise<DossierLookupResult> {
    const routed = routeDossierCode(
      code,
      this.deps.directory,
      this.deps.registry.coverage,
      this.today,
    );
    if (!routed.ok) return Promise.resolve(routed);
    const route = routed.route;
    return this.loaderFor(route.connectorId)
      .load(code)
      .then((result) => (result.ok ? { ok: true, answer: this.answer(result, route) } : result));
  }

  loadMany(codes: readonly string[]): Promise<DossierLookupResult[]> {
    return Promise.all(codes.map((code) => this.load(code)));
  }

  private answer(result: Extract<UpstreamResult, { ok: true }>, route: Route): DossierAnswer {
    const { entry, cached } = result;
    return {
      dossier: this.policy.unmask ? entry.dossier : maskDossier(entry.dossier),
      masked: !this.policy.unmask,
      source: {
        connectorId: entry.connectorId,
        fetchedAt: entry.fetchedAt,
        cached,
        agencyCode: route.agencyCode,
        via: route.via,
      },
    };
  }

  private loaderFor(connectorId: string): DataLoader<string, UpstreamResult> {
    let loader = this.loaders.get(connectorId);
    if (loader === undefined) {
      loader = new DataLoader((codes) => this.fetch(connectorId, codes), {
        maxBatchSize: Infinity,
      });
      this.loaders.set(connectorId, loader);
    }
    return loader;
  }

  /** The batch function: cache first, then one upstream call per connector maximum batch. */
  private async fetch(connectorId: string, codes: readonly string[]): Promise<UpstreamResult[]> {
    const runtime = this.deps.registry.runtime(connectorId);
    if (runtime === undefined) {
      const error = errorDetail(
        'NO_CONNECTOR',
        `Connector ${connectorId} is no longer registered`,
        connectorId,
      );
      return codes.map(() => ({ ok: false, error }));
    }
    const hits = await this.deps.cache.getMany(codes);
    const results: Array<UpstreamResult | undefined> = hits.map((hit) =>
      hit !== undefined && hit.connectorId === connectorId
        ? { ok: true, entry: hit, cached: true }
        : undefined,
    );
    const missing = codes.filter((_, index) => results[index] === undefined);
    if (missing.length === 0) return results as UpstreamResult[];

    const outcomes = await runtime.getDossiers(missing, this.call);
    const fetchedAt = vietnamIso(this.deps.now());
    const toCache: Array<{ value: CachedDossier; ttlSeconds: number }> = [];
    const byCode = new Map<string, UpstreamResult>();
    missing.forEach((code, index) => {
      const outcome = outcomes[index];
      switch (outcome?.kind) {
        case 'found': {
          const entry = { dossier: outcome.dossier, connectorId, fetchedAt };
          toCache.push({
            value: entry,
            ttlSeconds: ttlFor(outcome.dossier.status.code, runtime.registration.ttl),
          });
          byCode.set(code, { ok: true, entry, cached: false });
          break;
        }
        case 'notFound':
          byCode.set(code, {
            ok: false,
            error: errorDetail(
              'DOSSIER_NOT_FOUND',
              `${runtime.registration.name} has no dossier ${code}`,
              connectorId,
            ),
          });
          break;
        case 'error':
          byCode.set(code, { ok: false, error: outcome.error });
          break;
        case undefined:
          byCode.set(code, {
            ok: false,
            error: errorDetail('INTERNAL_SERVER_ERROR', 'no answer for this code', connectorId),
          });
          break;
        default: {
          const unknown: never = outcome;
          throw new TypeError(`Unknown outcome ${JSON.stringify(unknown)}`);
        }
      }
    });
    await this.deps.cache.setMany(toCache);
    return codes.map((code, index) => results[index] ?? (byCode.get(code) as UpstreamResult));
  }
}
