import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { landDataset } from '../samples/land-soap/startLandSoap';
import { ministryDataset } from '../samples/ministry-national/startMinistryNational';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { Random } from '../samples/generator/random';
import type { SampleDataset } from '../samples/generator/SampleDataset';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';
import type { ReceivedSummary } from '../samples/sync-receiver/startSyncReceiver';
import { RedisApiKeyStore } from '../src/auth/RedisApiKeyStore';
import { parseStandardDossierCode } from '../src/domain/dossierCode';
import { sampleRegistrationsWith } from '../test/support/registrations';
import { freePort, startRedisServer, type RedisServer } from '../test/support/redisServer';
import { children, start, startSampleProcess, stopAll } from './processes';

/**
 * `npm run bench:changes` (issue 21, "done when"): the lag from a status change in a sample
 * system to its delivery at the sync receiver, with 10,000 open dossiers across the three sample
 * systems, and the calls per minute the change feed puts on each system.
 *
 * Per run, all separate processes on loopback: the three sample systems and the sample sync
 * receiver (samples/main.ts, pushing to the gateway), a redis-server of its own (append-only, the
 * outbox on it), one production-mode gateway (compiled) with CHANGE_POLLS on and the sync bridge
 * pointed at the receiver (API key and HMAC). Warm-up: the gateway looks up BENCH_CHANGE_OPEN
 * open dossiers (status not 3, 7, 8, 10; distinct, picked at random from the deterministic
 * datasets, each system's share in proportion to its open dossiers), 100 per `dossiers(codes)`,
 * until the receiver has every one (first sight). Then, for
 * BENCH_CHANGE_SECONDS, BENCH_CHANGE_RATE distinct open dossiers a second change status through
 * the samples' control route (an official's screen), the time of each noted; then at most
 * BENCH_CHANGE_WAIT_SECONDS for their deliveries. Lag = the receiver's `receivedAt` of the first
 * record of the code in a new state (the status set, or what the system reports of it) − when the
 * change was made. Load = each system's API
 * calls during the measurement (`/__sample/stats`), polls' calls (`X-Request-Id: changes-…`)
 * apart.
 *
 * Two runs: the bundled registrations (examples/registrations), then the land registration tuned
 * to poll more (BENCH_CHANGE_TUNED_EVERY s, BENCH_CHANGE_TUNED_PER_POLL rechecked a poll), fresh
 * processes each. BENCH_CHANGE_RUNS=bundled (or tuned) runs one. Figures print and go to
 * bench/results/change-lag.md; a recorded run is in docs/BENCHMARKS.md.
 */
const ROOT = join(__dirname, '..');
const env = process.env;
const SECONDS = Number(env.BENCH_CHANGE_SECONDS ?? 120);
const RATE = Number(env.BENCH_CHANGE_RATE ?? 5);
const WAIT_SECONDS = Number(env.BENCH_CHANGE_WAIT_SECONDS ?? 60);
const OPEN = Number(env.BENCH_CHANGE_OPEN ?? 10_000);
/** Dossiers per sample system: 14,000 gives about 11,500 open of the standard form in all. */
const SIZE = Number(env.BENCH_CHANGE_SIZE ?? 14_000);
const TUNED_EVERY = Number(env.BENCH_CHANGE_TUNED_EVERY ?? 10);
const TUNED_PER_POLL = Number(env.BENCH_CHANGE_TUNED_PER_POLL ?? 1000);
const RUNS = (env.BENCH_CHANGE_RUNS ?? 'bundled,tuned').split(',').map((name) => name.trim());
const SEED = 2121;
const PREFIX = 'bench-changes:';
const METRICS_TOKEN = 'bench-changes-metrics-token';
const SETTLED = new Set([3, 7, 8, 10]);
/** What an official does next to a dossier of each open status (national codes). */
const NEXT_STATUS: Record<number, number> = { 1: 2, 2: 4, 4: 5, 5: 4, 6: 4, 9: 10 };

interface System {
  /** Registration id. */
  id: string;
  name: string;
  file: string;
  variable: string;
  dataset: SampleDataset;
  url: string;
}

interface Change {
  system: System;
  code: string;
  status: number;
  /** The status before. */
  before: number;
  /** When it was made (ms since the epoch, taken just before the control request). */
  at: number;
  failed: string | null;
}

interface Outcome {
  change: Change;
  /** ms, null when not delivered within the wait. */
  lag: number | null;
  source: string | null;
  /** Its record's status, when not the one set (what the system reports of it). */
  otherStatus: string | null;
}

interface Load {
  attempts: number;
  pollAttempts: number;
  polls: Record<string, number>;
}

interface RunResult {
  name: string;
  description: string;
  warmupSeconds: number;
  warmupReceived: number;
  outcomes: Outcome[];
  load: Map<string, Load>;
  measuredSeconds: number;
  waitedSeconds: number;
  /** Per system: how its registration polls (for the expected cycle). */
  changes: Map<string, { everySeconds: number; perPoll: number | null; how: string }>;
  openBySystem: Map<string, number>;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
/** The lags of the changes delivered, in ms, sorted. */
const deliveredLags = (outcomes: Outcome[]) =>
  outcomes
    .map((o) => o.lag)
    .filter((lag): lag is number => lag !== null)
    .sort((a, b) => a - b);

/**
 * A percentile of the lag, measured only when the changes not delivered cannot be below it
 * (each waited at least `waitedSeconds`): otherwise its lower bound.
 */
function lagAt(outcomes: Outcome[], p: number, waitedSeconds: number): string {
  const lags = deliveredLags(outcomes);
  if (lags.length === 0) return '–';
  return outcomes.length - lags.length > outcomes.length * (1 - p / 100)
    ? `> ${waitedSeconds.toFixed(0)} s`
    : seconds(percentile(lags, p));
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

async function main(): Promise<void> {
  const make = { provincial: provincialDataset, ministry: ministryDataset, land: landDataset };
  const options = { size: SIZE, seed: SEED, directoryFile: DEFAULT_DIRECTORY_FILE };
  const systems = [
    ['thanh-hoa-motcua', 'provincial (REST, pushes)', 'thanh-hoa-motcua.yaml', 'SAMPLE_REST_URL'],
    [
      'bo-noi-vu-dvc',
      'ministry (national sync, pushes codes)',
      'bo-noi-vu-dvc.yaml',
      'SAMPLE_MINISTRY_URL',
    ],
    ['thanh-hoa-datdai', 'land (SOAP, cannot push)', 'thanh-hoa-datdai.yaml', 'SAMPLE_LAND_URL'],
  ].map(([id, name, file, variable], i) => ({
    id: id as string,
    name: name as string,
    file: file as string,
    variable: variable as string,
    dataset: Object.values(make)[i]!(options),
    url: '',
  })) as System[];

  // The open dossiers the gateway learns: picked at random, from each system in proportion to
  // the open dossiers it holds.
  const random = new Random(SEED);
  const candidates = new Map<System, string[]>();
  for (const system of systems) {
    const codes: string[] = [];
    for (const code of system.dataset.codes()) {
      const status = system.dataset.get(code)?.status ?? 3;
      // The bundled registrations route codes of the standard form only (not the ministry
      // system's own `G09.22-20260609-0000137`: examples/runtime/ routes those).
      if (!SETTLED.has(status) && parseStandardDossierCode(code) !== null) codes.push(code);
    }
    shuffle(codes, random);
    candidates.set(system, codes);
  }
  const available = systems.reduce((sum, s) => sum + (candidates.get(s) as string[]).length, 0);
  if (available < OPEN)
    throw new Error(
      `the sample systems hold ${available} open dossiers at BENCH_CHANGE_SIZE=${SIZE}; ${OPEN} needed: raise the size`,
    );
  const open = new Map<System, string[]>();
  let taken = 0;
  for (const [i, system] of systems.entries()) {
    const codes = candidates.get(system) as string[];
    const share =
      i === systems.length - 1 ? OPEN - taken : Math.round((OPEN * codes.length) / available);
    open.set(system, codes.slice(0, share));
    taken += share;
  }
  process.stdout.write(
    `${OPEN} open dossiers: ${systems.map((s) => `${s.id} ${open.get(s)?.length}`).join(', ')} (of ${SIZE} per system; open in all: ${systems.map((s) => candidates.get(s)?.length).join(', ')})\n`,
  );

  const results: RunResult[] = [];
  for (const name of RUNS) {
    if (name !== 'bundled' && name !== 'tuned') throw new Error(`unknown run ${name}`);
    results.push(await run(name, systems, open, random));
  }
  const report = render(results);
  process.stdout.write(`\n${report}`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'change-lag.md'), report);
  const failed = results.flatMap((r) => r.outcomes).filter((o) => o.change.failed !== null);
  if (failed.length > 0)
    throw new Error(`${failed.length} changes could not be made: ${failed[0]?.change.failed}`);
}

async function run(
  name: 'bundled' | 'tuned',
  systems: System[],
  open: Map<System, string[]>,
  random: Random,
): Promise<RunResult> {
  const description =
    name === 'bundled'
      ? 'the bundled registrations (examples/registrations)'
      : `land tuned: changes every ${TUNED_EVERY} s, recheck ${TUNED_PER_POLL} a poll`;
  process.stdout.write(`\n== Run: ${description}\n`);
  const registrations =
    name === 'bundled'
      ? join(ROOT, 'examples', 'registrations')
      : await sampleRegistrationsWith({
          'thanh-hoa-datdai': {
            'changes.everySeconds': TUNED_EVERY,
            'changes.recheck.perPoll': TUNED_PER_POLL,
          },
        });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-changes-redis-'));
  let redis: RedisServer | undefined;
  const stops: Array<() => Promise<void>> = [];
  try {
    redis = await startRedisServer([
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--dir',
      dataDir,
    ]);
    // The gateway's port is chosen first: the sample systems push to it from their start.
    const port = await freePort();
    const gatewayUrl = `http://127.0.0.1:${port}`;
    const samples = await startSampleProcess(SIZE, SEED, {
      env: { SAMPLE_GATEWAY_URL: gatewayUrl },
      sync: true,
    });
    stops.push(stopper(children.at(-1)));
    for (const system of systems) system.url = samples[system.variable] as string;
    const receiver = (samples.SAMPLE_SYNC_URL as string).replace(/\/api\/DongBoHoSoMC$/, '');
    const keys = new RedisApiKeyStore(redis.url, PREFIX);
    const key = (
      await keys.create({ name: 'bench', role: 'portal', createdBy: 'bench' }, new Date())
    ).key;
    await keys.close();
    const gateway = await start(
      ['src/main.ts'],
      {
        ...samples,
        GATEWAY_MODE: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        REGISTRATIONS_DIR: registrations,
        AGENCY_DIRECTORY: 'data/agencies.sample.yaml',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: PREFIX,
        REGISTRY_DIR: '',
        AUDIT_DIR: '',
        SECRETS_KEY: `bench:${Buffer.alloc(32, 5).toString('base64')}`,
        UPSTREAM_ALLOW: '127.0.0.0/8',
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        RATE_LIMITS: 'portal=100000',
        CHANGE_POLLS: 'true',
        METRICS_TOKEN,
      },
      /GraphQL\s+(http:\/\/\S+)\/graphql/,
    );
    stops.push(stopper(gateway.child));
    const changes = new Map(
      systems.map((system) => [system.id, pollingOf(join(registrations, system.file))]),
    );

    // Warm-up: the gateway learns the open dossiers by lookups; each is delivered as first seen.
    const all = systems.flatMap((system) => open.get(system) as string[]);
    const warmStart = Date.now();
    await lookUp(gatewayUrl, key, all);
    const lookedUp = Date.now() - warmStart;
    let received = 0;
    const warmDeadline = Date.now() + 300_000;
    for (;;) {
      const summary = await receivedBy(receiver);
      received = all.filter((code) => (summary.dossiers[code]?.length ?? 0) > 0).length;
      if (received === all.length) break;
      if (Date.now() > warmDeadline)
        throw new Error(`warm-up: the receiver has ${received} of ${all.length} after 300 s`);
      await sleep(2000);
    }
    const warmupMs = Date.now() - warmStart;
    process.stdout.write(
      `Warm-up: ${all.length} dossiers looked up in ${seconds(lookedUp)}; the receiver had all ${received} (first sight) ${seconds(warmupMs)} after the first lookup\n`,
    );

    // Measurement: distinct open dossiers change at RATE a second, across the three systems.
    const pool = systems.flatMap((system) =>
      (open.get(system) as string[]).map((code) => ({ system, code })),
    );
    shuffle(pool, random);
    const total = Math.round(SECONDS * RATE);
    if (total > pool.length) throw new Error(`${total} changes need more open dossiers`);
    for (const system of systems) await statsOf(system.url, true);
    const pollsBefore = await pollCounts(gatewayUrl);
    process.stdout.write(`Changing ${total} dossiers over ${SECONDS} s (${RATE}/s)…\n`);
    const made: Change[] = [];
    const requests: Array<Promise<void>> = [];
    const measureStart = Date.now();
    for (let i = 0; i < total; i += 1) {
      const due = measureStart + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      const { system, code } = pool[i] as { system: System; code: string };
      const before = system.dataset.get(code)?.status as number;
      const change: Change = {
        system,
        code,
        status: NEXT_STATUS[before] as number,
        before,
        at: Date.now(),
        failed: null,
      };
      made.push(change);
      requests.push(setStatus(change));
    }
    const measureEnd = Math.max(Date.now(), measureStart + SECONDS * 1000);
    if (measureEnd > Date.now()) await sleep(measureEnd - Date.now());
    const measuredSeconds = (Date.now() - measureStart) / 1000;
    const load = new Map<string, Load>();
    const pollsAfter = await pollCounts(gatewayUrl);
    for (const system of systems) {
      const stats = await statsOf(system.url, false);
      const polls: Record<string, number> = {};
      for (const [label, count] of pollsAfter)
        if (label.startsWith(`${system.id}|`))
          polls[label.split('|')[1] as string] = count - (pollsBefore.get(label) ?? 0);
      load.set(system.id, { attempts: stats.attempts, pollAttempts: stats.pollAttempts, polls });
    }
    await Promise.all(requests);

    // Deliveries: waited for, at most WAIT_SECONDS after the last change.
    const waitStart = Date.now();
    let outcomes = outcomesOf(made, await receivedBy(receiver));
    while (outcomes.some((o) => o.lag === null && o.change.failed === null)) {
      if (Date.now() - waitStart > WAIT_SECONDS * 1000) break;
      await sleep(2000);
      outcomes = outcomesOf(made, await receivedBy(receiver));
    }
    const waitedSeconds = (Date.now() - waitStart) / 1000;
    const missing = outcomes.filter((o) => o.lag === null).length;
    process.stdout.write(
      `${made.length - missing} of ${made.length} changes delivered (waited ${waitedSeconds.toFixed(0)} s after the last)\n`,
    );
    return {
      name,
      description,
      warmupSeconds: warmupMs / 1000,
      warmupReceived: received,
      outcomes,
      load,
      measuredSeconds,
      waitedSeconds,
      changes,
      openBySystem: new Map(systems.map((s) => [s.id, (open.get(s) as string[]).length])),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (name === 'tuned') await rm(registrations, { recursive: true, force: true });
  }
}

/** Stops a process started here (SIGTERM) and waits for it to exit. */
function stopper(child: ChildProcess | undefined): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null)
        return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** How a registration file polls: every so many seconds, so many rechecked a poll. */
function pollingOf(file: string): { everySeconds: number; perPoll: number | null; how: string } {
  const document = parseYaml(readFileSync(file, 'utf8')) as {
    changes?: {
      everySeconds?: number;
      modified?: unknown;
      listing?: unknown;
      recheck?: { perPoll?: number };
    };
    push?: unknown;
  };
  const changes = document.changes ?? {};
  const ways = [
    document.push === undefined ? null : 'push',
    changes.modified === undefined ? null : 'modified',
    changes.listing === undefined ? null : 'listing',
    changes.recheck === undefined ? null : `recheck ${changes.recheck.perPoll ?? 100}`,
  ].filter((way): way is string => way !== null);
  const everySeconds = changes.everySeconds ?? 60;
  return {
    everySeconds,
    perPoll: changes.recheck === undefined ? null : (changes.recheck.perPoll ?? 100),
    how: `${ways.join(' + ')}${document.changes === undefined ? '' : `, every ${everySeconds} s`}`,
  };
}

async function lookUp(gatewayUrl: string, key: string, codes: string[]): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < codes.length; i += 100) batches.push(codes.slice(i, i + 100));
  const worker = async () => {
    for (let batch = batches.shift(); batch !== undefined; batch = batches.shift()) {
      const response = await fetch(`${gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          query:
            'query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { status { code } } error { code message } } }',
          variables: { codes: batch },
        }),
      });
      const body = (await response.json()) as {
        data?: { dossiers: Array<{ code: string; dossier: unknown; error: unknown }> };
      };
      const bad = body.data?.dossiers.find((item) => item.error !== null || item.dossier === null);
      if (
        body.data === undefined ||
        bad !== undefined ||
        body.data.dossiers.length !== batch.length
      )
        throw new Error(`warm-up lookup failed: ${JSON.stringify(bad ?? body).slice(0, 400)}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

async function receivedBy(receiver: string): Promise<ReceivedSummary> {
  const response = await fetch(`${receiver}/__sample/received`);
  if (!response.ok) throw new Error(`receiver: HTTP ${response.status}`);
  return (await response.json()) as ReceivedSummary;
}

async function statsOf(
  url: string,
  reset: boolean,
): Promise<{ attempts: number; pollAttempts: number }> {
  const response = await fetch(`${url}/__sample/stats${reset ? '?reset=1' : ''}`);
  return (await response.json()) as { attempts: number; pollAttempts: number };
}

/** `dvcgw_change_polls_total` by `<connector>|<outcome>`. */
async function pollCounts(gatewayUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${gatewayUrl}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  if (!response.ok) throw new Error(`/metrics: HTTP ${response.status}`);
  const counts = new Map<string, number>();
  for (const match of (await response.text()).matchAll(
    /^dvcgw_change_polls_total\{([^}]*)\} (\S+)$/gm,
  )) {
    const labels = match[1] as string;
    const connector = /connector="([^"]+)"/.exec(labels)?.[1];
    const outcome = /outcome="([^"]+)"/.exec(labels)?.[1];
    counts.set(`${connector}|${outcome}`, Number(match[2]));
  }
  return counts;
}

async function setStatus(change: Change): Promise<void> {
  try {
    const response = await fetch(
      `${change.system.url}/__sample/dossiers/${encodeURIComponent(change.code)}/status`,
      { method: 'POST', body: JSON.stringify({ status: change.status }) },
    );
    if (!response.ok) change.failed = `HTTP ${response.status}: ${await response.text()}`;
    else await response.arrayBuffer();
  } catch (error) {
    change.failed = (error as Error).message;
  }
}

/**
 * Each change's delivery: the first record of its dossier in a state the receiver had not had
 * before the change was made. Its status is the one set, or what the system reports of it (the
 * provincial system's former district desks report 5 and 6 as 4; some of its local statuses have
 * no national code).
 */
function outcomesOf(made: Change[], summary: ReceivedSummary): Outcome[] {
  return made.map((change) => {
    const records = summary.dossiers[change.code] ?? [];
    const known = new Set(
      records.filter((record) => record.receivedAt < change.at).map((record) => record.key),
    );
    const first = records.find(
      (record) => record.receivedAt >= change.at && !known.has(record.key),
    );
    if (first === undefined) return { change, lag: null, source: null, otherStatus: null };
    return {
      change,
      lag: first.receivedAt - change.at,
      source: first.source,
      otherStatus: first.status === String(change.status) ? null : String(first.status),
    };
  });
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

function render(results: RunResult[]): string {
  const lines = [
    `# Change-to-delivery lag (${new Date().toISOString()})`,
    '',
    `${OPEN} open dossiers known to the gateway across the three sample systems (${SIZE} dossiers per system),`,
    `${RATE} status changes a second for ${SECONDS} s (each a different dossier, at random across the systems), then at most`,
    `${WAIT_SECONDS} s to deliver them. Lag: from the change in the system to the sample receiver's`,
    'arrival of the record with the new status. Calls: API calls each system received during the',
    'measurement, per minute (polls: `X-Request-Id: changes-…`; the rest: reads after codes-only pushes).',
  ];
  for (const result of results) {
    lines.push(
      '',
      `## ${result.name}: ${result.description}`,
      '',
      `Warm-up: ${result.warmupReceived} dossiers first seen at the receiver ${result.warmupSeconds.toFixed(1)} s after the first lookup.`,
      '',
      '| system | how it is read | changes | delivered | not within the wait | p50 | p99 | max delivered | found by | calls/min | of them polls | polls (ok/incomplete) |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    );
    const groups: Array<[string, Outcome[]]> = [
      ...[...result.load.keys()].map(
        (id) =>
          [id, result.outcomes.filter((o) => o.change.system.id === id)] as [string, Outcome[]],
      ),
      ['all', result.outcomes],
    ];
    const minutes = result.measuredSeconds / 60;
    for (const [id, outcomes] of groups) {
      const lags = deliveredLags(outcomes);
      const missing = outcomes.length - lags.length;
      const at = (p: number) => lagAt(outcomes, p, result.waitedSeconds);
      const sources = new Map<string, number>();
      for (const o of outcomes)
        if (o.source !== null) sources.set(o.source, (sources.get(o.source) ?? 0) + 1);
      const load = result.load.get(id);
      const calls = load === undefined ? [...result.load.values()] : [load];
      const attempts = calls.reduce((sum, l) => sum + l.attempts, 0);
      const pollAttempts = calls.reduce((sum, l) => sum + l.pollAttempts, 0);
      const polls = calls.reduce(
        (sum, l) => [sum[0] + (l.polls.ok ?? 0), sum[1] + (l.polls.incomplete ?? 0)],
        [0, 0],
      );
      lines.push(
        `| ${id} | ${id === 'all' ? '' : result.changes.get(id)?.how} | ${outcomes.length} | ${lags.length} | ${missing} | ${at(50)} | ${at(99)} | ${lags.length === 0 ? '–' : seconds(lags.at(-1) as number)} | ${[...sources].map(([s, n]) => `${s} ${n}`).join(', ') || '–'} | ${(attempts / minutes).toFixed(0)} | ${(pollAttempts / minutes).toFixed(0)} | ${polls[0]}/${polls[1]} |`,
      );
    }
    const other = result.outcomes.filter((o) => o.otherStatus !== null);
    if (other.length > 0) {
      const kinds = new Map<string, number>();
      for (const o of other) {
        const kind = `${o.change.system.id}: ${o.change.before} → ${o.change.status} arrived as ${o.otherStatus}`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      lines.push(
        '',
        `${other.length} changes arrived with another status than the one set (the system's own report of it):`,
        ...[...kinds].map(([kind, count]) => `- ${kind} (${count})`),
        '',
        "By design of the samples: the provincial system's former district desks (`.22.H56`) report 5",
        'and 6 as 4, and its "interoperating" and "posting" have no national code (no',
        "`TrangThaiHoSo`); the land system's district branches (`.21.12.H56`) report 5, 6 and 8 as 9.",
      );
    }
    lines.push(
      '',
      'Recheck rotation (every open dossier looked up once): open ÷ per poll × interval:',
    );
    for (const [id, polling] of result.changes)
      if (polling.perPoll !== null) {
        const openCount = result.openBySystem.get(id) as number;
        const cycle = Math.ceil(openCount / polling.perPoll) * polling.everySeconds;
        lines.push(
          `- ${id}: ${openCount} ÷ ${polling.perPoll} × ${polling.everySeconds} s = ${cycle} s (${(cycle / 60).toFixed(1)} min)`,
        );
      }
  }
  const [bundled, tuned] = ['bundled', 'tuned'].map((name) => results.find((r) => r.name === name));
  if (bundled !== undefined && tuned !== undefined) {
    const land = (result: RunResult) => {
      const outcomes = result.outcomes.filter((o) => o.change.system.id === 'thanh-hoa-datdai');
      const polling = result.changes.get('thanh-hoa-datdai');
      const openCount = result.openBySystem.get('thanh-hoa-datdai') as number;
      return {
        made: outcomes.length,
        delivered: deliveredLags(outcomes).length,
        p50: lagAt(outcomes, 50, result.waitedSeconds),
        p99: lagAt(outcomes, 99, result.waitedSeconds),
        perMinute:
          (result.load.get('thanh-hoa-datdai') as Load).attempts / (result.measuredSeconds / 60),
        cycle:
          polling?.perPoll == null
            ? NaN
            : Math.ceil(openCount / polling.perPoll) * polling.everySeconds,
      };
    };
    const [a, b] = [land(bundled), land(tuned)];
    lines.push(
      '',
      '## Trade-off for the land system (cannot push)',
      '',
      '| land registration | recheck rotation | delivered within the wait | p50 | p99 | calls/min |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      `| bundled | ${a.cycle} s | ${a.delivered}/${a.made} | ${a.p50} | ${a.p99} | ${a.perMinute.toFixed(0)} |`,
      `| tuned | ${b.cycle} s | ${b.delivered}/${b.made} | ${b.p50} | ${b.p99} | ${b.perMinute.toFixed(0)} |`,
      '',
      `Tuned, the land system gets ${(b.perMinute / a.perMinute).toFixed(1)}× the calls a minute; its rotation is ${(a.cycle / b.cycle).toFixed(1)}× shorter.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
