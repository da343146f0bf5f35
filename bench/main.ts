import { spawn } from 'node:child_process';
import { runLoadJob, type LoadResult } from './loadJob';
import { productionGateway, start, startSampleProcess, stopAll } from './processes';
import { LOOKUP_FIELDS, median } from './queries';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { landDataset } from '../samples/land-soap/startLandSoap';
import { ministryDataset } from '../samples/ministry-national/startMinistryNational';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';
import type { SampleDataset } from '../samples/generator/SampleDataset';
import { sampleRegistrationsWith } from '../test/support/registrations';
import { startRedisServer } from '../test/support/redisServer';

/**
 * `npm run bench`: every server under test and the load generator (autocannon) run as separate
 * processes on loopback; runs of the compared servers are interleaved (A B C D, A B C D, …) so that
 * machine noise hits all of them; every answer is checked (a fast wrong answer fails the run).
 *
 * Settings: BENCH_SECONDS per run (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (50).
 */
const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SIZE = 3000;
const SEED = 2025;

/** Sent with every request to the gateways (the bench's API key, set in main). */
const REQUEST_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

interface Scenario {
  name: string;
  url: string;
  body: string;
  /** Bodies sent in turn instead of `body`: distinct codes, so that no cache or coalescing helps. */
  bodies?: string[];
  expectBody?: string;
  verify?: string;
  /** Connections of this scenario's load; default BENCH_CONNECTIONS. */
  connections?: number;
  /** Load run at the same time on the same gateway, not measured (other callers' traffic). */
  background?: { bodies: string[]; connections: number };
  /** A process whose resident memory is sampled during the runs (the gateway under test). */
  pid?: number;
  results: LoadResult[];
  /** Highest resident memory sampled during the runs, MB. */
  peakRss?: number;
  /** A sample system whose calls during the measured runs are counted (`calls`, `codes`). */
  upstream?: string;
  calls?: number;
  codes?: number;
}

/** Resident memory of a process in MB, from /proc. */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function runLoad(scenario: Scenario, seconds: number): Promise<LoadResult> {
  const pid = scenario.pid;
  const sampler =
    pid === undefined
      ? undefined
      : setInterval(() => {
          scenario.peakRss = Math.max(scenario.peakRss ?? 0, rss(pid));
        }, 250);
  const [result] = await Promise.all([
    runJob(scenario, seconds),
    ...(scenario.background === undefined
      ? []
      : [
          runJob(
            {
              name: `${scenario.name} (background)`,
              url: scenario.url,
              body: '',
              bodies: scenario.background.bodies,
              connections: scenario.background.connections,
              results: [],
            },
            seconds,
          ),
        ]),
  ]);
  if (sampler !== undefined) clearInterval(sampler);
  return result;
}

function runJob(scenario: Scenario, seconds: number): Promise<LoadResult> {
  return runLoadJob({
    url: scenario.url,
    body: scenario.body,
    bodies: scenario.bodies,
    connections: scenario.connections ?? CONNECTIONS,
    durationSeconds: seconds,
    headers: REQUEST_HEADERS,
    expectBody: scenario.expectBody,
    verify: scenario.verify,
  });
}

async function post(url: string, body: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: REQUEST_HEADERS,
    body,
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

async function stats(url: string): Promise<{
  bulkCalls: number;
  singleCalls: number;
  codesRequested: number;
  tokenRequests: number;
}> {
  return (await fetch(`${url}/__sample/stats`)).json() as never;
}

/** Returned dossiers (cached a day) not sent by post (the provincial system's "posting" is unmapped, cached a minute). */
function returnedCodes(dataset: SampleDataset, count: number): string[] {
  const found: string[] = [];
  for (const code of dataset.codes()) {
    const dossier = dataset.get(code);
    if (dossier?.status === 10 && dossier.channel !== 3) found.push(code);
    if (found.length === count) break;
  }
  return found;
}

async function main(): Promise<void> {
  const startSamples = () => startSampleProcess(SIZE, SEED);
  const variables = await startSamples();
  // A second copy of the three systems, whose land system will hang.
  const hangingVariables = await startSamples();
  // Production mode: one portal key; the load is one principal far above a portal's real rate,
  // so its limit must not cut it.
  const production = await productionGateway(variables, 'portal');
  REQUEST_HEADERS['x-api-key'] = production.key;
  const gatewayEnv = { ...production.env, RATE_LIMITS: 'portal=10000000' };
  const ready = /GraphQL\s+(http:\/\/\S+)\/graphql/;
  const cachedProcess = await start(['src/main.ts'], { ...gatewayEnv, CACHE: 'memory' }, ready);
  const cachedGateway = cachedProcess.match[1] as string;
  const cachedPid = cachedProcess.child.pid as number;
  const idleRss = rss(cachedPid);
  // The same gateway on Redis (its own redis-server): cache in Redis behind the in-process LRU,
  // rate limits counted in Redis; keys, audit and registry stay in files as above.
  const redis = await startRedisServer();
  stopRedis = () => redis.stop();
  const redisGateway = (
    await start(['src/main.ts'], { ...gatewayEnv, REDIS_URL: redis.url, CACHE: 'redis' }, ready)
  ).match[1] as string;
  // The hand-written baseline for uncached lookups: Apollo Server 5 + axios, same upstream.
  const baseline = (
    await start(['bench/apolloAxiosBaseline.ts'], variables, /BASELINE (http:\/\/\S+)\n/)
  ).match[1] as string;
  const uncachedGateway = (await start(['src/main.ts'], { ...gatewayEnv, CACHE: 'none' }, ready))
    .match[1] as string;
  const hangingGateway = (
    await start(['src/main.ts'], { ...gatewayEnv, ...hangingVariables, CACHE: 'none' }, ready)
  ).match[1] as string;
  // The same, with the land system's circuit breaker kept shut (it needs 1000 calls/s to open):
  // the healthy systems are then protected by the land connector's timeouts and bulkhead alone.
  const noBreaker = await sampleRegistrationsWith({
    'thanh-hoa-datdai': { 'upstream.resilience': { breakerMinimumRps: 1000 } },
  });
  const hangingNoBreakerGateway = (
    await start(
      ['src/main.ts'],
      { ...gatewayEnv, ...hangingVariables, CACHE: 'none', REGISTRATIONS_DIR: noBreaker },
      ready,
    )
  ).match[1] as string;
  const hang = await fetch(`${hangingVariables.SAMPLE_LAND_URL}/__sample/faults`, {
    method: 'POST',
    body: JSON.stringify({ hang: true }),
  });
  if (!hang.ok) throw new Error(`cannot make the land system hang: ${await hang.text()}`);

  const provincial = provincialDataset({
    size: SIZE,
    seed: SEED,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  const ministry = ministryDataset({
    size: SIZE,
    seed: SEED,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  const [lookupCode] = returnedCodes(provincial, 1);
  const batchCodes = [...returnedCodes(provincial, 25), ...returnedCodes(ministry, 25)];
  const lookupBody = JSON.stringify({
    query: `{ dossier(code: "${lookupCode}") { ${LOOKUP_FIELDS} } }`,
  });
  const land = landDataset({ size: SIZE, seed: SEED, directoryFile: DEFAULT_DIRECTORY_FILE });
  // Uncached lookups rotate over 200 codes: no cache, and no coalescing of concurrent requests for
  // one code, so that every request reaches the systems.
  const manyProvincial = returnedCodes(provincial, 200);
  const manyMinistry = returnedCodes(ministry, 200);
  const lookupBodies = manyProvincial.map((code) =>
    JSON.stringify({ query: `{ dossier(code: "${code}") { ${LOOKUP_FIELDS} } }` }),
  );
  // Lookups for the two healthy systems (one code of each per request), while other callers look
  // up land dossiers on the same gateway.
  const healthyBodies = manyProvincial.map((code, i) =>
    JSON.stringify({
      query: `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { ${LOOKUP_FIELDS} } error { code } } }`,
      variables: { codes: [code, manyMinistry[i]] },
    }),
  );
  const landBodies = returnedCodes(land, 200).map((code) =>
    JSON.stringify({
      query: `{ dossiers(codes: ["${code}"]) { code dossier { status { code } } error { code } } }`,
    }),
  );
  const batchBody = JSON.stringify({
    query: `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { ${LOOKUP_FIELDS} } error { code } } }`,
    variables: { codes: batchCodes },
  });

  // A cold 50-code batch: wall time and the upstream calls it made (one per system here).
  const before = [
    await stats(variables.SAMPLE_REST_URL as string),
    await stats(variables.SAMPLE_MINISTRY_URL as string),
  ];
  const coldStarted = performance.now();
  const cold = JSON.parse(await post(`${cachedGateway}/graphql`, batchBody)) as {
    data: { dossiers: Array<{ error: unknown }> };
  };
  const coldMs = performance.now() - coldStarted;
  const after = [
    await stats(variables.SAMPLE_REST_URL as string),
    await stats(variables.SAMPLE_MINISTRY_URL as string),
  ];
  const coldCalls = after.reduce(
    (sum, s, i) => sum + s.bulkCalls - (before[i] as typeof s).bulkCalls,
    0,
  );
  if (cold.data.dossiers.some((item) => item.error !== null))
    throw new Error('the cold batch answered errors');

  // Warm the cache, then take the exact bytes of the cached answers.
  await post(`${cachedGateway}/graphql`, lookupBody);
  const lookupBytes = await post(`${cachedGateway}/graphql`, lookupBody);
  const batchBytes = await post(`${cachedGateway}/graphql`, batchBody);
  if (!lookupBytes.includes('"cached":true') || !lookupBytes.includes(lookupCode as string))
    throw new Error(`unexpected cached answer: ${lookupBytes}`);
  await post(`${redisGateway}/graphql`, lookupBody);
  const redisBytes = await post(`${redisGateway}/graphql`, lookupBody);
  if (!redisBytes.includes('"cached":true') || !redisBytes.includes(lookupCode as string))
    throw new Error(`unexpected cached answer on Redis: ${redisBytes}`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const bytesFile = join(ROOT, 'bench', 'results', 'cached-lookup.json');
  writeFileSync(bytesFile, lookupBytes);
  const reference = (
    await start(['bench/referenceServer.ts', bytesFile], {}, /REFERENCE (http:\/\/\S+)\n/)
  ).match[1] as string;
  if ((await post(reference, lookupBody)) !== lookupBytes)
    throw new Error('the reference does not answer the same bytes');

  const scenarios: Scenario[] = [
    {
      name: 'reference: bare node:http, same bytes',
      url: reference,
      body: lookupBody,
      expectBody: lookupBytes,
      results: [],
    },
    {
      name: 'cached lookup (embedded LRU)',
      url: `${cachedGateway}/graphql`,
      body: lookupBody,
      expectBody: lookupBytes,
      pid: cachedPid,
      results: [],
    },
    {
      name: 'cached lookup (Redis behind the LRU)',
      url: `${redisGateway}/graphql`,
      body: lookupBody,
      expectBody: redisBytes,
      results: [],
    },
    {
      name: 'uncached lookup (through to the REST system)',
      url: `${uncachedGateway}/graphql`,
      body: lookupBody,
      bodies: lookupBodies,
      verify: 'lookup:*',
      upstream: variables.SAMPLE_REST_URL as string,
      results: [],
    },
    {
      name: 'uncached baseline: Apollo Server 5 + axios',
      url: baseline,
      body: lookupBody,
      bodies: lookupBodies,
      verify: 'lookup:*',
      upstream: variables.SAMPLE_REST_URL as string,
      results: [],
    },
    {
      name: '50-code batch over two systems (cached)',
      url: `${cachedGateway}/graphql`,
      body: batchBody,
      expectBody: batchBytes,
      results: [],
    },
    {
      name: 'healthy systems, uncached; all three healthy',
      url: `${uncachedGateway}/graphql`,
      body: '',
      bodies: healthyBodies,
      verify: 'items:2',
      connections: 10,
      background: { bodies: landBodies, connections: 10 },
      results: [],
    },
    {
      name: 'healthy systems, uncached; land system hanging',
      url: `${hangingGateway}/graphql`,
      body: '',
      bodies: healthyBodies,
      verify: 'items:2',
      connections: 10,
      background: { bodies: landBodies, connections: 10 },
      results: [],
    },
    {
      name: 'same, land hanging, its breaker kept shut',
      url: `${hangingNoBreakerGateway}/graphql`,
      body: '',
      bodies: healthyBodies,
      verify: 'items:2',
      connections: 10,
      background: { bodies: landBodies, connections: 10 },
      results: [],
    },
  ];

  // Fan-out, cold (CACHE=none): 300 codes over three systems in one query, and 50 lookups
  // written as 50 aliased `dossier` fields; upstream calls counted by the systems themselves.
  const landCodes = returnedCodes(land, 100);
  const fanOutSystems: FanOutSystem[] = [
    {
      name: 'provincial REST',
      url: variables.SAMPLE_REST_URL as string,
      maxBatch: 50,
      codes: manyProvincial.slice(0, 100),
    },
    {
      name: 'ministry national',
      url: variables.SAMPLE_MINISTRY_URL as string,
      maxBatch: 100,
      codes: manyMinistry.slice(0, 100),
    },
    { name: 'land SOAP', url: variables.SAMPLE_LAND_URL as string, maxBatch: 20, codes: landCodes },
  ];
  const fast = await fanOutReport(`${uncachedGateway}/graphql`, fanOutSystems);
  // The same against systems that take 300 ms per call, as provincial systems do (the samples'
  // delay fault), so the overhead is also seen beside a realistic upstream time.
  const setDelay = (delayMs: number) =>
    Promise.all(
      fanOutSystems.map((system) =>
        fetch(`${system.url}/__sample/faults`, {
          method: 'POST',
          body: JSON.stringify({ delayMs }),
        }),
      ),
    );
  await setDelay(300);
  const slow = await fanOutReport(`${uncachedGateway}/graphql`, fanOutSystems).finally(() =>
    setDelay(0),
  );
  const fanOut = `${fast}\nThe same with every system taking 300 ms per call:\n${slow}`;
  process.stdout.write(`${fanOut}\n`);

  process.stdout.write(`Warm-up (${Math.min(2, SECONDS)} s each)…\n`);
  for (const scenario of scenarios) await runLoad(scenario, Math.min(2, SECONDS));
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const scenario of scenarios) {
      const before = scenario.upstream === undefined ? null : await stats(scenario.upstream);
      const result = await runLoad(scenario, SECONDS);
      if (scenario.upstream !== undefined && before !== null) {
        const after = await stats(scenario.upstream);
        scenario.calls =
          (scenario.calls ?? 0) +
          after.bulkCalls +
          after.singleCalls -
          before.bulkCalls -
          before.singleCalls;
        scenario.codes = (scenario.codes ?? 0) + after.codesRequested - before.codesRequested;
      }
      scenario.results.push(result);
      process.stdout.write(
        `round ${round}  ${scenario.name.padEnd(48)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${result.p99} ms\n`,
      );
    }
  }

  // Memory over a soak: cached lookups rotating over 200 codes (each kept once warm) for
  // BENCH_SOAK_SECONDS, resident memory sampled every 5 s, then 10 s idle.
  const soak = await soakReport(cachedPid, `${cachedGateway}/graphql`, lookupBodies);
  process.stdout.write(`${soak.text}\n`);
  const routing = await runRouting();
  process.stdout.write(routing);

  const referenceRps = median(scenarios[0]?.results.map((r) => r.requestsPerSecond) ?? []);
  const failures = scenarios.flatMap((s) =>
    s.results
      .filter((r) => r.errors + r.timeouts + r.non2xx + r.mismatches > 0)
      .map((r) => `${s.name}: ${JSON.stringify(r)}`),
  );
  const rows = scenarios.map((s) => {
    const rps = median(s.results.map((r) => r.requestsPerSecond));
    const checked = s.results.reduce((sum, r) => sum + r.total, 0);
    return `| ${s.name} | ${rps.toFixed(0)} | ${median(s.results.map((r) => r.p50))} | ${median(s.results.map((r) => r.p99))} | ${((rps / referenceRps) * 100).toFixed(1)} % | ${checked} |`;
  });
  const report = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${CONNECTIONS} connections; ${ROUNDS} interleaved rounds of ${SECONDS} s; medians.`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | of reference | answers checked |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Cold 50-code batch (25 + 25 codes, empty cache): ${coldMs.toFixed(0)} ms, ${coldCalls} upstream calls (one per system: bulk maxima 50 and 100).`,
    '',
    hangingReport(scenarios[6] as Scenario, scenarios[7] as Scenario, scenarios[8] as Scenario),
    '',
    ratioLine(scenarios[3] as Scenario, scenarios[4] as Scenario),
    '',
    fanOut,
    '',
    routing.trim(),
    '',
    memoryReport(scenarios[1] as Scenario, idleRss, soak),
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), `${report}\n`);
  process.stdout.write(`\n${report}\n`);
  if (failures.length > 0) throw new Error(`wrong or failed answers:\n${failures.join('\n')}`);
}

/** Stops the bench's own redis-server (set once it runs). */
let stopRedis: () => Promise<void> = async () => undefined;

const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);

interface FanOutSystem {
  name: string;
  url: string;
  maxBatch: number;
  codes: string[];
}

/**
 * Cold fan-out through a gateway without cache, 5 times each: the 300-code batch (wall time,
 * upstream calls against one per system per maximum batch, each system's own busy time, the
 * gateway's overhead over the slowest system), and 50 aliased `dossier` fields over two systems.
 */
async function fanOutReport(url: string, systems: FanOutSystem[]): Promise<string> {
  const reset = () =>
    Promise.all(systems.map(async (s) => (await fetch(`${s.url}/__sample/stats?reset=1`)).json()));
  const read = () =>
    Promise.all(
      systems.map(
        async (s) =>
          (await (await fetch(`${s.url}/__sample/stats?reset=1`)).json()) as {
            bulkCalls: number;
            singleCalls: number;
            busyFrom: number | null;
            busyUntil: number | null;
          },
      ),
    );
  const codes = systems.flatMap((s) => s.codes);
  const expectedCalls = systems.map((s) => Math.ceil(s.codes.length / s.maxBatch));
  const batchBody = JSON.stringify({
    query: `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { ${LOOKUP_FIELDS} } error { code } } }`,
    variables: { codes },
  });
  const runs: Array<{ wall: number; calls: number[]; busy: number[] }> = [];
  // Warm-up: the gateway has just started; its code is not compiled yet.
  for (let i = 0; i < 5; i += 1) await post(url, batchBody);
  for (let i = 0; i < 5; i += 1) {
    await reset();
    const started = performance.now();
    const answer = JSON.parse(await post(url, batchBody)) as {
      data: { dossiers: Array<{ error: unknown }> };
    };
    const wall = performance.now() - started;
    const after = await read();
    if (
      answer.data.dossiers.length !== codes.length ||
      answer.data.dossiers.some((d) => d.error !== null)
    )
      throw new Error('the 300-code batch answered errors');
    runs.push({
      wall,
      calls: after.map((s) => s.bulkCalls + s.singleCalls),
      busy: after.map((s) => (s.busyUntil ?? 0) - (s.busyFrom ?? 0)),
    });
  }
  const wrongCalls = runs.filter((r) => r.calls.some((c, i) => c !== expectedCalls[i]));
  if (wrongCalls.length > 0)
    throw new Error(
      `the 300-code batch made ${JSON.stringify(wrongCalls[0]?.calls)} upstream calls, expected ${JSON.stringify(expectedCalls)}`,
    );
  const wall = median(runs.map((r) => r.wall));
  const slowest = median(runs.map((r) => Math.max(...r.busy)));
  const overhead = median(runs.map((r) => r.wall - Math.max(...r.busy)));

  // 50 aliased fields: 25 codes of each of the first two systems.
  const aliased = [
    ...(systems[0]?.codes ?? []).slice(0, 25),
    ...(systems[1]?.codes ?? []).slice(0, 25),
  ];
  const aliasBody = JSON.stringify({
    query: `{ ${aliased.map((code, i) => `d${i}: dossier(code: "${code}") { code status { code } }`).join(' ')} }`,
  });
  await reset();
  const aliasAnswer = JSON.parse(await post(url, aliasBody)) as {
    data?: Record<string, { code: string } | null>;
    errors?: unknown;
  };
  const aliasCalls = (await read()).slice(0, 2).map((s) => s.bulkCalls + s.singleCalls);
  if (aliasAnswer.errors !== undefined || Object.values(aliasAnswer.data ?? {}).length !== 50)
    throw new Error('the 50 aliased lookups answered errors');
  const aliasExpected = [
    Math.ceil(25 / (systems[0]?.maxBatch ?? 1)),
    Math.ceil(25 / (systems[1]?.maxBatch ?? 1)),
  ];
  if (aliasCalls.some((c, i) => c !== aliasExpected[i]))
    throw new Error(
      `50 aliased lookups made ${JSON.stringify(aliasCalls)} upstream calls, expected ${JSON.stringify(aliasExpected)}`,
    );
  return [
    `300-code batch (${systems.map((s) => `${s.codes.length} ${s.name}`).join(' + ')}; no cache; 5 runs after 5 of warm-up, medians):`,
    `  upstream calls ${runs[0]?.calls.join(' + ')} = expected ${expectedCalls.join(' + ')} (one per system per maximum batch ${systems.map((s) => s.maxBatch).join('/')}), every run`,
    `  wall ${wall.toFixed(0)} ms; slowest system busy ${slowest.toFixed(0)} ms (first call in to last answer out, measured by the system); gateway overhead ${overhead.toFixed(0)} ms = ${((overhead / slowest) * 100).toFixed(1)} % of it (target < 10 %)`,
    `50 lookups as 50 aliased dossier(code:) fields (25 + 25 over two systems, no cache): upstream calls ${aliasCalls.join(' + ')} (expected ${aliasExpected.join(' + ')})`,
  ].join('\n');
}

/** The uncached lookup against the hand-written Apollo + axios baseline. */
function ratioLine(gateway: Scenario, baseline: Scenario): string {
  const rps = (s: Scenario) => median(s.results.map((r) => r.requestsPerSecond));
  const ratio = rps(gateway) / rps(baseline);
  const perCall = (s: Scenario) =>
    s.calls === undefined || s.calls === 0
      ? 'not counted'
      : `${s.calls} calls for ${s.codes} codes, ${((s.codes ?? 0) / s.calls).toFixed(1)} per call`;
  return [
    `Uncached lookup: gateway ${rps(gateway).toFixed(0)} req/s against the hand-written Apollo Server 5 + axios baseline's ${rps(baseline).toFixed(0)} req/s: ${ratio.toFixed(2)}× (target ≥ 2×: ${ratio >= 2 ? 'met' : 'NOT met'})`,
    `  upstream calls during the measured runs: gateway ${perCall(gateway)} (codes of concurrent requests gathered into bulk calls); baseline ${perCall(baseline)}`,
  ].join('\n');
}

async function soakReport(
  pid: number,
  url: string,
  bodies: string[],
): Promise<{ text: string; samples: number[]; after: number }> {
  if (SOAK_SECONDS <= 0)
    return { text: 'Soak: skipped (BENCH_SOAK_SECONDS=0)', samples: [], after: rss(pid) };
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rss(pid)), 5000);
  const result = await runLoad(
    { name: 'soak', url, body: '', bodies, verify: 'lookup:*', results: [] },
    SOAK_SECONDS,
  );
  clearInterval(sampler);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const after = rss(pid);
  const minute = Math.max(1, Math.round(60 / 5));
  const first = median(samples.slice(0, minute));
  const last = median(samples.slice(-minute));
  if (result.errors + result.timeouts + result.non2xx + result.mismatches > 0)
    throw new Error(`soak: wrong or failed answers: ${JSON.stringify(result)}`);
  return {
    samples,
    after,
    text: `Soak: ${SOAK_SECONDS} s of cached lookups over 200 codes, ${result.requestsPerSecond.toFixed(0)} req/s, ${result.total} answers checked; resident memory median ${first} MB in the first minute, ${last} MB in the last (${last > first * 1.1 ? 'GROWING' : 'flat'}), highest ${Math.max(...samples)} MB; ${after} MB after 10 s idle`,
  };
}

function memoryReport(cached: Scenario, idle: number, soak: { text: string }): string {
  return [
    `Memory of the embedded-cache gateway: ${idle} MB resident idle after start, highest ${cached.peakRss ?? '?'} MB during the cached-lookup runs (target < 200 MB)`,
    soak.text,
  ].join('\n');
}

/** The routing-scale benchmark, in its own process (nothing else running). */
function runRouting(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'routing.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`routing bench exited with ${code}`)),
    );
  });
}

/** The hanging-system runs side by side, round by round, and the ratios of the median p99s. */
function hangingReport(healthy: Scenario, hanging: Scenario, noBreaker: Scenario): string {
  const p99 = (s: Scenario) => median(s.results.map((r) => r.p99));
  const verdict = (s: Scenario) => {
    const ratio = p99(s) / p99(healthy);
    return `${p99(s)} ms, ratio ${ratio.toFixed(2)} (target ≤ 1.20: ${ratio <= 1.2 ? 'met' : 'NOT met'})`;
  };
  return [
    'One of three systems hanging (10 connections of lookups for the two healthy systems, 10 more',
    'looking up land dossiers at the same time; p99 of the healthy lookups):',
    ...healthy.results.map(
      (r, i) =>
        `  round ${i + 1}: all healthy ${r.p99} ms, land hanging ${hanging.results[i]?.p99 ?? '?'} ms, breaker kept shut ${noBreaker.results[i]?.p99 ?? '?'} ms`,
    ),
    `  median p99 all healthy: ${p99(healthy)} ms`,
    `  land hanging:           ${verdict(hanging)}`,
    `  breaker kept shut:      ${verdict(noBreaker)}`,
  ].join('\n');
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
    void stopRedis();
  });
