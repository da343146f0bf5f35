import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './testGateway';

export interface MainProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The gateway's base URL, from the printed "GraphQL" line. */
  url: string;
  /** Codes printed after "Try:". */
  exampleCodes: string[];
  /** The demo keys it printed, by role. */
  keys: Record<string, string>;
  stop(): Promise<number | null>;
}

/**
 * Runs `src/main.ts` as `npm start` does, in its own process, and waits for its URLs (up to a minute:
 * it compiles TypeScript as it loads, and a start took over 20 s on a loaded machine).
 */
export async function runMain(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<MainProcess> {
  // Its own registry and audit folders: a developer's var/ does not leak into the test.
  const state = mkdtempSync(join(tmpdir(), 'main-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      LOG_LEVEL: 'info',
      REGISTRY_DIR: join(state, 'registry'),
      AUDIT_DIR: join(state, 'audit'),
      // The embedded default's sync outbox: one process per folder, so one per gateway.
      SYNC_OUTBOX_DIR: join(state, 'sync-outbox'),
      SECRETS_KEY: `t1:${Buffer.alloc(32, 2).toString('base64')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      // Its logs join the run's, searched for personal data at the end.
      const folder = process.env.TEST_LOG_DIR;
      if (folder !== undefined)
        writeFileSync(join(folder, `main-${child.pid}.log`), `${out}\n${err}\n`);
      resolve(code);
    }),
  );
  const started = Date.now();
  while (!/GraphQL\s+http:\/\/\S+\/graphql/.test(out)) {
    if (child.exitCode !== null || Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`the gateway did not start:\n${out}\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = (/GraphQL\s+(http:\/\/\S+)\/graphql/.exec(out) as RegExpExecArray)[1] as string;
  const exampleCodes = (/Try: (.*)/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    url,
    exampleCodes,
    keys: Object.fromEntries(
      [...out.matchAll(/^\s+(portal|province-it|auditor|admin)\s+(dvck_\S+)/gm)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    ),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A production-mode gateway process on Redis in front of the sample systems: the bundled
 * registrations and directory, registry and audit log in Redis under `keyPrefix`, loopback
 * allowed upstream, no catalogue sync, an admin rate high enough for tests.
 */
export function runProductionOnRedis(
  sampleVariables: Record<string, string>,
  redis: Record<string, string>,
  keyPrefix: string,
  extra: Record<string, string> = {},
): Promise<MainProcess> {
  return runMain({
    ...sampleVariables,
    GATEWAY_MODE: 'production',
    HOST: '127.0.0.1',
    REGISTRATIONS_DIR: join(PROJECT_ROOT, 'examples', 'registrations'),
    AGENCY_DIRECTORY: join(PROJECT_ROOT, 'data', 'agencies.sample.yaml'),
    ...redis,
    REDIS_KEY_PREFIX: keyPrefix,
    REGISTRY_DIR: '',
    AUDIT_DIR: '',
    UPSTREAM_ALLOW: '127.0.0.0/8',
    CATALOGUE_SYNC_INTERVAL_MS: '0',
    RATE_LIMITS: 'admin=100000',
    ...extra,
  });
}
