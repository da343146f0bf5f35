import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Principal } from '../auth/Principal';
import type { Role } from '../auth/roles';
import type { RedisTarget } from '../redis/connectRedis';
import { GuardedRedis } from '../redis/GuardedRedis';

/** Requests per second per principal, by role; `anonymous` per client address. */
export type RateLimits = Record<Role | 'anonymous', number>;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  portal: 500,
  'province-it': 20,
  auditor: 20,
  admin: 20,
  anonymous: 10,
};

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; limit: number };

/** The decision of every request let through (shared: decisions are read, never changed). */
const ALLOWED: RateDecision = Object.freeze({ ok: true });
const leaseKeys = new WeakMap<Principal, string>();

/** Share of a budget a replica takes from Redis at once (a lease), and the most it takes. */
const LEASE_SHARE = 0.05;
const MAX_LEASE = 100;

/**
 * A rate limit per principal (rate-limiter-flexible): in memory on one machine, or in Redis so
 * that every replica counts against the same budget; while Redis is away or does not answer (its
 * circuit open, src/redis/GuardedRedis.ts), each replica counts in memory instead of refusing or
 * letting everything through, without waiting on Redis.
 *
 * A replica takes its caller's requests from the budget in leases — 5 % of the budget (at most
 * 100 requests, at least 1), in Redis one round trip — and counts them off locally until the
 * lease is spent or its window ends. A lease the budget cannot cover is given back (unless its
 * window is about to end) and, for the rest of that window, the caller's requests are counted one
 * by one. The limit is never exceeded; what is lost errs on the strict side: a lease not spent
 * when the window ends, a lease refused in the window's last 100 ms, and — while another replica
 * asks for a lease the budget cannot cover — a single request refused a round trip early. So a
 * caller near its limit may be refused up to a lease per replica early. A per-request round trip
 * to Redis was a quarter of a kept answer's time, and even the in-memory limiter's bookkeeping
 * per request cost more than counting off a lease.
 */
export class PrincipalRateLimiter {
  /** Counts in this process: the limit without Redis, and the fallback while it is away. */
  private readonly memory = new Map<string, RateLimiterMemory>();
  /** Counts in Redis, shared by replicas (when Redis is configured). */
  private readonly shared = new Map<string, RateLimiterRedis>();
  /** Requests per lease, by role (`anonymous` too). */
  private readonly leaseSizes = new Map<string, number>();
  private readonly redis: GuardedRedis | null;
  private readonly ownsRedis: boolean;
  /** Requests of a lease not yet spent, per caller, until the window the lease came from ends. */
  private readonly leases = new Map<
    string,
    { remaining: number; until: number; exact?: boolean }
  >();
  /** Leases being taken from the store now, per caller. */
  private readonly taking = new Map<string, Promise<'leased' | 'refused'>>();

  /**
   * @param redis where the shared counts live: the gateway's guarded connection, or a target
   * (a connection of its own, closed with the limiter); null: in memory only.
   */
  constructor(
    private readonly limits: RateLimits,
    redis:
      | { redis: GuardedRedis; keyPrefix: string }
      | { target: RedisTarget; keyPrefix: string }
      | null,
  ) {
    const adopted =
      redis === null
        ? null
        : GuardedRedis.adopt('redis' in redis ? redis.redis : redis.target, {
            commandTimeoutMs: 300,
          });
    this.redis = adopted?.redis ?? null;
    this.ownsRedis = adopted?.owned ?? false;
    for (const [kind, points] of Object.entries(limits)) {
      this.leaseSizes.set(kind, Math.max(1, Math.min(MAX_LEASE, Math.floor(points * LEASE_SHARE))));
      this.memory.set(
        kind,
        new RateLimiterMemory({ points, duration: 1, keyPrefix: `rl-${kind}` }),
      );
      if (this.redis !== null) {
        this.shared.set(
          kind,
          new RateLimiterRedis({
            storeClient: this.redis.client,
            points,
            duration: 1,
            keyPrefix: `${redis?.keyPrefix ?? ''}rl:${kind}`,
            rejectIfRedisNotReady: true,
          }),
        );
      }
    }
  }

  /**
   * Counts one request of `principal` (or of an anonymous client at `address`). A request counted
   * off a lease is decided at once (no promise); the rest asks the store.
   */
  consume(principal: Principal | null, address: string): RateDecision | Promise<RateDecision> {
    const kind = principal?.role ?? 'anonymous';
    const size = this.leaseSizes.get(kind) as number;
    if (size > 1) {
      const lease = this.leases.get(this.leaseKey(principal, kind, address));
      if (lease !== undefined && !lease.exact && lease.remaining > 0 && Date.now() < lease.until) {
        lease.remaining -= 1;
        return ALLOWED;
      }
    }
    return this.consumeFromStore(principal, address);
  }

  private async consumeFromStore(
    principal: Principal | null,
    address: string,
  ): Promise<RateDecision> {
    const kind = principal?.role ?? 'anonymous';
    const key = principal?.id ?? address;
    const size = this.leaseSizes.get(kind) as number;
    if (size > 1) {
      const leaseKey = this.leaseKey(principal, kind, address);
      for (;;) {
        const lease = this.leases.get(leaseKey);
        const now = Date.now();
        if (lease !== undefined && now < lease.until) {
          // Near the limit (a lease was refused in this window): every request counted alone.
          if (lease.exact) break;
          if (lease.remaining > 0) {
            lease.remaining -= 1;
            return ALLOWED;
          }
        }
        // One lease taken at a time per caller: concurrent requests wait for it and share it.
        let taking = this.taking.get(leaseKey);
        if (taking === undefined) {
          taking = this.takeLease(kind, key, leaseKey, size).finally(() =>
            this.taking.delete(leaseKey),
          );
          this.taking.set(leaseKey, taking);
        }
        if ((await taking) === 'refused') break;
      }
    }
    const counted = await this.count(kind, key, 1);
    if (counted.ok) return ALLOWED;
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil(counted.res.msBeforeNext / 1000)),
      limit: this.limits[kind],
    };
  }

  /**
   * Counts `points` for `key`: in Redis when it answers, else (a failure, or its circuit open:
   * refused at once) in this process. Says which limiter counted, to give a lease back to it.
   */
  private async count(
    kind: string,
    key: string,
    points: number,
  ): Promise<{ ok: boolean; res: RateLimiterRes; limiter: RateLimiterAbstract }> {
    const shared = this.shared.get(kind);
    if (shared !== undefined && this.redis !== null) {
      try {
        // A refusal is Redis answering (not a failure of Redis): resolved, not thrown, in here.
        return await this.redis.run(() =>
          shared.consume(key, points).then(
            (res) => ({ ok: true, res, limiter: shared }),
            (rejection: unknown) => {
              if (rejection instanceof RateLimiterRes)
                return { ok: false, res: rejection, limiter: shared };
              throw rejection;
            },
          ),
        );
      } catch {
        // Redis away or not answering: this replica counts alone until it is back.
      }
    }
    const memory = this.memory.get(kind) as RateLimiterMemory;
    try {
      return { ok: true, res: await memory.consume(key, points), limiter: memory };
    } catch (rejection) {
      return { ok: false, res: rejection as RateLimiterRes, limiter: memory };
    }
  }

  /** The key of a caller's lease, made once per principal object (principals are immutable). */
  private leaseKey(principal: Principal | null, kind: string, address: string): string {
    if (principal === null) return `${kind}\n${address}`;
    let key = leaseKeys.get(principal);
    if (key === undefined) {
      key = `${kind}\n${principal.id}`;
      leaseKeys.set(principal, key);
    }
    return key;
  }

  async close(): Promise<void> {
    if (this.ownsRedis) await this.redis?.close();
  }

  /**
   * Takes a lease of `size` requests from the budget (shared in Redis, or this process's while
   * Redis is away): `refused` (given back) when the budget cannot cover it.
   */
  private async takeLease(
    kind: string,
    key: string,
    leaseKey: string,
    size: number,
  ): Promise<'leased' | 'refused'> {
    const now = Date.now();
    const taken = await this.count(kind, key, size);
    if (taken.ok) {
      this.leases.set(leaseKey, { remaining: size, until: now + taken.res.msBeforeNext });
      if (this.leases.size > MAX_LEASES) this.dropSpentLeases(now);
      return 'leased';
    }
    // Given back only while the window lasts: a reward landing after it ended would open the
    // next window with the lease credited (over the limit). Near its end the lease is lost.
    if (taken.res.msBeforeNext > REWARD_MARGIN_MS) {
      const limiter = taken.limiter;
      const reward = () => limiter.reward(key, size);
      await (
        limiter === this.shared.get(kind) && this.redis !== null ? this.redis.run(reward) : reward()
      ).catch(() => undefined);
    }
    this.leases.set(leaseKey, { remaining: 0, until: now + taken.res.msBeforeNext, exact: true });
    return 'refused';
  }

  /** Forgets leases whose window has ended (callers gone quiet), and the oldest past the cap. */
  private dropSpentLeases(now: number): void {
    for (const [key, lease] of this.leases) if (lease.until <= now) this.leases.delete(key);
    for (const key of this.leases.keys()) {
      if (this.leases.size <= MAX_LEASES) break;
      this.leases.delete(key);
    }
  }
}

/** A refused lease is given back only when its window has at least this long to run. */
const REWARD_MARGIN_MS = 100;

/** Callers with a lease held at once (each a few bytes); beyond it, the oldest are dropped. */
const MAX_LEASES = 100_000;

/** Parses `portal=500,province-it=20` over the defaults; null with the problem when malformed. */
export function parseRateLimits(text: string | undefined): RateLimits | string {
  const limits = { ...DEFAULT_RATE_LIMITS };
  if (text === undefined || text.trim() === '') return limits;
  for (const part of text.split(',')) {
    const match = /^\s*([a-z-]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (match === null || !((match[1] as string) in limits) || Number(match[2]) < 1)
      return `"${part.trim()}" is not <role>=<requests per second> (roles: ${Object.keys(limits).join(', ')})`;
    limits[match[1] as keyof RateLimits] = Number(match[2]);
  }
  return limits;
}
