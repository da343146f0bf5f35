import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A name for this process that two processes never share, not even two starts on one host: the
 * host (made safe for keys and file names), the process id and a random part. The audit chain's
 * writer and the sync bridge's Redis consumer use it.
 */
export function processName(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 40);
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
