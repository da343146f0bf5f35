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

/** Runs `task` over `items` with at most `limit` in flight, keeping order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
