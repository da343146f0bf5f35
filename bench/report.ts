import { readFileSync } from 'node:fs';
import { productionGateway, start, startSampleProcess, stopAll } from './processes';

/**
 * The report benchmark (issue 9): one indicator report over a year of dossiers of every agency of
 * the three sample systems, through a production-mode gateway process and the sample systems as
 * their own process. Prints the dossiers counted, wall time, dossiers per second, and the
 * gateway's resident memory before, at its peak (sampled every 200 ms, and the kernel's high-water
 * mark), and after, with the V8 heap from the gateway's /metrics. BENCH_REPORT_SIZE sets the sample
 * systems' size: the default 1 000 000 gives about a million dossiers in the year reported
 * (≈9 min here); 60 000 gives about 61 000 (≈40 s) for a quick look.
 */
const SIZE = Number(process.env.BENCH_REPORT_SIZE ?? 1_000_000);

/** Resident memory of a process in MB (`VmRSS`, or the peak `VmHWM`), from /proc. */
function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function main(): Promise<void> {
  const variables = await startSampleProcess(SIZE, 2025);
  const { key, env } = await productionGateway(variables, 'auditor');
  const gateway = await start(
    ['src/main.ts'],
    { ...env, CATALOGUE_SYNC_INTERVAL_MS: '0', METRICS_TOKEN: 'bench-metrics-token' },
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
  /** V8 heap and off-heap memory at the sampled peak (from /metrics), to see where RSS goes. */
  let atPeak = '';
  const heap = async () => {
    const text = await (
      await fetch(`${gateway.match[1]}/metrics`, {
        headers: { authorization: 'Bearer bench-metrics-token' },
      })
    ).text();
    const mb = (name: string) =>
      Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 1048576);
    return `heap used ${mb('dvcgw_nodejs_heap_size_used_bytes')} MB of ${mb('dvcgw_nodejs_heap_size_total_bytes')} MB, external ${mb('dvcgw_nodejs_external_memory_bytes')} MB`;
  };
  const before = memory(pid, 'VmRSS');
  const heapBefore = await heap();
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
    result: { total: { received: number } } | null;
  };
  for (;;) {
    const rss = memory(pid, 'VmRSS');
    if (rss > peak) {
      peak = rss;
      atPeak = await heap();
    }
    job = (
      await ask<{ report: typeof job }>(
        'query ($id: ID!) { report(id: $id) { state problems progress { dossiers } result { total { received } } } }',
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
    `Report over ${job.result.total.received} dossiers (sample size ${SIZE} per system, every H56, G09 and G07 agency, 2025-11-01 to 2026-10-31):`,
    `  wall time ${seconds.toFixed(1)} s, ${(job.result.total.received / seconds).toFixed(0)} dossiers/s`,
    `  gateway resident memory: ${before} MB before (${heapBefore}), peak ${peak} MB sampled (${atPeak}; kernel high-water mark ${memory(pid, 'VmHWM')} MB), ${memory(pid, 'VmRSS')} MB after (${await heap()})`,
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
