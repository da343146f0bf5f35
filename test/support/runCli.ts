import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './testGateway';

/**
 * Runs a command-line tool (`src/cli/<name>.ts`) as `npm run <name>` does, asynchronously (the
 * gateway it talks to may live in this process), with `env` over this process's environment.
 */
export function runCli(
  name: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', `${name}.ts`), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}
