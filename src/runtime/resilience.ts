import { z } from 'zod';

/**
 * How the gateway protects itself and a provincial system from each other (registration
 * `upstream.resilience`). Every default is listed here and in docs/resilience.md.
 */
export const resilienceSchema = z
  .strictObject({
    /** Extra attempts after a retryable failure (timeout, reset, 5xx, 429). Default 2; 0 turns retries off. */
    retries: z.number().int().min(0).max(5).default(2),
    /** First backoff delay, then exponential with jitter. Default 100 ms. */
    retryInitialDelayMs: z.number().int().min(1).max(10_000).default(100),
    /** Longest backoff delay (a Retry-After may ask for more, within the request's budget). Default 2000 ms. */
    retryMaxDelayMs: z.number().int().min(1).max(60_000).default(2000),
    /** Share of failed calls over the window that opens the circuit. Default 0.5. */
    breakerFailureRatio: z.number().min(0.05).max(1).default(0.5),
    /** Rolling window the ratio is measured over. Default 10 000 ms. */
    breakerWindowMs: z.number().int().min(1000).max(600_000).default(10_000),
    /** Calls per second needed before the circuit may open (no tripping on a trickle). Default 1. */
    breakerMinimumRps: z.number().min(0).max(1000).default(1),
    /** Time the circuit stays open before one probe call is let through. Default 10 000 ms. */
    breakerHalfOpenAfterMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Most HTTP requests in flight to the system. Default 16. */
    concurrency: z.number().int().min(1).max(256).default(16),
    /** Requests waiting for a slot before new ones are refused. Default 1000. */
    queue: z.number().int().min(0).max(100_000).default(1000),
    /** Most HTTP requests started per second; absent means no rate limit. */
    ratePerSecond: z.number().min(0.1).max(10_000).optional(),
  })
  .default({
    retries: 2,
    retryInitialDelayMs: 100,
    retryMaxDelayMs: 2000,
    breakerFailureRatio: 0.5,
    breakerWindowMs: 10_000,
    breakerMinimumRps: 1,
    breakerHalfOpenAfterMs: 10_000,
    concurrency: 16,
    queue: 1000,
  });

export type Resilience = z.output<typeof resilienceSchema>;

export const DEFAULT_RESILIENCE: Resilience = resilienceSchema.parse(undefined);
