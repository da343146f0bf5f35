import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The benchmarks' own processes (sample systems, gateways), stopped together at the end. */
export const children: ChildProcess[] = [];

const ROOT = join(__dirname, '..');

/**
 * Starts `node --import tsx <args>` in the project with only `env` (and PATH, HOME), and resolves
 * once its output matches `ready`; rejects if it exits first or does not get there in 30 s.
 * BENCH_NODE_ARGS adds Node options to every process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * to profile them).
 */
export function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...extra, '--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start:\n${output}`)),
      30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, output: () => output, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

/** Stops every process started here. */
export function stopAll(): void {
  for (const child of children) child.kill('SIGTERM');
}
