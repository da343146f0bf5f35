import pino from 'pino';
import type { Logger } from '../connectors/contract';

/**
 * Structured JSON logs (pino). Credentials and personal data never reach a log call; the redact
 * paths are a second line of defence for headers that carry secrets.
 */
export function createLogger(level: string): Logger {
  const log = pino({
    level,
    base: { service: 'dvc-gateway' },
    redact: {
      paths: ['headers.authorization', 'headers["x-api-key"]', '*.clientSecret', '*.password'],
      censor: '[redacted]',
    },
  });
  return {
    debug: (fields, message) => log.debug(fields, message),
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
  };
}
