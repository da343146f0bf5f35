import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../connectors/contract';

/**
 * The one error formatter at the edge (docs/errors.md). Errors made on purpose are
 * GraphQLErrors (ours carry an ErrorCode, Apollo's and graphql-js's describe a bad request) and
 * pass with their code; anything else is logged and answered as INTERNAL_SERVER_ERROR without
 * internals. Never throws.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GraphQLError) {
      if (formatted.extensions === undefined) return formatted;
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions;
      return { ...formatted, extensions };
    }
    logger.error(
      {
        path: formatted.path,
        err:
          original instanceof Error
            ? { type: original.name, message: original.message, stack: original.stack }
            : typeof original,
      },
      'unexpected error while answering a request',
    );
    return {
      message: 'Internal server error; the failure is logged',
      ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
