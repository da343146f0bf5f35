import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ministryDataset } from '../samples/ministry-national/startMinistryNational';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';
import type { SampleDataset } from '../samples/generator/SampleDataset';
import { startRedisServer, type RedisServer } from '../test/support/redisServer';
import { runLoadJob, type LoadResult } from './loadJob';
import { start, startSampleProcess, stopAll } from './processes';
import { LOOKUP_FIELDS } from './queries';

/**
 * `npm run bench:redis` (issue 17 §2): two production-mode gateways sharing one Redis (API keys,
 * registry, audit log, cache, rate limits) in front of the sample systems, all separate processes
 * on loopback, under 20 connections of lookups — on each replica 5 of cached lookups (50 codes
 * looked up beforehand, answered from the cache) and 5 of uncached ones (codes never asked before,
 * fetched from the provincial and ministry systems) — while Redis is stopped (SIGKILL, then
 * started again on the same port and append-only file) and then frozen (SIGSTOP, then SIGCONT).
 * Each phase (before, during, after) is one autocannon run per stream; every answer is checked
 * (a `dossier` without errors, `cached` as expected); /readyz of both replicas is read every second.
 *
 * Settings: OUTAGE_STOP_SECONDS (default 60), OUTAGE_FREEZE_SECONDS (15), OUTAGE_PHASE_SECONDS
 * (before and after, 15), OUTAGE_CONNECTIONS (per stream, 5). Figures print and go to
 * bench/results/redis-outage.md; recorded runs are in docs/BENCHMARKS.md.
 */
const ROOT = join(__dirname, '..');
const STOP_SECONDS = Number(process.env.OUTAGE_STOP_SECONDS ?? 60);
const FREEZE_SECONDS = Number(process.env.OUTAGE_FREEZE_SECONDS ?? 15);
const PHASE_SECONDS = Number(process.env.OUTAGE_PHASE_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.OUTAGE_CONNECTIONS ?? 5);
const SIZE = 30_000;
const SEED = 2026;
const PREFIX = 'bench-outage:';
const PHASES = ['before', 'during', 'after'] as const;
interface Stream {
  replica: 'A' | 'B';
  lookup: 'cached' | 'uncached';
  url: string;
  key: string;
  /** The bodies it sends in turn, per scenario and phase (uncached: never the same code twice). */
  bodies: (scenario: number, phase: number) => string[];
}

interface Row {
  scenario: string;
  phase: (typeof PHASES)[number];
  stream: Stream;
  result: LoadResult;
  /** /readyz samples of this stream's replica during the phase: degraded / all. */
  degraded: [number, number];
}

const body = (code: string) =>
  JSON.stringify({ query: `{ dossier(code: "${code}") { ${LOOKUP_FIELDS} } }` });

/** Codes of dossiers that exist (`skip` of them left out first). */
function codesOf(dataset: SampleDataset, count: number, skip = 0): string[] {
  const found: string[] = [];
  for (const code of dataset.codes()) {
    if (skip > 0) {
      skip -= 1;
      continue;
    }
    found.push(code);
    if (found.length === count) break;
  }
  return found;
}

/** An API key made with the gateway's own command line, in the Redis the gateways use. */
function createKey(redisUrl: string, name: string): string {
  const made = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--role', 'portal', '--name', name],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: PREFIX,
      },
      encoding: 'utf8',
    },
  );
  const key = /^(dvck_\S+)$/m.exec(made.stdout)?.[1];
  if (made.status !== 0 || key === undefined)
    throw new Error(`npm run keys failed: ${made.stdout}\n${made.stderr}`);
  return key;
}

async function runJob(stream: Stream, bodies: string[], seconds: number): Promise<LoadResult> {
  // The bodies go in a file: an uncached stream's list is too long for a command line.
  const folder = mkdtempSync(join(tmpdir(), 'outage-job-'));
  const bodiesFile = join(folder, 'bodies.json');
  writeFileSync(bodiesFile, JSON.stringify(bodies));
  try {
    return await runLoadJob({
      url: stream.url,
      body: bodies[0] as string,
      bodiesFile,
      connections: CONNECTIONS,
      durationSeconds: seconds,
      headers: { 'content-type': 'application/json', 'x-api-key': stream.key },
      verify: stream.lookup === 'cached' ? 'source:cached' : 'source:fetched',
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function degraded(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    return ((await response.json()) as { degraded: boolean }).degraded;
  } catch {
    return true;
  }
}

/** Reads /readyz of every replica each second until stopped: degraded samples / all, per replica. */
function sampleReadiness(urls: readonly string[]): () => Array<[number, number]> {
  const counts = urls.map((): [number, number] => [0, 0]);
  const timer = setInterval(() => {
    urls.forEach((url, index) => {
      void degraded(url).then((yes) => {
        const count = counts[index] as [number, number];
        count[0] += yes ? 1 : 0;
        count[1] += 1;
      });
    });
  }, 1000);
  return () => {
    clearInterval(timer);
    return counts;
  };
}

async function waitHealthy(urls: readonly string[], ms: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (!(await Promise.all(urls.map(degraded))).some(Boolean)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}

let redis: RedisServer | undefined;
let dataDir: string | undefined;

async function main(): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'bench-outage-redis-'));
  // Redis keeps its data across the restart, as a production Redis would (append-only file).
  const redisArgs = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dataDir];
  redis = await startRedisServer(redisArgs);
  const port = redis.port;
  const variables = await startSampleProcess(SIZE, SEED);
  const keys = ['A cached', 'A uncached', 'B cached', 'B uncached'].map((name) =>
    createKey((redis as RedisServer).url, `bench ${name}`),
  );
  const env = {
    ...variables,
    GATEWAY_MODE: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    REGISTRATIONS_DIR: 'examples/registrations',
    AGENCY_DIRECTORY: 'data/agencies.sample.yaml',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    SECRETS_KEY: `bench:${Buffer.alloc(32, 4).toString('base64')}`,
    UPSTREAM_ALLOW: '127.0.0.0/8',
    CATALOGUE_SYNC_INTERVAL_MS: '0',
    // The load is four principals far above a portal's real rate: the limit must not cut it.
    RATE_LIMITS: 'portal=100000',
  };
  const ready = /GraphQL\s+(http:\/\/\S+)\/graphql/;
  const urls: string[] = [];
  for (let i = 0; i < 2; i += 1)
    urls.push((await start(['src/main.ts'], env, ready)).match[1] as string);

  const datasets = [provincialDataset, ministryDataset].map((make) =>
    make({ size: SIZE, seed: SEED, directoryFile: DEFAULT_DIRECTORY_FILE }),
  ) as [SampleDataset, SampleDataset];
  // 50 codes per replica answered from its cache (looked up twice beforehand)…
  const cached = [0, 1].map((replica) => [
    ...codesOf(datasets[0], 25, replica * 25),
    ...codesOf(datasets[1], 25, replica * 25),
  ]);
  for (const [replica, codes] of cached.entries()) {
    for (const code of [...codes, ...codes]) {
      const answer = await fetch(`${urls[replica]}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': keys[replica * 2] as string },
        body: body(code),
      });
      if (!answer.ok) throw new Error(`warming ${code}: HTTP ${answer.status}`);
    }
  }
  // …and the rest, never asked before, shared out between the uncached streams and phases in
  // proportion to their length, so that no uncached code is asked twice.
  const fresh: string[] = [];
  const [provincial, ministry] = datasets.map((dataset) => codesOf(dataset, SIZE, 50));
  for (let i = 0; i < Math.max(provincial?.length ?? 0, ministry?.length ?? 0); i += 1) {
    if (provincial?.[i] !== undefined) fresh.push(provincial[i] as string);
    if (ministry?.[i] !== undefined) fresh.push(ministry[i] as string);
  }
  const scenarioSeconds = [
    [PHASE_SECONDS, STOP_SECONDS, PHASE_SECONDS],
    [PHASE_SECONDS, FREEZE_SECONDS, PHASE_SECONDS],
  ];
  const allSeconds = scenarioSeconds.flat().reduce((sum, s) => sum + s, 0);
  const sliceOf = (replica: number, scenario: number, phase: number): string[] => {
    const perReplica = Math.floor(fresh.length / 2);
    const before = scenarioSeconds.flat().slice(0, scenario * 3 + phase);
    const from = Math.floor((before.reduce((sum, s) => sum + s, 0) / allSeconds) * perReplica);
    const length = Math.floor(
      ((scenarioSeconds[scenario]?.[phase] as number) / allSeconds) * perReplica,
    );
    return fresh.slice(replica * perReplica + from, replica * perReplica + from + length);
  };
  const streams: Stream[] = [0, 1].flatMap((replica) => [
    {
      replica: replica === 0 ? 'A' : 'B',
      lookup: 'cached',
      url: `${urls[replica]}/graphql`,
      key: keys[replica * 2] as string,
      bodies: () => (cached[replica] as string[]).map(body),
    },
    {
      replica: replica === 0 ? 'A' : 'B',
      lookup: 'uncached',
      url: `${urls[replica]}/graphql`,
      key: keys[replica * 2 + 1] as string,
      bodies: (scenario, phase) => sliceOf(replica, scenario, phase).map(body),
    },
  ]);

  const faults = [
    {
      name: `Redis stopped ${STOP_SECONDS} s`,
      begin: () => (redis as RedisServer).stop(),
      end: async () => {
        redis = await startRedisServer(redisArgs, port);
      },
    },
    {
      name: `Redis frozen ${FREEZE_SECONDS} s (SIGSTOP)`,
      begin: async () => void (redis as RedisServer).process.kill('SIGSTOP'),
      end: async () => void (redis as RedisServer).process.kill('SIGCONT'),
    },
  ];
  const rows: Row[] = [];
  const recovered: string[] = [];
  for (const [scenario, fault] of faults.entries()) {
    if ((await waitHealthy(urls, 30_000)) === null) throw new Error('the replicas stay degraded');
    for (const [phase, name] of PHASES.entries()) {
      const seconds = scenarioSeconds[scenario]?.[phase] as number;
      process.stdout.write(`${fault.name}: ${name} (${seconds} s)…\n`);
      if (name === 'during') await fault.begin();
      const stopSampling = sampleReadiness(urls);
      const recovery = name === 'after' ? waitHealthy(urls, seconds * 1000) : Promise.resolve(null);
      const results = await Promise.all(
        streams.map((stream) => runJob(stream, stream.bodies(scenario, phase), seconds)),
      );
      const samples = stopSampling();
      if (name === 'during') await fault.end();
      if (name === 'after') {
        const ms = await recovery;
        recovered.push(
          `${fault.name}: both replicas no longer degraded ${ms === null ? 'not within the phase' : `${(ms / 1000).toFixed(1)} s after Redis was back`}`,
        );
      }
      streams.forEach((stream, index) =>
        rows.push({
          scenario: fault.name,
          phase: name,
          stream,
          result: results[index] as LoadResult,
          degraded: samples[stream.replica === 'A' ? 0 : 1] as [number, number],
        }),
      );
    }
  }
  const report = reportOf(rows, recovered);
  process.stdout.write(`\n${report}\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'redis-outage.md'), `${report}\n`);
}

function reportOf(rows: readonly Row[], recovered: readonly string[]): string {
  const lines = [
    `Two replicas, ${CONNECTIONS * 4} connections (${CONNECTIONS} per replica and lookup kind), phases of ${PHASE_SECONDS} s before and after.`,
    '',
    '| fault | phase | replica | lookup | requests | answered | failed (by HTTP status) | p50 ms | p99 ms | /readyz degraded |',
    '| ----- | ----- | :-----: | ------ | -------: | -------: | ----------------------- | -----: | -----: | ---------------: |',
  ];
  for (const { scenario, phase, stream, result, degraded } of rows) {
    const failedStatuses = Object.entries(result.statusCodes)
      .filter(([status]) => status !== '200')
      .map(([status, count]) => `${count} × ${status}`);
    // Every answer is checked: a non-2xx one fails the check too, so `mismatches` counts every
    // answer that was not a right one; `errors` (timeouts included) got no answer at all.
    const failed = result.mismatches + result.errors;
    const answered = result.total - result.mismatches;
    const wrong = result.mismatches - result.non2xx;
    const detail = [
      ...failedStatuses,
      ...(wrong > 0 ? [`${wrong} wrong answers`] : []),
      ...(result.errors > 0 ? [`${result.errors} without answer`] : []),
    ];
    lines.push(
      `| ${scenario} | ${phase} | ${stream.replica} | ${stream.lookup} | ${result.total} | ${answered} | ${failed}${detail.length > 0 ? ` (${detail.join(', ')})` : ''} | ${result.p50} | ${result.p99} | ${degraded[0]} / ${degraded[1]} |`,
    );
  }
  return [...lines, '', ...recovered].join('\n');
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    stopAll();
    redis?.process.kill('SIGCONT');
    await redis?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });
