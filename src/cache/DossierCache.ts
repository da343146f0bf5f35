import type { NationalDossier } from '../../connectors/model';

/**
 * What the cache holds for a code: the dossier (unmasked — masking is per caller) with where and
 * when it was fetched and how long it counts as fresh, or the upstream's "no such dossier",
 * remembered briefly.
 */
export type CachedDossier =
  | ({
      kind: 'found';
      code: string;
      dossier: NationalDossier;
      /** ISO 8601 with +07:00. */
      fetchedAt: string;
      /** Served as is until then (ms since the epoch); after, served while refreshed in the background. */
      freshUntil: number;
      /** Refetched before serving after then; kept as a fallback when the upstream fails. */
      hardUntil: number;
    } & MappedBy)
  | ({ kind: 'notFound'; code: string; fetchedAt: string; freshUntil: number } & MappedBy);

/**
 * The registration whose settings made an entry. An entry of other settings (a new version, a
 * changed file) is not served, not even as a fallback: it is fetched again.
 */
export interface MappedBy {
  connectorId: string;
  /** `settingsDigest` of the registration (src/registry/Registration.ts). */
  settings: string;
  /** Its runtime registration version; null for one from a file. */
  registrationVersion: number | null;
}

/**
 * The dossier cache (docs/decisions/0003-the-cache-holds-unmasked-dossiers.md): an in-process LRU on one machine, Redis for many
 * replicas. Keys are dossier codes, never personal data. A failing store answers misses and
 * swallows writes: the cache can make the gateway faster, never make it fail.
 */
/** Told what each cache read found (metrics): the entries read, undefined for a miss. */
export type CacheReadObserver = (entries: ReadonlyArray<CachedDossier | undefined>) => void;

export interface DossierCache {
  /** Which backend, for logs and readiness (`memory`, `redis`, `none`). */
  readonly kind: string;
  /** False while a shared store is unreachable (the gateway answers on, degraded). */
  readonly healthy: boolean;
  getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>>;
  setMany(entries: ReadonlyArray<{ value: CachedDossier; ttlSeconds: number }>): Promise<void>;
  deleteMany(codes: readonly string[]): Promise<void>;
  /**
   * This process's entry for a code, without I/O or metrics (in-process tier only; undefined when
   * there is none): answers kept as bytes check their entries are still the live ones.
   */
  peek?(code: string): CachedDossier | undefined;
  close(): Promise<void>;
}
