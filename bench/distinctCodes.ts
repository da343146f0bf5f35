import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { cpuMicros } from './cpu';
import { runLoadJob, type LoadResult } from './loadJob';
import { productionGateway, start, startSampleProcess, stopAll } from './processes';
import { LOOKUP_FIELDS, median } from './queries';

/**
 * `npm run bench:distinct` (issue 23): speed and CPU when no two requests ask the same dossier.
 *
 * Processes on loopback: the simple upstream (bench/simpleUpstream.ts: BENCH_DISTINCT_CODES
 * provincial records rendered once, answered from memory), the other bundled systems (the sample
 * process, which the gateway needs to start), and three servers under test pointed at the simple
 * upstream for the provincial system: the gateway with `CACHE=memory`, the gateway with
 * `CACHE=none`, and the hand-written Apollo Server 5 + axios baseline (bench/apolloAxiosBaseline.ts).
 *
 * Scenarios, each on the three servers, every request with codes never asked before in the run:
 * one `dossier(code)` per request; 50 aliased `dossier(code: "…")` fields; `dossiers(codes: $codes)`
 * with 50 codes. On the cached gateway, a warm pool of BENCH_WARM_POOL (2 000) codes asked once
 * first, then 50 aliased fields with the codes as variables, the same with literals, and the
 * 50-code list. Runs interleaved (A B C …) after a 2 s warm-up each, BENCH_ROUNDS (3) rounds of
 * BENCH_SECONDS (5), medians; every answer checked by the load generator (any error or mismatch
 * fails the run). Each server's CPU (utime + stime from /proc) and the upstream's, and the
 * upstream's calls, are read before and after every measured run.
 *
 * Distinct codes: each server has one cursor through the distinct pool, shared by its scenarios,
 * and every run starts where the last one (warm-ups included) stopped, so a code is asked again
 * only after every other code of the pool has been. The pool is larger than the gateway's cache
 * (CACHE_MAX_ENTRIES, set to 50 000 here, the default) plus the warm pool, so even when a server's
 * cursor wraps (the report says how many times), a code asked again was pushed out of the LRU by
 * the more than 50 000 others asked since: still a miss, and the kept answers (issue 10) are
 * checked against those cache entries, so they miss too.
 */
const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const POOL = Number(process.env.BENCH_DISTINCT_CODES ?? 60_000);
const WARM_POOL = Number(process.env.BENCH_WARM_POOL ?? 2_000);
const CACHE_ENTRIES = 50_000;
const PER_QUERY = 50;
const UPSTREAM_KEY = 'bench-distinct-upstream-key';

const HEADERS: Record<string, string> = { 'content-type': 'application/json' };

interface Server {
  name: string;
  url: string;
  pid: number;
  /** Codes of the distinct pool this server has been asked so far (its place in the pool). */
  cursor: number;
}

interface Run extends LoadResult {
  /** CPU of the server under test from the run's start until it was idle again, µs. */
  cpu: number;
  /** CPU of the simple upstream over the same time, µs. */
  upstreamCpu: number;
  /** Upstream calls (bulk and single) and codes asked over the same time. */
  calls: number;
  codes: number;
}

interface Scenario {
  shape: string;
  server: Server;
  bodiesFile: string;
  bodyCount: number;
  /** Dossiers per request. */
  perRequest: number;
  /** Takes codes from the distinct pool (moves the server's cursor); else the warm pool. */
  distinct: boolean;
  verify: string;
  runs: Run[];
}

const listQuery = `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { ${LOOKUP_FIELDS} } error { code } } }`;
const singleBody = (code: string) =>
  JSON.stringify({ query: `{ dossier(code: "${code}") { ${LOOKUP_FIELDS} } }` });
const literalAliasesBody = (codes: string[]) =>
  JSON.stringify({
    query: `{ ${codes.map((code, i) => `d${i}: dossier(code: "${code}") { ${LOOKUP_FIELDS} }`).join(' ')} }`,
  });
const variableAliasesBody = (codes: string[]) =>
  JSON.stringify({
    query: `query (${codes.map((_, i) => `$c${i}: String!`).join(', ')}) { ${codes.map((_, i) => `d${i}: dossier(code: $c${i}) { ${LOOKUP_FIELDS} }`).join(' ')} }`,
    variables: Object.fromEntries(codes.map((code, i) => [`c${i}`, code])),
  });
const listBody = (codes: string[]) => JSON.stringify({ query: listQuery, variables: { codes } });

function chunks(codes: string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i + size <= codes.length; i += size) out.push(codes.slice(i, i + size));
  return out;
}

async function post(url: string, body: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

async function upstreamStats(url: string): Promise<{ calls: number; codes: number }> {
  const stats = (await (await fetch(`${url}/__sample/stats`)).json()) as {
    bulkCalls: number;
    singleCalls: number;
    codesRequested: number;
  };
  return { calls: stats.bulkCalls + stats.singleCalls, codes: stats.codesRequested };
}

/**
 * Waits until these processes are idle (less than 2 % of a core each over 500 ms; at most 60 s):
 * when the load generator stops, requests it sent are still being answered — with 50 connections
 * and 50 dossiers a request, seconds of work — and that work belongs to the run, not to the next.
 */
async function settle(pids: number[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = pids.map(cpuMicros);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = pids.map(cpuMicros);
    if (now.every((value, i) => value - (last[i] as number) < 10_000) || Date.now() > deadline)
      return;
    last = now;
  }
}

/** The first 50-code list answers exactly the codes asked, each a dossier of that code. */
async function checkList(server: Server, codes: string[]): Promise<void> {
  const answer = JSON.parse(await post(server.url, listBody(codes))) as {
    data?: { dossiers: Array<{ code: string; dossier: { code: string } | null }> };
    errors?: unknown;
  };
  const items = answer.data?.dossiers ?? [];
  if (
    answer.errors !== undefined ||
    items.length !== codes.length ||
    items.some((item, i) => item.code !== codes[i] || item.dossier?.code !== codes[i])
  )
    throw new Error(`${server.name} answers a 50-code list wrongly: ${JSON.stringify(answer)}`);
}

async function main(): Promise<void> {
  const ready = /GraphQL\s+(http:\/\/\S+)\/graphql/;
  process.stdout.write(`Rendering ${POOL} records in the simple upstream…\n`);
  const [upstreamProcess, samples] = await Promise.all([
    start(
      ['bench/simpleUpstream.ts'],
      {
        BENCH_DISTINCT_CODES: String(POOL),
        BENCH_WARM_POOL: String(WARM_POOL),
        SIMPLE_UPSTREAM_API_KEY: UPSTREAM_KEY,
      },
      /SIMPLE_UPSTREAM (http:\/\/\S+) CODES (\S+)\n/,
      300_000,
    ),
    // The ministry and land systems of the bundled registrations (the gateway needs them to start).
    startSampleProcess(3000, 2025),
  ]);
  const upstream = upstreamProcess.match[1] as string;
  const upstreamPid = upstreamProcess.child.pid as number;
  const pools = JSON.parse(readFileSync(upstreamProcess.match[2] as string, 'utf8')) as {
    distinct: string[];
    warm: string[];
  };
  // Whole 50-code slices, so that the shapes of one server walk the pool in one order.
  const distinct = pools.distinct.slice(0, pools.distinct.length - (pools.distinct.length % 50));
  const warm = pools.warm;
  if (distinct.length <= CACHE_ENTRIES + warm.length)
    throw new Error(
      `the distinct pool (${distinct.length} codes) must be larger than the cache (${CACHE_ENTRIES} entries) and the warm pool (${warm.length}): raise BENCH_DISTINCT_CODES`,
    );

  const variables = { ...samples, SAMPLE_REST_URL: upstream, SAMPLE_REST_API_KEY: UPSTREAM_KEY };
  const production = await productionGateway(variables, 'portal');
  HEADERS['x-api-key'] = production.key;
  const gatewayEnv = { ...production.env, RATE_LIMITS: 'portal=10000000' };
  const server = async (name: string, args: string[], env: Record<string, string>, re: RegExp) => {
    const started = await start(args, env, re);
    return {
      name,
      url: `${started.match[1] as string}${re === ready ? '/graphql' : ''}`,
      pid: started.child.pid as number,
      cursor: 0,
    };
  };
  const cached = await server(
    'gateway, in-process cache',
    ['src/main.ts'],
    { ...gatewayEnv, CACHE: 'memory', CACHE_MAX_ENTRIES: String(CACHE_ENTRIES) },
    ready,
  );
  const uncached = await server(
    'gateway, CACHE=none',
    ['src/main.ts'],
    { ...gatewayEnv, CACHE: 'none' },
    ready,
  );
  const baseline = await server(
    'Apollo Server 5 + axios',
    ['bench/apolloAxiosBaseline.ts'],
    { SAMPLE_REST_URL: upstream, SAMPLE_REST_API_KEY: UPSTREAM_KEY },
    /BASELINE (http:\/\/\S+)\n/,
  );
  const servers = [cached, uncached, baseline];
  for (const s of servers) {
    await checkList(s, distinct.slice(0, PER_QUERY));
    s.cursor = PER_QUERY;
  }

  // Bodies, written once per shape; each run takes them in turn from the server's cursor.
  const dir = mkdtempSync(join(tmpdir(), 'bench-distinct-bodies-'));
  const file = (name: string, bodies: string[]) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(bodies));
    return { bodiesFile: path, bodyCount: bodies.length };
  };
  const shapes = [
    {
      shape: 'single `dossier(code)`',
      ...file('single', distinct.map(singleBody)),
      perRequest: 1,
      verify: 'lookup:*',
    },
    {
      shape: '50 aliased `dossier` fields',
      ...file('aliases', chunks(distinct, PER_QUERY).map(literalAliasesBody)),
      perRequest: PER_QUERY,
      verify: `aliases:${PER_QUERY}`,
    },
    {
      shape: '`dossiers(codes)`, 50 codes',
      ...file('list', chunks(distinct, PER_QUERY).map(listBody)),
      perRequest: PER_QUERY,
      verify: `items:${PER_QUERY}`,
    },
  ];
  const scenarios: Scenario[] = shapes.flatMap((shape) =>
    servers.map((s) => ({ ...shape, server: s, distinct: true, runs: [] })),
  );
  const warmShapes = [
    {
      shape: 'warm pool: 50 aliases, codes as variables',
      ...file('warm-variables', chunks(warm, PER_QUERY).map(variableAliasesBody)),
      verify: `aliases:${PER_QUERY}`,
    },
    {
      shape: 'warm pool: 50 aliases, literals',
      ...file('warm-literals', chunks(warm, PER_QUERY).map(literalAliasesBody)),
      verify: `aliases:${PER_QUERY}`,
    },
    {
      shape: 'warm pool: `dossiers(codes)`, 50 codes',
      ...file('warm-list', chunks(warm, PER_QUERY).map(listBody)),
      verify: `items:${PER_QUERY}`,
    },
  ];
  scenarios.push(
    ...warmShapes.map((shape) => ({
      ...shape,
      server: cached,
      perRequest: PER_QUERY,
      distinct: false,
      runs: [],
    })),
  );

  // The warm pool: every code asked once, then checked served from the cache.
  for (const codes of chunks(warm, PER_QUERY)) await checkList(cached, codes);
  const warmCheck = JSON.parse(
    await post(cached.url, literalAliasesBody(warm.slice(0, PER_QUERY))),
  ) as { data: Record<string, { source: { cached: boolean } }> };
  if (Object.values(warmCheck.data).some((d) => d.source.cached !== true))
    throw new Error('the warm pool is not served from the cache after warming');

  const run = async (scenario: Scenario, seconds: number): Promise<Run> => {
    const per = scenario.perRequest;
    const offset = scenario.distinct ? Math.ceil(scenario.server.cursor / per) : 0;
    const cpuBefore = cpuMicros(scenario.server.pid);
    const upstreamBefore = cpuMicros(upstreamPid);
    const statsBefore = await upstreamStats(upstream);
    const result = await runLoadJob({
      url: scenario.server.url,
      body: '',
      bodiesFile: scenario.bodiesFile,
      offset,
      connections: CONNECTIONS,
      durationSeconds: seconds,
      headers: HEADERS,
      verify: scenario.verify,
    });
    await settle([scenario.server.pid, upstreamPid]);
    const statsAfter = await upstreamStats(upstream);
    const measured: Run = {
      ...result,
      cpu: cpuMicros(scenario.server.pid) - cpuBefore,
      upstreamCpu: cpuMicros(upstreamPid) - upstreamBefore,
      calls: statsAfter.calls - statsBefore.calls,
      codes: statsAfter.codes - statsBefore.codes,
    };
    if (scenario.distinct) scenario.server.cursor = (offset + result.sent) * per;
    return measured;
  };

  const label = (s: Scenario) => `${s.shape} · ${s.server.name}`;
  const bad = (r: LoadResult) => r.errors + r.timeouts + r.non2xx + r.mismatches > 0;
  const failures: string[] = [];
  process.stdout.write(`Warm-up (${Math.min(2, SECONDS)} s each)…\n`);
  for (const scenario of scenarios) {
    const result = await run(scenario, Math.min(2, SECONDS));
    if (bad(result)) failures.push(`warm-up ${label(scenario)}: ${JSON.stringify(result)}`);
  }
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const scenario of scenarios) {
      const result = await run(scenario, SECONDS);
      scenario.runs.push(result);
      if (bad(result)) failures.push(`${label(scenario)}: ${JSON.stringify(result)}`);
      process.stdout.write(
        `round ${round}  ${label(scenario).padEnd(60)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${result.p99} ms  ${(result.cpu / workedOn(scenario, result)).toFixed(0)} µs CPU/req\n`,
      );
    }
  }

  const report = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${CONNECTIONS} connections; ${ROUNDS} interleaved rounds of ${SECONDS} s after 2 s of warm-up each; medians.`,
    `Upstream: bench/simpleUpstream.ts, ${POOL} provincial records (${distinct.length} in the distinct pool, ${warm.length} in the warm pool). CPU from /proc (utime + stime) from a run's start until the server and upstream are idle again, per request worked on (distinct codes: codes asked upstream ÷ dossiers per request; warm pool: requests sent); upstream calls likewise.`,
    '',
    '| scenario | server | req/s | p99 ms | CPU µs/req | CPU µs/dossier | upstream CPU µs/req | upstream calls/query | codes asked upstream ÷ codes sent | answers checked |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...scenarios.map(
      (s) =>
        `| ${s.shape} | ${s.server.name} | ${s.runs.some((r) => r.total === 0) ? `${rps(s).toFixed(0)} (a run answered nothing: raise BENCH_SECONDS)` : rps(s).toFixed(0)} | ${median(s.runs.map((r) => r.p99))} | ${cpuPerRequest(s).toFixed(0)} | ${(cpuPerRequest(s) / s.perRequest).toFixed(1)} | ${perRequest(s, (r) => r.upstreamCpu).toFixed(0)} | ${perRequest(s, (r) => r.calls).toFixed(2)} | ${(s.runs.reduce((sum, r) => sum + r.codes, 0) / s.runs.reduce((sum, r) => sum + r.sent * s.perRequest, 0)).toFixed(3)} | ${s.runs.reduce((sum, r) => sum + r.total, 0)} |`,
    ),
    '',
    `Distinct codes asked per server (warm-ups included; the pool is ${distinct.length} codes, walked in one order per server, so a code comes again only after all the others): ${servers
      .map(
        (s) =>
          `${s.name} ${s.cursor} (${s.cursor <= distinct.length ? 'no code asked twice' : `the pool wrapped ${Math.floor(s.cursor / distinct.length)}×: every code asked again came after ${distinct.length - 1} others, more than the cache's ${CACHE_ENTRIES} entries, so a miss still`})`,
      )
      .join('; ')}.`,
    '',
    ...ratioLines(scenarios),
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'distinct.md'), `${report}\n`);
  process.stdout.write(`\n${report}\n`);
  if (failures.length > 0) throw new Error(`wrong or failed answers:\n${failures.join('\n')}`);
}

/**
 * Requests a run's CPU and calls are divided by. The CPU is read once the server is idle again, so
 * it includes the requests still being answered when the load generator stopped (not in its count
 * of answers). On distinct codes every dossier is a miss, asked of the upstream exactly once: the
 * codes the upstream was asked, ÷ dossiers per request, are the requests the server worked on. On
 * the warm pool (no upstream codes), the requests sent: each is answered in full.
 */
function workedOn(s: Scenario, r: Run): number {
  return s.distinct ? r.codes / s.perRequest : r.sent;
}

/** Median over the runs of a quantity per request worked on (runs without any left out). */
function perRequest(s: Scenario, value: (r: Run) => number): number {
  const runs = s.runs.filter((r) => workedOn(s, r) > 0);
  return runs.length === 0 ? Number.NaN : median(runs.map((r) => value(r) / workedOn(s, r)));
}
const rps = (s: Scenario) => median(s.runs.map((r) => r.requestsPerSecond));
const cpuPerRequest = (s: Scenario) => perRequest(s, (r) => r.cpu);

function ratioLines(scenarios: Scenario[]): string[] {
  const find = (shape: string, server: string) => {
    const found = scenarios.find((s) => s.shape.startsWith(shape) && s.server.name === server);
    if (found === undefined) throw new Error(`no scenario ${shape} on ${server}`);
    return found;
  };
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  const [cachedName, noneName, baselineName] = [
    'gateway, in-process cache',
    'gateway, CACHE=none',
    'Apollo Server 5 + axios',
  ];
  const lines: string[] = [];
  const speed = (shape: string, what: string, target: number) => {
    const base = find(shape, baselineName);
    for (const name of [cachedName, noneName]) {
      const s = find(shape, name);
      const ratio = rps(s) / rps(base);
      lines.push(
        `${what}: ${name} ${rps(s).toFixed(0)} req/s ÷ baseline ${rps(base).toFixed(0)} req/s = ${ratio.toFixed(2)}× (target ≥ ${target}×: ${verdict(ratio >= target)})`,
      );
    }
  };
  speed('`dossiers(codes)`', '50-code list, distinct codes', 2);
  for (const name of [cachedName, noneName]) {
    const s = find('`dossiers(codes)`', name);
    const perDossier = cpuPerRequest(s) / s.perRequest;
    lines.push(
      `50-code list, distinct codes: ${name} CPU ${perDossier.toFixed(1)} µs per dossier (baseline ${(cpuPerRequest(find('`dossiers(codes)`', baselineName)) / s.perRequest).toFixed(1)}; target ≤ 25: ${verdict(perDossier <= 25)})`,
    );
  }
  speed('single', 'single lookups, distinct codes', 4);
  for (const shape of ['single', '`dossiers(codes)`']) {
    const withCache = cpuPerRequest(find(shape, cachedName));
    const without = cpuPerRequest(find(shape, noneName));
    const more = (withCache / without - 1) * 100;
    lines.push(
      `Miss cost, ${shape === 'single' ? 'single lookups' : '50-code list'}: in-process cache ${withCache.toFixed(0)} µs CPU/req against CACHE=none ${without.toFixed(0)}: ${more >= 0 ? '+' : ''}${more.toFixed(1)} % (target ≤ +5 %: ${verdict(more <= 5)})`,
    );
  }
  const variables = scenarios.find((s) => s.shape.includes('variables')) as Scenario;
  const literals = scenarios.find((s) => s.shape.includes('literals')) as Scenario;
  const ratio = rps(variables) / rps(literals);
  lines.push(
    `Warm pool, 50 aliases: codes as variables ${rps(variables).toFixed(0)} req/s, ${cpuPerRequest(variables).toFixed(0)} µs CPU/req; literals ${rps(literals).toFixed(0)} req/s, ${cpuPerRequest(literals).toFixed(0)} µs CPU/req: ${ratio.toFixed(2)}× (target: as fast, ≥ 0.95×: ${verdict(ratio >= 0.95)})`,
  );
  return lines;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
  });
