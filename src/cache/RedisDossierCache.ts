import type { Logger } from '../../connectors/contract';
import {
  closeRedis,
  connectRedis,
  describeRedis,
  isCluster,
  type RedisClient,
  type RedisTarget,
} from '../redis/connectRedis';
import type { CacheReadObserver, CachedDossier, DossierCache } from './DossierCache';

export interface RedisCacheOptions {
  target: RedisTarget;
  /** Prefix of every key. Default `dvcgw:`. */
  keyPrefix: string;
  /** A command not answered within this fails as a miss. Default 250 ms. */
  commandTimeoutMs: number;
  logger: Logger;
  onRead?: CacheReadObserver;
}

/** Cached value format; bump when CachedDossier changes shape, so old entries read as misses. */
const VERSION = 'v2';

/**
 * The shared cache for many replicas. Commands fail fast while Redis is away (no offline queue,
 * a command timeout) and are answered as misses; ioredis reconnects by itself.
 */
export class RedisDossierCache implements DossierCache {
  readonly kind = 'redis';
  private readonly redis: RedisClient;
  /** Keys of one call spread over slots in a Cluster: no MGET/DEL across them. */
  private readonly cluster: boolean;
  private lastFailureLog = 0;

  constructor(private readonly options: RedisCacheOptions) {
    this.cluster = isCluster(options.target);
    this.redis = connectRedis(options.target, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs,
      // In a Cluster, per-key commands of one call go out as one pipeline per node.
      autoPipelining: this.cluster,
    });
    this.redis.on('error', (error: Error) => this.logFailure('connection', error));
  }

  /** Whether Redis answers now. */
  get healthy(): boolean {
    return this.redis.status === 'ready';
  }

  /** Resolves once connected, or rejects after `timeoutMs`; start-up uses it to fail loudly on a wrong URL. */
  async ready(timeoutMs = 3000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(
          new Error(`${describeRedis(this.options.target)} did not answer within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  async getMany(codes: readonly string[]): Promise<Array<CachedDossier | undefined>> {
    if (codes.length === 0) return [];
    try {
      // One round trip per key would be N round trips; MGET is one. In a Cluster the keys spread
      // over slots (MGET across them is refused): one GET each, pipelined per node.
      const keys = codes.map((code) => this.key(code));
      const values = this.cluster
        ? await Promise.all(keys.map((key) => this.redis.get(key)))
        : await this.redis.mget(...keys);
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
      if (this.cluster) {
        await Promise.all(
          writes.map(({ value, ttlSeconds }) =>
            this.redis.set(this.key(value.code), JSON.stringify(value), 'EX', ttlSeconds),
          ),
        );
      } else {
        const pipeline = this.redis.pipeline();
        for (const { value, ttlSeconds } of writes) {
          pipeline.set(this.key(value.code), JSON.stringify(value), 'EX', ttlSeconds);
        }
        await pipeline.exec();
      }
    } catch (error) {
      this.logFailure('write', error as Error);
    }
  }

  async deleteMany(codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    try {
      const keys = codes.map((code) => this.key(code));
      if (this.cluster) await Promise.all(keys.map((key) => this.redis.del(key)));
      else await this.redis.del(...keys);
    } catch (error) {
      this.logFailure('delete', error as Error);
    }
  }

  async close(): Promise<void> {
    // quit() waits for replies; while Redis is away there are none to wait for.
    await closeRedis(this.redis);
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
