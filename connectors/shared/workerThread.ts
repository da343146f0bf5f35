import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry is `<dir>/<name>`: the compiled `.js` file, or from source
 * (tsx, jest) the `.ts` file loaded through tsx's require hook, resolved here (a loader given to
 * the parent process does not reach worker threads, and the worker would resolve `tsx` from the
 * working directory). `dir` is the caller's `__dirname`.
 */
export function startWorker(dir: string, name: string, options: WorkerOptions): Worker {
  const source = join(dir, `${name}.ts`);
  if (existsSync(source) && __filename.endsWith('.ts'))
    return new Worker(
      `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(source)});`,
      { ...options, eval: true },
    );
  return new Worker(join(dir, `${name}.js`), options);
}
