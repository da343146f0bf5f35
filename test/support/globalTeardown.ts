import { rmSync } from 'node:fs';
import { findPersonalData } from './personalDataInLogs';

/**
 * Stops the run's Redis, then searches every log line the run wrote — in-process gateways through
 * the production pino configuration, gateway processes' stdout and stderr — for the sample systems'
 * personal data. Any hit fails the run (the lines are named, not printed).
 */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_REDIS__?.stop();
  const folder = process.env.TEST_LOG_DIR;
  if (folder === undefined) return;
  const { lines, findings } = findPersonalData(folder);
  if (findings.length > 0) {
    const where = findings
      .slice(0, 10)
      .map((f) => `${f.file}:${f.line} (${f.kind})`)
      .join(', ');
    throw new Error(
      `personal data in the logs of this test run: ${findings.length} line(s), e.g. ${where}; kept in ${folder}`,
    );
  }
  process.stdout.write(`Logs of this run: ${lines} lines searched, no personal data.\n`);
  rmSync(folder, { recursive: true, force: true });
}
