import {
  CircuitState,
  ExponentialBackoff,
  SamplingBreaker,
  circuitBreaker,
  handleType,
  isBrokenCircuitError,
  isIsolatedCircuitError,
  type CircuitBreakerPolicy,
  type IBackoff,
} from 'cockatiel';
import type { CallContext } from '../../connectors/contract';
import { errorDetail, type ErrorDetail } from '../errors/GatewayError';
import type { Resilience } from './resilience';
import type { Tracer } from '@opentelemetry/api';
import { endSpan, startChildSpan } from '../observability/tracing';

/** An attempt whose every item failed in a way that says the system is down (counts for the breaker). */
class SystemDown extends Error {
  constructor(readonly outcomes: readonly unknown[]) {
    super('every item of the call failed with a retryable error');
  }
}

export type CircuitStatus = 'closed' | 'open' | 'half-open' | 'isolated';

/** What was called, for metrics and the console (src/observability implements it). */
export interface CallObserver {
  /** One attempt: its outcome over every item, its duration (null: refused by the circuit). */
  call(
    connector: string,
    operation: 'lookup' | 'catalogue' | 'listing',
    outcome: 'ok' | 'partial' | 'error' | 'circuit_open',
    seconds: number | null,
    error: { code: string; message: string } | null,
  ): void;
  /** Items sent again after a retryable failure. */
  retry(connector: string, items: number): void;
}

/** Below this much budget left, a retry is not started: it could not finish. */
const MIN_BUDGET_FOR_RETRY_MS = 150;

/**
 * The guard around one connector's calls (src/runtime/README.md): a circuit breaker
 * (cockatiel, error ratio over a rolling window, one probe after `breakerHalfOpenAfterMs`) and
 * retries of the items that failed retryably, with exponential backoff and jitter, honouring
 * Retry-After, never past the caller's budget. Reads are idempotent, so any lookup may be retried.
 */
export class CallGuard {
  private readonly breaker: CircuitBreakerPolicy;
  private openedAt: number | null = null;

  constructor(
    private readonly connectorId: string,
    private readonly settings: Resilience,
    private readonly now: () => number = Date.now,
    private readonly observer: CallObserver | null = null,
    private readonly tracer: Tracer | null = null,
  ) {
    this.breaker = circuitBreaker(handleType(SystemDown), {
      halfOpenAfter: settings.breakerHalfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: settings.breakerFailureRatio,
        duration: settings.breakerWindowMs,
        // cockatiel takes 0 as "use my default"; a tiny rate means "no minimum".
        minimumRps: settings.breakerMinimumRps > 0 ? settings.breakerMinimumRps : 1e-9,
      }),
    });
    this.breaker.onBreak(() => {
      this.openedAt = this.now();
    });
    this.breaker.onReset(() => {
      this.openedAt = null;
    });
  }

  get circuit(): CircuitStatus {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Isolated:
        return 'isolated';
      default:
        return 'closed';
    }
  }

  /**
   * Runs `attempt` over `items`, then again over those whose result is a retryable error, until
   * none is, the retries are spent, or the budget would run out. `errorOf` reads a result's error.
   */
  async run<T>(
    operation: 'lookup' | 'catalogue' | 'listing',
    items: readonly string[],
    call: CallContext,
    attempt: (items: readonly string[]) => Promise<T[]>,
    errorOf: (result: T) => ErrorDetail | null,
    circuitOpen: (detail: ErrorDetail) => T,
  ): Promise<T[]> {
    const results = new Array<T>(items.length);
    let pending = items.map((_, index) => index);
    let backoff: IBackoff<unknown> | undefined;
    for (let round = 0; ; round += 1) {
      const outcomes = await this.once(
        operation,
        pending.map((index) => items[index] as string),
        call,
        attempt,
        errorOf,
        circuitOpen,
      );
      pending.forEach((index, position) => {
        results[index] = outcomes[position] as T;
      });
      const failed = pending.filter((index) => {
        const error = errorOf(results[index] as T);
        return error !== null && error.retryable && error.code !== 'CIRCUIT_OPEN';
      });
      if (failed.length === 0 || round >= this.settings.retries || call.signal.aborted) break;
      backoff =
        backoff === undefined
          ? new ExponentialBackoff({
              initialDelay: this.settings.retryInitialDelayMs,
              maxDelay: this.settings.retryMaxDelayMs,
            }).next()
          : backoff.next(undefined);
      const asked = Math.max(
        ...failed.map((index) => errorOf(results[index] as T)?.retryAfterMs ?? 0),
      );
      const delay = Math.max(backoff.duration, asked);
      if (
        call.deadline !== undefined &&
        this.now() + delay + MIN_BUDGET_FOR_RETRY_MS > call.deadline
      )
        break;
      if (!(await sleep(delay, call.signal))) break;
      this.observer?.retry(this.connectorId, failed.length);
      pending = failed;
    }
    return results;
  }

  /** One attempt through the breaker: an open circuit answers CIRCUIT_OPEN without calling. */
  private async once<T>(
    operation: 'lookup' | 'catalogue' | 'listing',
    items: readonly string[],
    call: CallContext,
    attempt: (items: readonly string[]) => Promise<T[]>,
    errorOf: (result: T) => ErrorDetail | null,
    circuitOpen: (detail: ErrorDetail) => T,
  ): Promise<T[]> {
    try {
      return await this.breaker.execute(async () => {
        const started = performance.now();
        const span =
          this.tracer === null
            ? null
            : startChildSpan(this.tracer, call.signal, `connector.${operation}`, {
                'connector.id': this.connectorId,
                'connector.items': items.length,
              });
        let outcomes: T[];
        try {
          outcomes = await attempt(items);
        } catch (error) {
          // Connectors' runtimes turn failures into values; a throw here is a bug, still counted.
          const failure = { code: 'INTERNAL_SERVER_ERROR', message: 'the attempt threw' };
          if (span !== null) endSpan(span, failure);
          this.observer?.call(
            this.connectorId,
            operation,
            'error',
            (performance.now() - started) / 1000,
            failure,
          );
          throw error;
        }
        const errors = outcomes.map(errorOf);
        if (span !== null) {
          const failed = errors.filter((e) => e !== null);
          span.setAttribute('connector.failed_items', failed.length);
          endSpan(span, failed.length === errors.length && failed[0] ? failed[0] : null);
        }
        if (this.observer !== null) {
          const failed = errors.filter((e) => e !== null);
          const first = failed[0] ?? null;
          this.observer.call(
            this.connectorId,
            operation,
            failed.length === 0 ? 'ok' : failed.length === errors.length ? 'error' : 'partial',
            (performance.now() - started) / 1000,
            first === null ? null : { code: first.code, message: first.message },
          );
        }
        if (outcomes.length > 0 && errors.every((e) => e !== null && e.retryable))
          throw new SystemDown(outcomes);
        return outcomes;
      });
    } catch (error) {
      // The breaker counted the failure; the items keep their own errors.
      if (error instanceof SystemDown) return error.outcomes as T[];
      if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) {
        const until =
          this.openedAt === null
            ? ''
            : `; next probe after ${new Date(this.openedAt + this.settings.breakerHalfOpenAfterMs).toISOString()}`;
        const detail = errorDetail(
          'CIRCUIT_OPEN',
          `${this.connectorId}: not called after repeated failures (circuit open${until})`,
          this.connectorId,
          true,
        );
        this.observer?.call(this.connectorId, operation, 'circuit_open', null, {
          code: detail.code,
          message: detail.message,
        });
        return items.map(() => circuitOpen(detail));
      }
      throw error;
    }
  }
}

/** Waits, or returns false at once when the signal ends. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
