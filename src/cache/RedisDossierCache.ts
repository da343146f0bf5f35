import type { Logger } from '../../connectors/contract';
import type { RedisTarget } from '../redis/connectRedis';
import { GuardedRedis } from '../redis/GuardedRedis';
import type { CacheReadObserver, CachedDossier, DossierCache } from './DossierCache';

export type RedisCacheOptions = (
  | {
      /** The gateway's guarded Redis connection (shared with the key store and rate limits). */
      redis: GuardedRedis;
    }
  | {
      /** Or a Redis of its own (closed with the cache). */
      target: RedisTarget;
      /** A command not answered within this fails as a miss. */
      commandTimeoutMs: number;
    }
) & {
  /** Prefix of every key. Default `dvcgw:`. */
  keyPrefix: string;
  logger: Logger;
  onRead?: CacheReadObserver;
};

/** Cached value format; bump when CachedDossier changes shape, so old entries read as misses. */
const VERSION = 'v2';

/**
 * The shared cache for many replicas. Commands go through the guarded connection
 * (src/redis/GuardedRedis.ts): they fail fast while Redis is away or frozen and are answered as
 * misses; ioredis reconnects by itself.
 */
export class RedisDossierCache implements DossierCache {
  readonly kind = 'redis';
  private readonly redis: GuardedRedis;
  private readonly owned: boolean;
  /** Keys of one call spread over slots in a Cluster: no MGET/DEL across them. */
  private readonly cluster: boolean;
  private lastFailureLog = 0;

  constructor(private readonly options: RedisCacheOptions) {
    const adopted = GuardedRedis.adopt(
      'redis' in options ? options.redis : options.target,
      'redis' in options ? undefined : { commandTimeoutMs: options.commandTimeoutMs },
    );
    this.redis = adopted.redis;
    this.owned = adopted.owned;
    this.cluster = this.redis.cluster;
  }

  /** Whether Redis answers now (connected, its circuit closed). */
  get healthy(): boolean {
    return this.redis.healthy;
  }

  /** Resolves once connected, or rejects after `timeoutMs`; start-up uses it to fail loudly on a wrong URL. */
  ready(timeoutMs = 3000): Promise<void> {
    return this.redis.ready(timeoutMs);
  }

  async getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>> {
    if (codes.length === 0) return [];
    try {
      // One round trip per key would be N round trips; MGET is one. In a Cluster the keys spread
      // over slots (MGET across them is refused): one GET each, pipelined per node.
      const keys = codes.map((code) => this.key(code));
      const values = await this.redis.run((redis) =>
        this.cluster ? Promise.all(keys.map((key) => redis.get(key))) : redis.mget(...keys),
      );
      const entries = values.map((value) => (value === null ? undefined : this.decode(value)));
      this.options.onRead?.(entries);
      return entries;
    } catch (error) {
      this.logFailure('read', error as Error);
      return codes.map(() => undefined);
    }
  }

  async setMany(
    entries: ReadonlyArray<{ value: CachedDossier; ttlSeconds: number }>,
  ): Promise<void> {
    const writes = entries.filter(({ ttlSeconds }) => ttlSeconds > 0);
    if (writes.length === 0) return;
    try {
      await this.redis.run(async (redis) => {
        if (this.cluster) {
          await Promise.all(
            writes.map(({ value, ttlSeconds }) =>
              redis.set(this.key(value.code), JSON.stringify(value), 'EX', ttlSeconds),
            ),
          );
        } else {
          const pipeline = redis.pipeline();
          for (const { value, ttlSeconds } of writes) {
            pipeline.set(this.key(value.code), JSON.stringify(value), 'EX', ttlSeconds);
          }
          // A pipeline resolves with each command's error: a timed-out write is a failure too.
          const failed = (await pipeline.exec())?.find(([error]) => error !== null)?.[0];
          if (failed) throw failed;
        }
      });
    } catch (error) {
      this.logFailure('write', error as Error);
    }
  }

  async deleteMany(codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    try {
      const keys = codes.map((code) => this.key(code));
      await this.redis.run<unknown>((redis) =>
        this.cluster ? Promise.all(keys.map((key) => redis.del(key))) : redis.del(...keys),
      );
    } catch (error) {
      this.logFailure('delete', error as Error);
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.close();
  }

  private key(code: string): string {
    return `${this.options.keyPrefix}dossier:${VERSION}:${code}`;
  }

  private decode(value: string): CachedDossier | undefined {
    try {
      return JSON.parse(value) as CachedDossier;
    } catch {
      return undefined;
    }
  }

  /** At most one log line per second: a Redis outage must not flood the logs. */
  private logFailure(operation: string, error: Error): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 1000) return;
    this.lastFailureLog = now;
    this.options.logger.warn(
      { cache: 'redis', operation, err: error.message },
      'Redis cache unavailable; answering as a miss',
    );
  }
}
