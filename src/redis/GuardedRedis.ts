import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ReplyError } from 'ioredis';
import type { Logger } from '../../connectors/contract';
import {
  closeRedis,
  connectRedis,
  describeRedis,
  isCluster,
  type RedisClient,
  type RedisTarget,
} from './connectRedis';

export interface GuardedRedisOptions {
  /** A command not answered within this fails (and counts against Redis). Default 250 ms. */
  commandTimeoutMs?: number;
  /** Consecutive failed commands that open the circuit. Default 3. */
  failuresToOpen?: number;
  /** How long an open circuit refuses every command before one probe is let through. Default 1000 ms. */
  halfOpenAfterMs?: number;
  /** How often Redis is asked PING, so that a freeze is seen without traffic. Default 500 ms. */
  heartbeatMs?: number;
  /** Where the circuit's opening (once per outage) and closing are logged. Default: nowhere. */
  logger?: Logger;
}

/** Thrown at once, without asking Redis, while its circuit is open. */
export class RedisUnavailableError extends Error {
  constructor(target: RedisTarget) {
    super(`${describeRedis(target)} is not answering (circuit open); not asked`);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * The Redis connection on the request path — dossier cache, API key store, rate limits — and the
 * one circuit breaker in front of it (cockatiel). Commands fail fast: no offline queue, a short
 * command timeout, and after `failuresToOpen` consecutive failures (a refused connection, or a
 * Redis that accepts commands and never answers, as under SIGSTOP) every command is refused at
 * once, without being sent, until a probe answers. The probe is the heartbeat's PING, never a
 * caller's command: while the circuit is not closed no request waits on Redis. A reply error
 * (Redis answered) is not a failure of Redis.
 *
 * Whoever opens it closes it; a component given a target instead opens its own (the command-line
 * tools and tests), see {@link GuardedRedis.adopt}.
 */
export class GuardedRedis {
  readonly client: RedisClient;
  readonly cluster: boolean;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly recovered = new Set<() => void>();
  /** When the circuit opened after being closed (a failed probe does not count again). */
  private openedAt: number | null = null;

  constructor(
    readonly target: RedisTarget,
    options: GuardedRedisOptions = {},
  ) {
    this.cluster = isCluster(target);
    this.client = connectRedis(target, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 250,
      // In a Cluster, per-key commands of one call go out as one pipeline per node.
      autoPipelining: this.cluster,
    });
    // Failures are reported by the commands that meet them (and readiness); not thrown here.
    this.client.on('error', () => undefined);
    this.breaker = circuitBreaker(
      handleWhen((error) => !(error instanceof ReplyError)),
      {
        halfOpenAfter: options.halfOpenAfterMs ?? 1000,
        breaker: new ConsecutiveBreaker(options.failuresToOpen ?? 3),
      },
    );
    const logger = options.logger;
    this.breaker.onBreak(() => {
      if (this.openedAt !== null) return;
      this.openedAt = Date.now();
      logger?.warn(
        { redis: describeRedis(target) },
        'Redis not answering: circuit open, commands refused at once until it answers again',
      );
    });
    this.breaker.onReset(() => {
      if (this.openedAt !== null) {
        logger?.info(
          {
            redis: describeRedis(target),
            seconds: Math.round((Date.now() - this.openedAt) / 1000),
          },
          'Redis answers again: circuit closed',
        );
      }
      this.openedAt = null;
      for (const listener of this.recovered) listener();
    });
    this.heartbeat = setInterval(() => {
      this.breaker.execute(() => this.client.ping()).catch(() => undefined);
    }, options.heartbeatMs ?? 500);
    this.heartbeat.unref();
  }

  /** The target's own connection when given a target (`owned`: close it), else the shared one. */
  static adopt(
    redis: RedisTarget | GuardedRedis,
    options?: GuardedRedisOptions,
  ): { redis: GuardedRedis; owned: boolean } {
    return redis instanceof GuardedRedis
      ? { redis, owned: false }
      : { redis: new GuardedRedis(redis, options), owned: true };
  }

  /**
   * Whether Redis answers now: connected and the circuit closed. False during a refusal and, once
   * the heartbeat or callers have met `failuresToOpen` timeouts, during a freeze (readiness
   * reports `degraded`); one slow command alone does not make it flap.
   */
  get healthy(): boolean {
    return this.client.status === 'ready' && this.breaker.state === CircuitState.Closed;
  }

  /** The circuit: `closed` (commands are sent), `open` or `half-open` (refused without asking). */
  get circuit(): 'closed' | 'open' | 'half-open' {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  /**
   * Runs `command` on the connection, unless the circuit is not closed: then it throws
   * {@link RedisUnavailableError} at once. A failure counts towards opening the circuit.
   */
  run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.breaker.state !== CircuitState.Closed)
      return Promise.reject(new RedisUnavailableError(this.target));
    return this.breaker.execute(() => command(this.client));
  }

  /** Calls `listener` each time the circuit closes again (Redis answers after an outage). */
  onRecovered(listener: () => void): () => void {
    this.recovered.add(listener);
    return () => this.recovered.delete(listener);
  }

  /** Resolves once connected, or rejects after `timeoutMs` (start-up names a wrong URL with it). */
  async ready(timeoutMs = 3000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`${describeRedis(this.target)} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.recovered.clear();
    // quit() waits for replies; while Redis is away there are none to wait for.
    await closeRedis(this.client);
  }
}
