import { Redis } from 'ioredis';
import type { Logger } from '../../connectors/contract';
import type { CachedDossier, DossierCache } from './DossierCache';

export interface RedisCacheOptions {
  url: string;
  /** Prefix of every key. Default `dvcgw:`. */
  keyPrefix: string;
  /** A command not answered within this fails as a miss. Default 250 ms. */
  commandTimeoutMs: number;
  logger: Logger;
}

/** Cached value format; bump when CachedDossier changes shape, so old entries read as misses. */
const VERSION = 'v2';

/**
 * The shared cache for many replicas. Commands fail fast while Redis is away (no offline queue,
 * a command timeout) and are answered as misses; ioredis reconnects by itself.
 */
export class RedisDossierCache implements DossierCache {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private lastFailureLog = 0;

  constructor(private readonly options: RedisCacheOptions) {
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
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
          new Error(
            `Redis at ${redactUrl(this.options.url)} did not answer within ${timeoutMs} ms`,
          ),
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
      // One round trip per key would be N round trips; MGET is one. In Redis Cluster the keys
      // spread over slots, so the cluster implementation (issue 6) groups them per slot.
      const values = await this.redis.mget(...codes.map((code) => this.key(code)));
      return values.map((value) => (value === null ? undefined : this.decode(value)));
    } catch (error) {
      this.logFailure('read', error as Error);
      return codes.map(() => undefined);
    }
  }

  async setMany(
    entries: ReadonlyArray<{ value: CachedDossier; ttlSeconds: number }>,
  ): Promise<void> {
    const pipeline = this.redis.pipeline();
    let queued = 0;
    for (const { value, ttlSeconds } of entries) {
      if (ttlSeconds <= 0) continue;
      pipeline.set(this.key(value.code), JSON.stringify(value), 'EX', ttlSeconds);
      queued += 1;
    }
    if (queued === 0) return;
    try {
      await pipeline.exec();
    } catch (error) {
      this.logFailure('write', error as Error);
    }
  }

  async deleteMany(codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    try {
      await this.redis.del(...codes.map((code) => this.key(code)));
    } catch (error) {
      this.logFailure('delete', error as Error);
    }
  }

  async close(): Promise<void> {
    // quit() waits for replies; while Redis is away there are none to wait for.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
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

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
