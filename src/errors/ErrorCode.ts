import type { ConnectorErrorCode } from '../../connectors/ConnectorError';

/**
 * The public error codes, surfaced in `extensions.code` and in per-item `error.code`. Change with
 * intention: clients (the national portal first) branch on these.
 */
export const ErrorCode = {
  /** The input is malformed (a dossier code that is not one, too many codes). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The code names an agency the directory does not know. */
  UNKNOWN_AGENCY: 'UNKNOWN_AGENCY',
  /** The agency is known but no registered system covers it (nor any successor). */
  NO_CONNECTOR: 'NO_CONNECTOR',
  /** The owning system answered that it has no such dossier. */
  DOSSIER_NOT_FOUND: 'DOSSIER_NOT_FOUND',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  UPSTREAM_AUTH_FAILED: 'UPSTREAM_AUTH_FAILED',
  /** The owning system refused the request the gateway sent (declared in its registration). */
  UPSTREAM_BAD_REQUEST: 'UPSTREAM_BAD_REQUEST',
  /** The connector's circuit breaker is open; the system is not being called for now. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  /** The HTTP request itself is unusable: body too large, not JSON, not UTF-8, wrong transport. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A persisted-operation hash that is not on the allow-list, sent without its document. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** The gateway cannot check credentials right now (the key store does not answer): HTTP 503. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The audit log could not record an audited read; nothing was answered. */
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
  /** A change based on a stale version, or that collides with an existing registration. */
  CONFLICT: 'CONFLICT',
  /** No such thing that the caller may see. */
  NOT_FOUND: 'NOT_FOUND',
  /** More requests per second than the caller's role allows (HTTP 429 with Retry-After). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** Anything unexpected; details are logged, never sent. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<string, string> & Record<ConnectorErrorCode, ConnectorErrorCode>;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Whether trying the same thing later could succeed, by code. */
export function isRetryable(code: ErrorCode): boolean {
  switch (code) {
    case 'UPSTREAM_TIMEOUT':
    case 'UPSTREAM_UNAVAILABLE':
    case 'CIRCUIT_OPEN':
    case 'INTERNAL_SERVER_ERROR':
    case 'AUDIT_UNAVAILABLE':
    case 'RATE_LIMITED':
    case 'UNAVAILABLE':
      return true;
    case 'CONFLICT':
    case 'NOT_FOUND':
    case 'BAD_USER_INPUT':
    case 'UNKNOWN_AGENCY':
    case 'NO_CONNECTOR':
    case 'DOSSIER_NOT_FOUND':
    case 'UPSTREAM_BAD_RESPONSE':
    case 'UPSTREAM_AUTH_FAILED':
    case 'UPSTREAM_BAD_REQUEST':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
    case 'BAD_REQUEST':
    case 'PERSISTED_QUERY_NOT_FOUND':
      return false;
    default: {
      const unknown: never = code;
      throw new TypeError(`Unknown error code ${String(unknown)}`);
    }
  }
}
