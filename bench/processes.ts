import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileApiKeyStore } from '../src/auth/apiKeys';
import type { Role } from '../src/auth/roles';

/** The benchmarks' own processes (sample systems, gateways), stopped together at the end. */
export const children: ChildProcess[] = [];

const ROOT = join(__dirname, '..');

let built = false;

/**
 * The gateway as it runs in production: compiled (`dist/src/main.js`, built here once per bench
 * run so it is never stale), not through tsx — tsx's loader alone holds ~25 MB and slows start.
 * BENCH_GATEWAY=source runs `src/main.ts` through tsx instead.
 */
function gatewayArgs(args: string[]): string[] {
  if (args[0] !== 'src/main.ts' || process.env.BENCH_GATEWAY === 'source')
    return ['--import', 'tsx', ...args];
  if (!built) {
    process.stdout.write('Building the gateway (npm run build)…\n');
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error('the gateway does not build');
    built = true;
  }
  return [join(ROOT, 'dist', 'src', 'main.js'), ...args.slice(1)];
}

/**
 * Starts `node --import tsx <args>` (the gateway compiled, see `gatewayArgs`) in the project with only `env` (and PATH, HOME), and resolves
 * once its output matches `ready`; rejects if it exits first or does not get there in `timeoutMs`
 * (30 s unless given).
 * BENCH_NODE_ARGS adds Node options to every process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * to profile them).
 */
export function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<{ child: ChildProcess; output: () => string; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...extra, ...gatewayArgs(args)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start:\n${output}`)),
      timeoutMs,
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

/**
 * The sample systems (and the sample sync receiver) as their own process; resolves with the
 * variables they print for the registrations. `options.env` adds settings of samples/main.ts,
 * e.g. SAMPLE_GATEWAY_URL (where the systems push their status changes); `options.sync` adds the
 * variables that point a gateway's sync bridge at the receiver (`SYNC_SINK_*`). Without it they
 * are left out: a gateway given them delivers every change it finds, and production gateways
 * without Redis would share one file outbox (`var/sync-outbox`), which only one process may use.
 */
export async function startSampleProcess(
  size: number,
  seed: number,
  options: { env?: Record<string, string>; sync?: boolean } = {},
): Promise<Record<string, string>> {
  const samples = await start(
    ['samples/main.ts'],
    { ...options.env, SAMPLE_SIZE: String(size), SAMPLE_SEED: String(seed) },
    /Example codes: .*\n/,
  );
  return Object.fromEntries(
    [...samples.output().matchAll(/export (\w+)=(\S+)/g)]
      .map((m) => [m[1] as string, m[2] as string])
      .filter(([name]) => options.sync === true || !name.startsWith('SYNC_')),
  );
}

/**
 * What a production-mode gateway in front of the sample systems needs: a key store holding one
 * key of `role` (made with the gateway's own store code), folders for audit and registry, a
 * secrets key, loopback allowed upstream (production mode guards it), the bundled registrations.
 */
export async function productionGateway(
  variables: Record<string, string>,
  role: Role,
): Promise<{ key: string; env: Record<string, string> }> {
  const keysFile = join(mkdtempSync(join(tmpdir(), 'bench-keys-')), 'api-keys.json');
  const keyStore = await FileApiKeyStore.open(keysFile);
  const { key } = await keyStore.create({ name: 'bench', role, createdBy: 'bench' }, new Date());
  await keyStore.close();
  return {
    key,
    env: {
      ...variables,
      API_KEYS_FILE: keysFile,
      AUDIT_DIR: join(keysFile, '..', 'audit'),
      REGISTRY_DIR: join(keysFile, '..', 'registry'),
      SECRETS_KEY: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
      UPSTREAM_ALLOW: '127.0.0.0/8',
      GATEWAY_MODE: 'production',
      REGISTRATIONS_DIR: 'examples/registrations',
      AGENCY_DIRECTORY: 'data/agencies.sample.yaml',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
  };
}
