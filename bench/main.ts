import { spawn } from 'node:child_process';
import { start, stopAll } from './processes';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { FileApiKeyStore } from '../src/auth/apiKeys';
import { join } from 'node:path';
import { landDataset } from '../samples/land-soap/startLandSoap';
import { ministryDataset } from '../samples/ministry-national/startMinistryNational';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';
import type { SampleDataset } from '../samples/generator/SampleDataset';
import { sampleRegistrationsWith } from '../test/support/registrations';

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

interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}

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
  results: LoadResult[];
}

async function runLoad(scenario: Scenario, seconds: number): Promise<LoadResult> {
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
  return result;
}

function runJob(scenario: Scenario, seconds: number): Promise<LoadResult> {
  const job = JSON.stringify({
    url: scenario.url,
    body: scenario.body,
    bodies: scenario.bodies,
    connections: scenario.connections ?? CONNECTIONS,
    durationSeconds: seconds,
    headers: REQUEST_HEADERS,
    expectBody: scenario.expectBody,
    verify: scenario.verify,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'load.ts'), job], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadResult)
        : reject(new Error(`load generator exited with ${code}`)),
    );
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

async function stats(
  url: string,
): Promise<{ bulkCalls: number; singleCalls: number; tokenRequests: number }> {
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

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const LOOKUP_FIELDS =
  'code procedureName agency { code name } status { value code label raw lossy } receivedAt dueAt finishedAt returnedAt applicant { name phone } source { connector fetchedAt cached routedVia }';

async function main(): Promise<void> {
  const startSamples = async () => {
    const samples = await start(
      ['samples/main.ts'],
      { SAMPLE_SIZE: String(SIZE), SAMPLE_SEED: String(SEED) },
      /Example codes: .*\n/,
    );
    return Object.fromEntries(
      [...samples.output().matchAll(/export (\w+)=(\S+)/g)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    );
  };
  const variables = await startSamples();
  // A second copy of the three systems, whose land system will hang.
  const hangingVariables = await startSamples();
  // Production mode needs a key store: one portal key, made with the gateway's own store code.
  const keysFile = join(mkdtempSync(join(tmpdir(), 'bench-keys-')), 'api-keys.json');
  const keyStore = await FileApiKeyStore.open(keysFile);
  const { key: apiKey } = await keyStore.create(
    { name: 'bench', role: 'portal', createdBy: 'bench' },
    new Date(),
  );
  await keyStore.close();
  REQUEST_HEADERS['x-api-key'] = apiKey;
  const gatewayEnv = {
    ...variables,
    API_KEYS_FILE: keysFile,
    AUDIT_DIR: join(keysFile, '..', 'audit'),
    REGISTRY_DIR: join(keysFile, '..', 'registry'),
    SECRETS_KEY: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
    // The sample systems listen on loopback, which production mode guards.
    UPSTREAM_ALLOW: '127.0.0.0/8',
    // The load is one principal far above a portal's real rate: the limit must not cut it.
    RATE_LIMITS: 'portal=10000000',
    GATEWAY_MODE: 'production',
    REGISTRATIONS_DIR: 'examples/registrations',
    AGENCY_DIRECTORY: 'data/agencies.sample.yaml',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
  };
  const ready = /GraphQL\s+(http:\/\/\S+)\/graphql/;
  const cachedGateway = (await start(['src/main.ts'], { ...gatewayEnv, CACHE: 'memory' }, ready))
    .match[1] as string;
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
      results: [],
    },
    {
      name: 'uncached lookup (through to the REST system)',
      url: `${uncachedGateway}/graphql`,
      body: lookupBody,
      bodies: lookupBodies,
      verify: 'lookup:*',
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

  process.stdout.write(`Warm-up (${Math.min(2, SECONDS)} s each)…\n`);
  for (const scenario of scenarios) await runLoad(scenario, Math.min(2, SECONDS));
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const scenario of scenarios) {
      const result = await runLoad(scenario, SECONDS);
      scenario.results.push(result);
      process.stdout.write(
        `round ${round}  ${scenario.name.padEnd(48)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${result.p99} ms\n`,
      );
    }
  }

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
    hangingReport(scenarios[4] as Scenario, scenarios[5] as Scenario, scenarios[6] as Scenario),
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), `${report}\n`);
  process.stdout.write(`\n${report}\n`);
  if (failures.length > 0) throw new Error(`wrong or failed answers:\n${failures.join('\n')}`);
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
  });
