import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';
import { DEFAULT_TTL_SECONDS } from '../src/domain/cachePolicy';
import { sampleRegistrationsWith } from '../test/support/registrations';
import { productionGateway, start, startSampleProcess, stopAll } from './processes';

/**
 * `npm run bench:stale` (issue 20, item 4): how long a lookup of a dossier the gateway holds, but
 * must refetch, takes while its system is slow (every answer 5 s late) or hangs.
 *
 * Two production-mode gateways (in-process cache) in front of one sample provincial system, both
 * with every fresh lifetime at 1 s and the hard lifetime equal to it, so that every held value is
 * due for a refetch a second after it was read, and with the circuit breaker kept shut (it needs
 * 1000 calls/s to open: an open circuit answers stale at once and would hide the wait measured
 * here). One has the default soft deadline (`cache.softDeadlineMs` 1000); the baseline has it off
 * (0: wait for the refetch with the request's whole budget, as before). Each looks up STALE_CODES
 * codes beforehand; then, per fault, STALE_CALLERS callers each look up one *different* held code
 * after another for STALE_SECONDS on one gateway, then on the other. Every answer is checked: a
 * dossier with its code, no errors. Figures print and go to bench/results/stale-answers.md.
 */
const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.STALE_SECONDS ?? 20);
const CALLERS = Number(process.env.STALE_CALLERS ?? 20);
const CODES = Number(process.env.STALE_CODES ?? 1500);
const SIZE = 30_000;
const SEED = 2027;
const FAULTS = {
  'slow (5 s)': { delayMs: 5000 },
  hang: { hang: true },
} as const;

interface Run {
  fault: string;
  gateway: string;
  latencies: number[];
  stale: number;
  fresh: number;
  failed: number;
  reasons: Map<string, number>;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

async function main(): Promise<void> {
  const variables = await startSampleProcess(SIZE, SEED);
  const system = variables.SAMPLE_REST_URL as string;
  const production = await productionGateway(variables, 'portal');
  const ttlSeconds = Object.fromEntries(Object.keys(DEFAULT_TTL_SECONDS).map((name) => [name, 1]));
  const settings = (softDeadlineMs: number) => ({
    'thanh-hoa-motcua': {
      cache: { ttlSeconds, hardLifetimeFactor: 1, softDeadlineMs },
      'upstream.resilience': { breakerMinimumRps: 1000 },
    },
  });
  const ready = /GraphQL\s+(http:\/\/\S+)\/graphql/;
  const env = { ...production.env, CACHE: 'memory', RATE_LIMITS: 'portal=10000000' };
  const gateways: Array<{ name: string; url: string }> = [];
  for (const [name, softDeadlineMs] of [
    ['soft deadline 1000 ms', 1000],
    ['baseline: no soft deadline', 0],
  ] as const) {
    const registrations = await sampleRegistrationsWith(settings(softDeadlineMs));
    const gateway = await start(
      ['src/main.ts'],
      { ...env, REGISTRATIONS_DIR: registrations },
      ready,
    );
    gateways.push({ name, url: `${gateway.match[1] as string}/graphql` });
  }
  const headers = { 'content-type': 'application/json', 'x-api-key': production.key };

  // Distinct codes, one pool per gateway and fault, all looked up (held) beforehand.
  const dataset = provincialDataset({
    size: SIZE,
    seed: SEED,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  const all = [...dataset.codes()];
  const pools = new Map<string, string[]>();
  let next = 0;
  for (const fault of Object.keys(FAULTS))
    for (const gateway of gateways) {
      pools.set(`${fault}|${gateway.name}`, all.slice(next, next + CODES));
      next += CODES;
    }
  process.stdout.write(`Holding ${next} dossiers in the gateways…\n`);
  for (const gateway of gateways)
    for (const fault of Object.keys(FAULTS)) {
      const pool = pools.get(`${fault}|${gateway.name}`) as string[];
      for (let i = 0; i < pool.length; i += 50) {
        const codes = pool.slice(i, i + 50);
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            query: 'query ($codes: [String!]!) { dossiers(codes: $codes) { code error { code } } }',
            variables: { codes },
          }),
        });
        const body = (await response.json()) as {
          data?: { dossiers: Array<{ error: unknown }> };
        };
        if (body.data?.dossiers.some((item) => item.error !== null) !== false)
          throw new Error(`warming failed: ${JSON.stringify(body).slice(0, 300)}`);
      }
    }
  await new Promise((resolve) => setTimeout(resolve, 1500)); // past every hard lifetime

  const runs: Run[] = [];
  for (const [fault, faults] of Object.entries(FAULTS)) {
    await setFaults(system, { hang: false, delayMs: 0, ...faults });
    for (const gateway of gateways) {
      const pool = [...(pools.get(`${fault}|${gateway.name}`) as string[])];
      process.stdout.write(`${fault}, ${gateway.name}: ${SECONDS} s, ${CALLERS} callers…\n`);
      runs.push(await measure(fault, gateway, pool, headers));
    }
  }
  await setFaults(system, { hang: false, delayMs: 0 });

  const lines = [
    `# Stale answers in time (${new Date().toISOString()})`,
    '',
    `A held dossier due for a refetch, looked up while its system is slow or hangs: ${CALLERS} callers,`,
    `${SECONDS} s per run, each request a different held code; latency in ms of every answer.`,
    '',
    '| system | gateway | answers | stale | fresh | failed | p50 | p99 | max |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map((run) => {
      const sorted = [...run.latencies].sort((a, b) => a - b);
      return `| ${run.fault} | ${run.gateway} | ${sorted.length} | ${run.stale} | ${run.fresh} | ${run.failed} | ${percentile(sorted, 50)} | ${percentile(sorted, 99)} | ${sorted.at(-1) ?? NaN} |`;
    }),
    '',
    'Ratio of p99, baseline over soft deadline:',
    ...Object.keys(FAULTS).map((fault) => {
      const [soft, base] = gateways.map((gateway) => {
        const run = runs.find((r) => r.fault === fault && r.gateway === gateway.name) as Run;
        return percentile(
          [...run.latencies].sort((a, b) => a - b),
          99,
        );
      }) as [number, number];
      return `- ${fault}: ${(base / soft).toFixed(1)}×`;
    }),
    '',
    'Stale reasons seen:',
    ...runs.flatMap((run) =>
      [...run.reasons].map(
        ([reason, count]) => `- ${run.fault}, ${run.gateway}: ${count} × ${reason}`,
      ),
    ),
  ];
  const report = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${report}`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'stale-answers.md'), report);
  const failed = runs.reduce((sum, run) => sum + run.failed, 0);
  if (failed > 0) throw new Error(`${failed} answers were not a dossier`);
}

async function setFaults(system: string, faults: object): Promise<void> {
  const response = await fetch(`${system}/__sample/faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`cannot set faults: ${await response.text()}`);
}

/** Callers looking up held codes one after another until the time is up; every answer timed. */
async function measure(
  fault: string,
  gateway: { name: string; url: string },
  pool: string[],
  headers: Record<string, string>,
): Promise<Run> {
  const run: Run = {
    fault,
    gateway: gateway.name,
    latencies: [],
    stale: 0,
    fresh: 0,
    failed: 0,
    reasons: new Map(),
  };
  const until = Date.now() + SECONDS * 1000;
  const caller = async () => {
    while (Date.now() < until) {
      const code = pool.pop();
      if (code === undefined) throw new Error('out of held codes: raise STALE_CODES');
      const started = performance.now();
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          query:
            'query ($code: String!) { dossier(code: $code) { code source { stale staleReason } } }',
          variables: { code },
        }),
      });
      const body = (await response.json()) as {
        data?: {
          dossier: { code: string; source: { stale: boolean; staleReason: string | null } };
        };
        errors?: unknown;
      };
      run.latencies.push(Math.round(performance.now() - started));
      const dossier = body.data?.dossier;
      if (body.errors !== undefined || dossier?.code !== code) run.failed += 1;
      else if (dossier.source.stale) {
        run.stale += 1;
        // The reason without the figures that vary (ms, attempt counts): one line per kind.
        const reason = (dossier.source.staleReason ?? '').replace(/\d+/g, 'N');
        run.reasons.set(reason, (run.reasons.get(reason) ?? 0) + 1);
      } else run.fresh += 1;
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  return run;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
