import { AsyncLocalStorage } from 'node:async_hooks';
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

export interface RequestScope {
  requestId: string;
  /** Set while the console inspects a dossier: every upstream answer in the scope is handed here. */
  capture?: (exchange: UpstreamExchange) => void;
  /** The request's span when tracing is on: upstream calls become its children. */
  span?: Span;
}

/**
 * What the code running for one request knows about it, without passing it through every call:
 * its request id (added to every log line written on its behalf) and, for an inspection, where
 * upstream answers go. Work started by the request (a background refresh) keeps its scope.
 */
export const requestScope = new AsyncLocalStorage<RequestScope>();
