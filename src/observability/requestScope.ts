import type { Span } from '@opentelemetry/api';

/** One HTTP exchange with an upstream system, as received (for the console's inspection). */
export interface UpstreamExchange {
  connectorId: string;
  method: string;
  /** Path and query below the registration's base URL; credentials in the query are hidden. */
  path: string;
  status: number;
  contentType: string;
  /** The body as decoded text, at most 256 KiB. */
  body: string;
  durationMs: number;
}

/**
 * What code running for one request needs to know about it without passing it through every
 * layer, keyed by the request's own AbortSignal (every call context carries it, connectors hand it
 * to the HTTP client, and no two requests share one): the span upstream calls nest in, and, for an
 * inspection, where upstream answers go. Not AsyncLocalStorage: on Node 20 that turns on promise
 * hooks for every promise of the process, which slowed the cached lookup measurably
 * (docs/BENCHMARKS.md, issues 6 and 7).
 */
export class RequestScopes {
  private readonly spans = new WeakMap<AbortSignal, Span>();
  private readonly captures = new WeakMap<AbortSignal, (exchange: UpstreamExchange) => void>();

  setSpan(signal: AbortSignal, span: Span): void {
    this.spans.set(signal, span);
  }

  span(signal: AbortSignal | undefined): Span | undefined {
    return signal === undefined ? undefined : this.spans.get(signal);
  }

  /** Hands every upstream answer of calls made with `signal` to `sink`, until `stop` is called. */
  capture(signal: AbortSignal, sink: (exchange: UpstreamExchange) => void): () => void {
    this.captures.set(signal, sink);
    return () => this.captures.delete(signal);
  }

  captureFor(signal: AbortSignal | undefined): ((exchange: UpstreamExchange) => void) | undefined {
    return signal === undefined ? undefined : this.captures.get(signal);
  }
}

/** The process's scopes: entries live as long as the request's signal object. */
export const requestScopes = new RequestScopes();
