import { GraphQLError } from 'graphql';
import { isRetryable, type ErrorCode } from './ErrorCode';

/** The detail every public error carries, per item or in `extensions.details`. */
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
  /** Registration id of the system involved, when one was. */
  connector: string | null;
  retryable: boolean;
  /** For the runtime's retries only (never sent): how long the upstream asked to wait. */
  retryAfterMs?: number;
}

/** Builds an error detail; `retryable` defaults to what the code implies. */
export function errorDetail(
  code: ErrorCode,
  message: string,
  connector: string | null = null,
  retryable: boolean = isRetryable(code),
): ErrorDetail {
  return { code, message, connector, retryable };
}

/**
 * The GraphQL error for a detail: `extensions.code` as Apollo clients expect, with connector and
 * retryability under the one extension key `details`.
 */
export function toGraphQLError(detail: ErrorDetail): GraphQLError {
  return new GraphQLError(detail.message, {
    extensions: {
      code: detail.code,
      details: { connector: detail.connector, retryable: detail.retryable },
    },
  });
}
