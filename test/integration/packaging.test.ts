import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { PROJECT_ROOT } from '../support/testGateway';

describe('Packaging: install scripts', () => {
  it('every dependency install script is decided in allowScripts, and none is needed', () => {
    // `npm ci` warns about, and skips, every install script allowScripts does not cover; the
    // README says none runs and none is needed, so none may be left undecided.
    const listed = spawnSync('npm', ['install-scripts', 'ls'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(listed.status).toBe(0);
    expect(`${listed.stdout}${listed.stderr}`).not.toMatch(/not yet covered by allowScripts/);
    // msgpackr-extract (through bullmq's msgpackr) is denied: its prebuilt binary for this platform
    // is an optional package of its own, loaded without any install script.
    const native = spawnSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('msgpackr').isNativeAccelerationEnabled))"],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    expect(native.stdout).toBe('true');
  }, 90_000);
});

/** One instruction of a Dockerfile stage (continuation lines joined, comments dropped). */
interface Instruction {
  op: string;
  args: string;
}

/** The stages of a Dockerfile, by name (`AS …`), in order. */
function parseDockerfile(text: string): Array<{ name: string; steps: Instruction[] }> {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Array<{ name: string; steps: Instruction[] }> = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM')
      stages.push({
        name: /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? `stage-${stages.length}`,
        steps: [],
      });
    stages.at(-1)?.steps.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

const jsonArgs = (args: string): string[] => JSON.parse(args) as string[];

/**
 * The image without a Docker engine (none runs on these machines): the Dockerfile is read, its
 * final stage's layout is assembled in a folder from `npm run build`'s output and the production
 * dependencies, made read-only but for the declared volume, and started the way its CMD says, as
 * an unprivileged user (`nobody` when the test runs as root), in both modes.
 */
describe('Packaging: the Docker image', () => {
  const stages = parseDockerfile(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1) as { name: string; steps: Instruction[] };
  const last = (op: string) => final.steps.filter((step) => step.op === op).at(-1);
  const user = last('USER')?.args ?? 'root';
  const workdir = last('WORKDIR')?.args ?? '/';
  const volumes = final.steps
    .filter((step) => step.op === 'VOLUME')
    .flatMap((step) => (step.args.startsWith('[') ? jsonArgs(step.args) : step.args.split(/\s+/)));

  /** Volumes a RUN before USER makes and gives to that user (so the user may write there). */
  const userAt = final.steps.findIndex((step) => step.op === 'USER');
  const userOwned = volumes.filter((volume) =>
    final.steps
      .slice(0, userAt)
      .some(
        (step) =>
          step.op === 'RUN' &&
          step.args.includes(`mkdir -p ${volume}`) &&
          step.args.includes(`chown ${user}:${user} ${volume}`),
      ),
  );

  /** The stage the final one takes node_modules from. */
  const from = /--from=(\S+)/.exec(
    final.steps.find((step) => step.op === 'COPY' && /\/node_modules\s/.test(step.args))?.args ??
      '',
  )?.[1];

  it('runs compiled output with production dependencies only, as a non-root user, its state in a volume that user owns', () => {
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(jsonArgs(last('CMD')?.args ?? '[]')).toEqual(['node', 'src/main.js']);
    const build = stages.find((stage) =>
      stage.steps.some((step) => step.op === 'RUN' && /npm run build/.test(step.args)),
    );
    expect(build).toBeDefined();
    expect(
      stages
        .find((stage) => stage.name === from)
        ?.steps.some((step) => step.op === 'RUN' && /npm ci --omit=dev/.test(step.args)),
    ).toBe(true);
    // The state folder: declared a volume, made before USER and given to that user.
    expect(volumes).toEqual([`${workdir}/var`]);
    expect(userOwned).toEqual(volumes);
  });

  it('starts in the embedded default and in production mode, writing only into the volume', async () => {
    const root = await mkdtemp(join(tmpdir(), 'image-'));
    const app = join(root, 'app');
    const running: ChildProcess[] = [];
    try {
      // The build stage's output: `npm run build` as the image runs it, into a folder of its own.
      const built = join(root, 'dist');
      const compiled = spawnSync('npm', ['run', 'build', '--', '--outDir', built], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        timeout: 180_000,
      });
      expect(compiled.stderr).toBe('');
      expect(compiled.status).toBe(0);
      // The production-deps stage: production dependencies only.
      const production = join(root, 'node_modules');
      const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      }).stdout;
      const top = new Set(
        listed
          .split('\n')
          .map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1])
          .filter((name): name is string => name !== undefined),
      );
      for (const name of top)
        cpSync(join(PROJECT_ROOT, 'node_modules', name), join(production, name), {
          recursive: true,
          dereference: true,
        });
      expect(top.has('tsx')).toBe(false);
      expect(top.has('ioredis')).toBe(true);
      // The final stage's COPY lines, into the app folder (its WORKDIR).
      for (const step of final.steps.filter((s) => s.op === 'COPY')) {
        const parts = step.args.split(/\s+/);
        const stage = /^--from=(\S+)$/.exec(parts[0] as string)?.[1];
        const [source, target] = (stage === undefined ? parts : parts.slice(1)) as [string, string];
        const origin =
          stage === undefined
            ? join(PROJECT_ROOT, source)
            : stage === from
              ? production
              : source.replace(/^\/app\/dist\/?/, `${built}/`);
        // As COPY does: a file copied to a folder (`./`) keeps its name.
        const into = lstatSync(origin).isFile() && target.endsWith('/');
        cpSync(origin, join(app, target, into ? basename(origin) : ''), { recursive: true });
      }
      // Owned by root and read-only, as COPY leaves it; only the volume is the user's.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      chmodRecursive(root, 0o555, 0o444);
      // What the Dockerfile makes writable for its user (a volume keeps the image's ownership).
      for (const volume of userOwned) {
        const folder = join(app, relative(workdir, volume));
        mkdirSync(folder, { mode: 0o700 });
        if (asUser.uid !== undefined) chownSync(folder, asUser.uid, asUser.gid);
      }
      const state = join(app, 'var');

      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        ...Object.fromEntries(
          final.steps
            .filter((step) => step.op === 'ENV')
            .flatMap((step) => [...step.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
        ),
        // Loopback and a free port here, where the image listens on 0.0.0.0:4000.
        HOST: '127.0.0.1',
        PORT: '0',
        CATALOGUE_SYNC_INTERVAL_MS: '0',
      };
      const [command, ...args] = jsonArgs(last('CMD')?.args ?? '[]');
      expect(command).toBe('node');
      const start = async (extra: Record<string, string>) => {
        const child = spawn(process.execPath, args, {
          cwd: app,
          env: { ...env, ...extra },
          stdio: ['ignore', 'pipe', 'pipe'],
          ...asUser,
        });
        running.push(child);
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const deadline = Date.now() + 60_000;
        while (!/GraphQL\s+http:\/\/\S+\/graphql/.test(out)) {
          if (child.exitCode !== null || Date.now() > deadline)
            throw new Error(`the image's CMD did not start:\n${out}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const url = (/GraphQL\s+(http:\/\/\S+)\/graphql/.exec(out) as RegExpExecArray)[1] as string;
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      };

      await start({});
      // The embedded default also keeps its sync outbox there (the sample receiver's changes).
      expect(readdirSync(state).sort()).toEqual([
        'audit',
        'registry',
        'secrets.key',
        'sync-outbox',
      ]);

      await start({
        GATEWAY_MODE: 'production',
        REGISTRATIONS_DIR: 'examples/registrations',
        AGENCY_DIRECTORY: 'data/agencies.sample.yaml',
        API_KEYS_FILE: 'var/api-keys.json',
        AUDIT_DIR: 'var/audit',
        REGISTRY_DIR: 'var/registry',
        SECRETS_KEY_FILE: 'var/secrets.key',
        UPSTREAM_ALLOW: '127.0.0.0/8',
        // Values the bundled registrations refer to; nothing is called with catalogue sync off.
        SAMPLE_REST_URL: 'http://127.0.0.1:9',
        SAMPLE_MINISTRY_URL: 'http://127.0.0.1:9',
        SAMPLE_LAND_URL: 'http://127.0.0.1:9',
        SAMPLE_MERGED_URL: 'http://127.0.0.1:9',
        SAMPLE_REST_API_KEY: 'k',
        SAMPLE_MINISTRY_CLIENT_ID: 'c',
        SAMPLE_MINISTRY_CLIENT_SECRET: 's',
        SAMPLE_LAND_USER: 'u',
        SAMPLE_LAND_PASSWORD: 'p',
        SAMPLE_MERGED_API_KEY: 'k',
        SAMPLE_MERGED_CLIENT_ID: 'c',
        SAMPLE_REST_PUSH_SECRET: 'sixteen-characters-at-least',
        SAMPLE_MINISTRY_PUSH_SECRET: 'sixteen-characters-at-least',
      });
      expect(readdirSync(join(state, 'audit')).length).toBeGreaterThanOrEqual(4);
    } finally {
      for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
      chmodRecursive(root, 0o755, 0o644);
      await rm(root, { recursive: true, force: true });
    }
  }, 300_000);
});

/** Sets folders to `folders` and files to `files`, all the way down (symbolic links left alone). */
function chmodRecursive(path: string, folders: number, files: number): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) chmodRecursive(join(path, name), folders, files);
    chmodSync(path, folders);
  } else chmodSync(path, files);
}
