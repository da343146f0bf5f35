import pino from 'pino';
import type { Logger } from '../../connectors/contract';

/**
 * What the logs never hold, by configuration: credentials in headers and settings, and the
 * personal fields of a dossier (applicant, identity numbers, phones, e-mails, addresses) wherever
 * a record or dossier is passed as a field. Code never logs them on purpose; this is the second
 * line, and a test greps the logs of the whole test run for the sample systems' personal data.
 */
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.clientSecret',
  '*.password',
  '*.secret',
  '*.token',
  'applicant',
  '*.applicant',
  '*.*.applicant',
  '*.idNumber',
  '*.phone',
  '*.email',
  '*.address',
  '*.name',
];

/**
 * Structured JSON logs (pino) to stdout, or to `destination`. Lines about a request carry its
 * `requestId` (the one returned to the caller and sent upstream) as a field.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'dvc-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  const log = destination === undefined ? pino(options) : pino(options, destination);
  return {
    debug: (fields, message) => log.debug(fields, message),
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
  };
}
