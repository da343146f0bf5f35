import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** One run of the load generator (bench/load.ts), as JSON on its command line. */
export interface LoadJob {
  url: string;
  body: string;
  /** Bodies sent in turn instead of `body` (distinct codes, so that no cache or coalescing helps). */
  bodies?: string[];
  /** A file holding such bodies as a JSON array, for lists too long for a command line. */
  bodiesFile?: string;
  /** Index of the first body sent (the bodies are taken in turn from there, wrapping). */
  offset?: number;
  connections: number;
  durationSeconds: number;
  /** Request headers (content type, API key). */
  headers: Record<string, string>;
  /** Exact bytes every answer must have; or `verify` names a check. */
  expectBody?: string;
  /**
   * `lookup:<code>`: a JSON answer for that code without errors (uncached answers vary in
   * fetchedAt); `items:<n>`: a `dossiers` answer of n items, none with an error; `source:cached`
   * or `source:fetched`: a `dossier` answer without errors, from the cache or fetched now;
   * `aliases:<n>`: n aliased `dossier` fields, each a dossier (none null), without errors.
   */
  verify?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  /** Bodies taken from `bodies` (requests started, answered or not); 0 without `bodies`. */
  sent: number;
  /** Answers by HTTP status. */
  statusCodes: Record<string, number>;
}

const ROOT = join(__dirname, '..');

/** Runs the load generator as its own process; resolves with its result. */
export function runLoadJob(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('bench', 'load.ts'), JSON.stringify(job)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadResult)
        : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}
