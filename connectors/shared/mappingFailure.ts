import { ConnectorError, isConnectorError } from '../ConnectorError';
import { isExpressionLimitError } from './expression/ExpressionLimitError';
import { UnreadableRecordError } from './normaliseDossier';

/**
 * What a failure while reading or mapping a system's answer becomes: a ConnectorError as it is,
 * an unreadable record or a JSONata error as UPSTREAM_BAD_RESPONSE (never quoting a value).
 */
export function asConnectorError(error: unknown, what: string): ConnectorError {
  if (isConnectorError(error)) return error;
  if (error instanceof UnreadableRecordError) {
    return new ConnectorError('UPSTREAM_BAD_RESPONSE', `${what}: ${error.message}`);
  }
  return jsonataFailure(error, what);
}

/**
 * A JSONata evaluation error as UPSTREAM_BAD_RESPONSE. An evaluation stopped by a limit says which
 * (its message names the limit, never a value). Other JSONata errors are plain objects with a code
 * like "T2001"; their messages can quote values from the record (personal data), so only the code
 * is kept. Anything else is a bug and is thrown on.
 */
export function jsonataFailure(error: unknown, what: string): ConnectorError {
  if (isExpressionLimitError(error)) {
    return new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: mapping stopped: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z]\d{4}$/.test(code)) {
    return new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: mapping failed (JSONata ${code}: see the JSONata error codes)`,
    );
  }
  throw error;
}
