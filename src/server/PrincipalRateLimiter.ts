import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Principal } from '../auth/Principal';
import type { Role } from '../auth/roles';
import { connectRedis, type RedisClient, type RedisTarget } from '../redis/connectRedis';

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

/**
 * A rate limit per principal (rate-limiter-flexible): in memory on one machine, or in Redis so
 * that every replica counts against the same budget; while Redis is away, each replica counts in
 * memory (the insurance limiter) instead of refusing or letting everything through.
 */
export class PrincipalRateLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: RedisClient | null;

  constructor(
    private readonly limits: RateLimits,
    redis: { target: RedisTarget; keyPrefix: string } | null,
  ) {
    this.redis =
      redis === null
        ? null
        : connectRedis(redis.target, {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 1,
            commandTimeout: 300,
          });
    this.redis?.on('error', () => undefined);
    for (const [kind, points] of Object.entries(limits)) {
      const memory = new RateLimiterMemory({ points, duration: 1, keyPrefix: `rl-${kind}` });
      this.limiters.set(
        kind,
        this.redis === null
          ? memory
          : new RateLimiterRedis({
              storeClient: this.redis,
              points,
              duration: 1,
              keyPrefix: `${redis?.keyPrefix ?? ''}rl:${kind}`,
              insuranceLimiter: memory,
              rejectIfRedisNotReady: true,
            }),
      );
    }
  }

  /** Counts one request of `principal` (or of an anonymous client at `address`). */
  async consume(principal: Principal | null, address: string): Promise<RateDecision> {
    const kind = principal?.role ?? 'anonymous';
    const limiter = this.limiters.get(kind) as RateLimiterAbstract;
    try {
      await limiter.consume(principal?.id ?? address);
      return { ok: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return {
          ok: false,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          limit: this.limits[kind],
        };
      }
      // A store failure with no insurance left: let the request through rather than refuse all.
      return { ok: true };
    }
  }

  close(): void {
    this.redis?.disconnect();
  }
}

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
