import { start, stopAll } from './processes';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileApiKeyStore } from '../src/auth/apiKeys';

/**
 * The report benchmark (issue 9): one indicator report over a year of dossiers of every agency of
 * the three sample systems, through a production-mode gateway process and the sample systems as
 * their own process. Prints the dossiers counted, wall time, dossiers per second, and the
 * gateway's resident memory before, at its peak (sampled every 200 ms, and the kernel's high-water
 * mark), and after. BENCH_REPORT_SIZE sets the sample systems' size (default 60 000: about
 * 61 000 dossiers in the year reported, ≈45 s here); a million dossiers in the report needs about
 * BENCH_REPORT_SIZE=1000000 (≈12 min at today's pace).
 */
const SIZE = Number(process.env.BENCH_REPORT_SIZE ?? 60_000);

/** Resident memory of a process in MB (`VmRSS`, or the peak `VmHWM`), from /proc. */
function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function main(): Promise<void> {
  const samples = await start(
    ['samples/main.ts'],
    { SAMPLE_SIZE: String(SIZE), SAMPLE_SEED: '2025' },
    /Example codes: .*\n/,
  );
  const variables = Object.fromEntries(
    [...samples.output().matchAll(/export (\w+)=(\S+)/g)].map((m) => [
      m[1] as string,
      m[2] as string,
    ]),
  );
  const keysFile = join(mkdtempSync(join(tmpdir(), 'bench-report-')), 'api-keys.json');
  const keyStore = await FileApiKeyStore.open(keysFile);
  const { key } = await keyStore.create(
    { name: 'bench', role: 'auditor', createdBy: 'bench' },
    new Date(),
  );
  await keyStore.close();
  const gateway = await start(
    ['src/main.ts'],
    {
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
      CATALOGUE_SYNC_INTERVAL_MS: '0',
    },
    /GraphQL\s+(http:\/\/\S+)\/graphql/,
  );
  const url = `${gateway.match[1]}/graphql`;
  const pid = gateway.child.pid as number;
  const ask = async <T>(query: string, variables: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    if (answer.errors !== undefined)
      throw new Error(answer.errors.map((e) => e.message).join('; '));
    return answer.data as T;
  };
  const before = memory(pid, 'VmRSS');
  const started = performance.now();
  const { startReport } = await ask<{ startReport: { id: string } }>(
    'mutation ($i: ReportInput!) { startReport(input: $i) { id } }',
    { i: { agencies: ['H56', 'G09', 'G07'], from: '2025-11-01', to: '2026-10-31' } },
  );
  let peak = before;
  let job: {
    state: string;
    problems: string[];
    progress: { dossiers: number };
    result: { received: number } | null;
  };
  for (;;) {
    peak = Math.max(peak, memory(pid, 'VmRSS'));
    job = (
      await ask<{ report: typeof job }>(
        'query ($id: ID!) { report(id: $id) { state problems progress { dossiers } result { received } } }',
        { id: startReport.id },
      )
    ).report;
    if (!['QUEUED', 'RUNNING'].includes(job.state)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const seconds = (performance.now() - started) / 1000;
  if (job.state !== 'DONE' || job.result === null)
    throw new Error(`report ended ${job.state}: ${job.problems.join('; ')}`);
  const lines = [
    `Report over ${job.result.received} dossiers (sample size ${SIZE} per system, every H56, G09 and G07 agency, 2025-11-01 to 2026-10-31):`,
    `  wall time ${seconds.toFixed(1)} s, ${(job.result.received / seconds).toFixed(0)} dossiers/s`,
    `  gateway resident memory: ${before} MB before, peak ${peak} MB sampled (kernel high-water mark ${memory(pid, 'VmHWM')} MB), ${memory(pid, 'VmRSS')} MB after`,
    `  problems: ${job.problems.length === 0 ? 'none' : job.problems.join('; ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
  });
