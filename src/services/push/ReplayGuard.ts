import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../connectors/contract';
import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/connectRedis';

/** Remembers the signatures already accepted, so that a captured push cannot be sent again. */
export interface ReplayGuard {
  /** True the first time `key` is claimed within `ttlSeconds`; false for a replay. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  close(): Promise<void>;
}

/** One replica's memory. */
export class LocalReplayGuard implements ReplayGuard {
  private readonly seen = new LRUCache<string, true>({ max: 1_000_000, ttlAutopurge: false });

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.set(key, true, { ttl: ttlSeconds * 1000 });
    return true;
  }

  async close(): Promise<void> {
    this.seen.clear();
  }
}

/**
 * Shared by every replica through Redis (`SET key 1 NX EX ttl`), so a push accepted by one replica
 * is refused by all. While Redis is away, this replica's memory still refuses its own replays.
 */
export class RedisReplayGuard implements ReplayGuard {
  private readonly redis: RedisClient;
  private readonly local = new LocalReplayGuard();

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.redis = connectRedis(target, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
    });
    this.redis.on('error', () => undefined);
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const firstHere = await this.local.claim(key, ttlSeconds);
    try {
      const set = await this.redis.set(`${this.prefix}${key}`, '1', 'EX', ttlSeconds, 'NX');
      return firstHere && set === 'OK';
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        'Redis unavailable for the push replay check; checked on this replica only',
      );
      return firstHere;
    }
  }

  async close(): Promise<void> {
    await this.local.close();
    this.redis.disconnect();
  }
}
