import { LRUCache } from 'lru-cache';
import type { CacheReadObserver, CachedDossier, DossierCache } from './DossierCache';

export interface MemoryCacheOptions {
  /** Most dossiers kept. Default 50 000. */
  maxEntries: number;
  onRead?: CacheReadObserver;
}

/** The embedded cache: a bounded in-process LRU with a lifetime per entry. */
export class MemoryDossierCache implements DossierCache {
  readonly kind = 'memory';
  readonly healthy = true;
  private readonly lru: LRUCache<string, CachedDossier>;
  private readonly onRead: CacheReadObserver | undefined;

  constructor(options: MemoryCacheOptions = { maxEntries: 50_000 }) {
    this.lru = new LRUCache({ max: options.maxEntries, ttlAutopurge: false });
    this.onRead = options.onRead;
  }

  peek(code: string): CachedDossier | undefined {
    return this.lru.get(code, { updateAgeOnGet: false });
  }

  async getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>> {
    const entries = codes.map((code) => this.lru.get(code));
    this.onRead?.(entries);
    return entries;
  }

  async setMany(
    entries: ReadonlyArray<{ value: CachedDossier; ttlSeconds: number }>,
  ): Promise<void> {
    for (const { value, ttlSeconds } of entries) {
      if (ttlSeconds > 0) this.lru.set(value.code, value, { ttl: ttlSeconds * 1000 });
    }
  }

  async deleteMany(codes: readonly string[]): Promise<void> {
    for (const code of codes) this.lru.delete(code);
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}

/** No caching at all (benchmarks of the uncached path, `CACHE=none`). */
export class NoDossierCache implements DossierCache {
  readonly kind = 'none';
  readonly healthy = true;
  async getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>> {
    return codes.map(() => undefined);
  }
  async setMany(): Promise<void> {}
  async deleteMany(): Promise<void> {}
  async close(): Promise<void> {}
}
