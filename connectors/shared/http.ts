import type { AxiosResponse } from 'axios';
import { ConnectorError } from '../ConnectorError';

/**
 * The typed error for an upstream HTTP status that is not a success, or null for 2xx.
 * 5xx and 429 are retryable; 401/403 mean the gateway's credentials were refused.
 */
export function errorForStatus(response: AxiosResponse, what: string): ConnectorError | null {
  const status = response.status;
  if (status >= 200 && status < 300) return null;
  if (status >= 500 || status === 429) {
    return new ConnectorError('UPSTREAM_UNAVAILABLE', `${what}: upstream answered HTTP ${status}`, {
      httpStatus: status,
      retryAfterMs: retryAfter(response.headers['retry-after']),
    });
  }
  if (status === 401 || status === 403) {
    return new ConnectorError(
      'UPSTREAM_AUTH_FAILED',
      `${what}: upstream refused the gateway's credentials (HTTP ${status})`,
      { httpStatus: status },
    );
  }
  return new ConnectorError('UPSTREAM_BAD_RESPONSE', `${what}: upstream answered HTTP ${status}`, {
    httpStatus: status,
  });
}

/** Retry-After (RFC 9110 §10.2.3): seconds, or an HTTP date. */
export function retryAfter(header: unknown, now: number = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Parses a JSON body delivered as text; anything else is `UPSTREAM_BAD_RESPONSE`. */
export function parseJsonBody(response: AxiosResponse, what: string): unknown {
  const body: unknown = response.data;
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    const contentType = String(response.headers['content-type'] ?? 'no content type');
    throw new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: upstream body is not JSON (${contentType}, ${body.length} bytes)`,
      { httpStatus: response.status },
    );
  }
}

/**
 * A limit on tasks in flight, shared by every call that holds it: one per connector keeps a
 * fragile upstream at `limit` concurrent requests however many gateway requests arrive.
 */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    active -= 1;
    waiting.shift()?.();
  };
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
