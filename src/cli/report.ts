import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gateway } from './gatewayClient';

const USAGE = `An indicator report from a running gateway (GATEWAY_URL, default http://127.0.0.1:4000;
GATEWAY_API_KEY, an auditor or admin key): queued, followed with a progress bar, written as CSV and
HTML and as an Excel workbook.

  npm run report -- --agencies H56 --from 2026-07-01 --to 2026-09-30 [--out reports]
  npm run report -- --agencies 000.00.01.H56,000.01.12.H56 --from 2026-07-01 --to 2026-07-31

Agencies are agency codes or hierarchy keys (H56: every unit of Thanh Hóa). Writes
<out>/report-<from>-<to>-<id>.csv, .html and .xlsx and prints the headline figures.`;

interface Job {
  id: string;
  state: string;
  problems: string[];
  progress: { percent: number; dossiers: number; etaSeconds: number | null };
  result: {
    complete: boolean;
    total: {
      toResolve: number;
      carriedOver: number;
      received: number;
      resolved: number;
      resolvedLate: number;
      openOverdue: number;
    };
    indicators: Array<{ id: string; rate: number | null; status: string }>;
  } | null;
  csv: string | null;
  html: string | null;
  xlsx: string | null;
}

const READ = `query ($id: ID!) { report(id: $id) { id state problems
  progress { percent dossiers etaSeconds }
  result { complete total { toResolve carriedOver received resolved resolvedLate openOverdue }
    indicators { id rate status } } csv html xlsx } }`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      agencies: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string', default: 'reports' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.agencies || !values.from || !values.to) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const agencies = values.agencies
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const started = await gateway<{ startReport: { id: string } }>(
    'mutation ($i: ReportInput!) { startReport(input: $i) { id } }',
    { i: { agencies, from: values.from, to: values.to } },
  );
  const id = started.startReport.id;
  let job: Job;
  const interactive = process.stderr.isTTY === true;
  for (;;) {
    const read = (await gateway<{ report: Job | null }>(READ, { id })).report;
    if (read === null)
      throw new Error(`report ${id} is gone (the gateway restarted?); start it again`);
    job = read;
    const { percent, dossiers, etaSeconds } = job.progress;
    const filled = Math.round(percent / 5);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${percent.toFixed(1)} % · ${dossiers} dossiers${etaSeconds === null ? '' : ` · ${etaSeconds} s left`}`;
    process.stderr.write(interactive ? `\r${line}` : `${line}\n`);
    if (!['QUEUED', 'RUNNING'].includes(job.state)) break;
    await new Promise((done) => setTimeout(done, 500));
  }
  if (interactive) process.stderr.write('\n');
  // Problems quote upstream systems: no control characters reach the terminal.
  for (const problem of job.problems)
    process.stderr.write(`problem: ${problem.replace(/\p{Cc}/gu, ' ')}\n`);
  if (
    job.state !== 'DONE' ||
    job.result === null ||
    job.csv === null ||
    job.html === null ||
    job.xlsx === null
  ) {
    process.stderr.write(`report ${id} ended ${job.state}\n`);
    return 1;
  }
  const folder = resolve(values.out as string);
  await mkdir(folder, { recursive: true });
  const base = join(folder, `report-${values.from}-${values.to}-${id.slice(0, 8)}`);
  await writeFile(`${base}.csv`, job.csv);
  await writeFile(`${base}.html`, job.html);
  await writeFile(`${base}.xlsx`, Buffer.from(job.xlsx, 'base64'));
  const rate = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);
  process.stdout.write(
    [headline(job.result, rate), `${base}.csv`, `${base}.html`, `${base}.xlsx`].join('\n') + '\n',
  );
  return 0;
}

function headline(
  result: NonNullable<Job['result']>,
  rate: (value: number | null) => string,
): string {
  const t = result.total;
  const figure = (id: string) => {
    const indicator = result.indicators.find((entry) => entry.id === id);
    return indicator === undefined
      ? '—'
      : `${rate(indicator.rate)}${indicator.status === 'PARTIAL' ? ' (partial)' : ''}`;
  };
  return `to resolve ${t.toResolve} (carried over ${t.carriedOver}, received ${t.received}); resolved ${t.resolved} (late ${t.resolvedLate}); overdue unresolved ${t.openOverdue}; 2.1 on time ${figure('2.1')}; 3.3 online ${figure('3.3')}${result.complete ? '' : ' — incomplete, see problems'}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
