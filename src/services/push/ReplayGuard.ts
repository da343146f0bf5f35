import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../connectors/contract';
import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/connectRedis';

/**
 * `first`: the key was not claimed within its lifetime and now is; `replay`: it was; `pending`:
 * another claim of it has not settled (a replica is checking it, or a claim whose answer was lost
 * expires within seconds); `unavailable`: the shared memory cannot be asked now. Nothing is
 * claimed unless `first`: the last two must be refused as retryable, since accepting the push
 * would let another replica accept it again.
 */
export type Claim = 'first' | 'replay' | 'pending' | 'unavailable';

/** Remembers the signatures already accepted, so that a captured push cannot be sent again. */
export interface ReplayGuard {
  claim(key: string, ttlSeconds: number): Promise<Claim>;
  /**
   * Gives a claim back: the push it accepted could not be recorded, and the sender is told to
   * send the same push again. Best effort: a release that fails leaves the signature used.
   */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

/** One replica's memory (one machine: no other replica could accept a replay). */
export class LocalReplayGuard implements ReplayGuard {
  private readonly seen = new LRUCache<string, true>({ max: 1_000_000, ttlAutopurge: false });

  async claim(key: string, ttlSeconds: number): Promise<Claim> {
    if (this.has(key)) return 'replay';
    this.remember(key, ttlSeconds);
    return 'first';
  }

  async release(key: string): Promise<void> {
    this.seen.delete(key);
  }

  has(key: string): boolean {
    return this.seen.has(key);
  }

  remember(key: string, ttlSeconds: number): void {
    this.seen.set(key, true, { ttl: ttlSeconds * 1000 });
  }

  async close(): Promise<void> {
    this.seen.clear();
  }
}

/** How long a claim stays pending before it must be confirmed (ms). */
const PENDING_MS = 5000;

/** Confirms a pending claim that is still this one's: `done` for the claim's whole lifetime. */
const CONFIRM_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'done', 'EX', ARGV[2])
return 1
`;

/**
 * Shared by every replica through Redis, so a push accepted by one replica is refused by all
 * (issue 17 §5). A claim is two steps: `SET key pending:<token> NX PX 5000`, then a script turns
 * that same pending value into `done` for the claim's lifetime; only a confirmed `done` accepts the
 * push. A command that times out may still run later (a frozen Redis runs what it had read when it
 * thaws): a late first step only leaves a pending claim that expires in 5 s, and only a late second
 * step — a freeze starting between the two steps of one push — leaves a push refused as a replay
 * without having been accepted. While Redis does not answer (500 ms), nothing is accepted: checking
 * this replica's memory alone would let a push accepted here be replayed to another replica. This
 * replica's memory still refuses its own replays without asking Redis.
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

  async claim(key: string, ttlSeconds: number): Promise<Claim> {
    if (this.local.has(key)) return 'replay';
    const shared = `${this.prefix}${key}`;
    const pending = `pending:${randomBytes(12).toString('base64url')}`;
    try {
      const set = await this.redis.set(shared, pending, 'PX', PENDING_MS, 'NX');
      if (set !== 'OK') {
        const current = await this.redis.get(shared);
        if (current !== 'done') return 'pending';
        this.local.remember(key, ttlSeconds);
        return 'replay';
      }
      const confirmed = await this.redis.eval(CONFIRM_SCRIPT, 1, shared, pending, ttlSeconds);
      // Not ours any more: this claim stalled past its 5 s (another may hold it now).
      if (confirmed !== 1) return 'pending';
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        'Redis unavailable for the push replay check; push refused as retryable',
      );
      return 'unavailable';
    }
    this.local.remember(key, ttlSeconds);
    return 'first';
  }

  async release(key: string): Promise<void> {
    await this.local.release(key);
    await this.redis.del(`${this.prefix}${key}`).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.local.close();
    this.redis.disconnect();
  }
}
