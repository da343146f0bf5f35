/**
 * The only error a connector raises or returns. Change with intention: the gateway maps these
 * codes one to one onto its public error codes (src/errors/ErrorCode.ts).
 */
export type ConnectorErrorCode =
  /** The upstream did not answer within the call's deadline. Retryable. */
  | 'UPSTREAM_TIMEOUT'
  /** The upstream refused the connection, reset it, or answered 5xx/429. Retryable. */
  | 'UPSTREAM_UNAVAILABLE'
  /** The upstream answered something the connector cannot read (garbage body, wrong shape). */
  | 'UPSTREAM_BAD_RESPONSE'
  /** The upstream rejected the gateway's credentials (bad key, token refused after one refetch). */
  | 'UPSTREAM_AUTH_FAILED'
  /**
   * The upstream refused the request the gateway sent as malformed or unacceptable (a date range
   * longer than it allows, too many codes even for one): a registration to correct, not retried.
   */
  | 'UPSTREAM_BAD_REQUEST';

const RETRYABLE: Record<ConnectorErrorCode, boolean> = {
  UPSTREAM_TIMEOUT: true,
  UPSTREAM_UNAVAILABLE: true,
  UPSTREAM_BAD_RESPONSE: false,
  UPSTREAM_AUTH_FAILED: false,
  UPSTREAM_BAD_REQUEST: false,
};

export interface ConnectorErrorOptions {
  /** Whether the same call could succeed later. Default: by code (timeouts and 5xx are). */
  retryable?: boolean;
  /** HTTP status of the upstream answer, when there was one. */
  httpStatus?: number;
  /** How long the upstream asked to wait before trying again (its Retry-After). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A failure of one upstream call or one item of it. Messages name what happened and never carry
 * personal data or upstream bodies (they reach logs and API clients).
 */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly code: ConnectorErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ConnectorErrorCode, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE[code];
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isConnectorError(value: unknown): value is ConnectorError {
  return value instanceof ConnectorError;
}
