import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from '../../connectors/contract';
import { createLogger } from '../../src/platform/logger';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** Every test gateway's log lines also go here (one file per Jest worker), as production writes them. */
let shared: Logger | null | undefined;
function sharedLog(): Logger | null {
  if (shared === undefined) {
    const folder = process.env.TEST_LOG_DIR;
    shared =
      folder === undefined
        ? null
        : createLogger(
            'debug',
            pino.destination({ dest: join(folder, `jest-${process.pid}.jsonl`), sync: true }),
          );
  }
  return shared;
}

/**
 * A logger that keeps entries for assertions instead of writing to the console, and writes them
 * through the gateway's own pino configuration (redaction included) to the run's log folder,
 * which the global teardown searches for personal data.
 */
export function createTestLogger(): Logger & { entries: LogEntry[]; text(): string } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields, message });
      sharedLog()?.[level](fields, message);
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () =>
      entries.map((entry) => `${entry.message} ${JSON.stringify(entry.fields)}`).join('\n'),
  };
}
