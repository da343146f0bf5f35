import type { CacheReadObserver, CachedDossier, DossierCache } from './DossierCache';
import { MemoryDossierCache } from './MemoryDossierCache';
import type { RedisDossierCache } from './RedisDossierCache';

/**
 * The cache for many replicas (docs/decisions/0003-the-cache-holds-unmasked-dossiers.md): a bounded in-process LRU in front of
 * Redis. Reads try the LRU first; Redis answers the rest and fills the LRU. Writes go to both.
 * While Redis is away its commands fail fast and count as misses, so the gateway keeps answering
 * from the LRU and the upstreams, and reports itself degraded.
 */
export class TieredDossierCache implements DossierCache {
  readonly kind = 'redis';
  private readonly local: MemoryDossierCache;

  constructor(
    private readonly shared: RedisDossierCache,
    localEntries: number,
    onLocalRead?: CacheReadObserver,
  ) {
    this.local = new MemoryDossierCache({
      maxEntries: localEntries,
      ...(onLocalRead === undefined ? {} : { onRead: onLocalRead }),
    });
  }

  /** Whether Redis answers now (readiness reports `degraded` when it does not). */
  get healthy(): boolean {
    return this.shared.healthy;
  }

  peek(code: string): CachedDossier | undefined {
    return this.local.peek(code);
  }

  async getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>> {
    const local = await this.local.getMany(codes);
    const missing = codes.filter((_, index) => local[index] === undefined);
    if (missing.length === 0) return local;
    const remote = await this.shared.getMany(missing);
    const found = new Map(missing.map((code, index) => [code, remote[index]]));
    const fill = [...found.values()].flatMap((value) =>
      value === undefined ? [] : [{ value, ttlSeconds: remainingSeconds(value) }],
    );
    await this.local.setMany(fill);
    return codes.map((code, index) => local[index] ?? found.get(code));
  }

  async setMany(
    entries: ReadonlyArray<{ value: CachedDossier; ttlSeconds: number }>,
  ): Promise<void> {
    await this.local.setMany(entries);
    await this.shared.setMany(entries);
  }

  async deleteMany(codes: readonly string[]): Promise<void> {
    await this.local.deleteMany(codes);
    await this.shared.deleteMany(codes);
  }

  /** Drops entries from this replica's LRU only (another replica changed them in Redis). */
  async forgetLocally(codes: readonly string[]): Promise<void> {
    await this.local.deleteMany(codes);
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.shared.close();
  }
}

/** How long an entry read from Redis may stay in the LRU: until its hard lifetime ends, at most an hour. */
function remainingSeconds(value: CachedDossier): number {
  const until = value.kind === 'found' ? value.hardUntil : value.freshUntil;
  return Math.max(1, Math.min(3600, Math.ceil((until - Date.now()) / 1000)));
}
