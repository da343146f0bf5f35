import type { NationalDossier } from '../../connectors/model';

/** A dossier as cached: unmasked (masking is per caller), with where and when it was fetched. */
export interface CachedDossier {
  dossier: NationalDossier;
  connectorId: string;
  /** ISO 8601 with +07:00. */
  fetchedAt: string;
}

/**
 * The dossier cache (ARCHITECTURE.md "cache"): an in-process LRU on one machine, Redis for many
 * replicas. Keys are dossier codes, never personal data. A failing store answers misses and
 * swallows writes: the cache can make the gateway faster, never make it fail.
 */
export interface DossierCache {
  /** Which backend, for logs and readiness (`memory`, `redis`, `none`). */
  readonly kind: string;
  getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>>;
  setMany(entries: ReadonlyArray<{ value: CachedDossier; ttlSeconds: number }>): Promise<void>;
  deleteMany(codes: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
