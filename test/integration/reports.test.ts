import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { runCli } from '../support/runCli';
import { PROJECT_ROOT, startTestGateway, type TestGateway } from '../support/testGateway';
import { hierarchyKeys } from '../../src/services/agencies/agencyCode';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';

const START = `mutation ($i: ReportInput!) { startReport(input: $i) { id state } }`;
const READ = `query ($id: ID!) { report(id: $id) { id state problems
  progress { percent agenciesDone agenciesTotal pages dossiers etaSeconds }
  result { received complete onTheSpotTargets { label target received count rate met }
    byStatus { key count } byChannel { key count }
    onTime { judged onTime late rate unknown } online { count rate } onTheSpot { count rate }
    overdue { code agency lateByHours state } agencies { agency received onTimeRate onlineRate } } } }`;

interface Job {
  id: string;
  state: string;
  problems: string[];
  progress: { percent: number; agenciesDone: number; agenciesTotal: number; dossiers: number };
  result: {
    received: number;
    complete: boolean;
    byStatus: Array<{ key: string; count: number }>;
    byChannel: Array<{ key: string; count: number }>;
    onTime: { judged: number; onTime: number; late: number; rate: number | null };
    online: { count: number; rate: number | null };
    overdue: Array<{ code: string; lateByHours: number }>;
    agencies: Array<{ agency: string; received: number }>;
    onTheSpotTargets: Array<{
      label: string;
      target: number;
      received: number;
      count: number;
      met: boolean | null;
    }>;
  } | null;
}

/** Indicator reports as jobs, checked against the sample systems' own data. */
describe('Indicator reports', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 6000, seed: 66 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const waitFor = async (id: string, as: 'auditor' | 'admin' = 'auditor'): Promise<Job> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await t.query<{ report: Job }>(READ, { id }, as);
      const job = answer.data?.report as Job;
      if (!['QUEUED', 'RUNNING'].includes(job.state) || Date.now() > deadline) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('a province over a quarter: every unit listed, counts equal to the systems’ own', async () => {
    const started = await t.query<{ startReport: { id: string; state: string } }>(
      START,
      { i: { agencies: ['H56'], from: '2026-07-01', to: '2026-09-30' } },
      'auditor',
    );
    expect(started.errors).toBeUndefined();
    const job = await waitFor(started.data?.startReport.id as string);
    expect([job.state, job.problems]).toEqual(['DONE', []]);
    expect(job.problems).toEqual([]);
    expect(job.progress).toMatchObject({ percent: 100 });
    expect(job.progress.agenciesDone).toBe(job.progress.agenciesTotal);
    const result = job.result as NonNullable<Job['result']>;
    expect(result.complete).toBe(true);
    // The queue shows in /metrics: nothing waiting now, this one done.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/^dvcgw_report_jobs\{state="queued"\} 0$/m);
    expect(metrics).toMatch(/^dvcgw_report_jobs\{state="done"\} [1-9]\d*$/m);
    // The truth: each listed agency's dossiers as its sample system holds them.
    let received = 0;
    let online = 0;
    for (const { agency, received: count } of result.agencies) {
      const system = /\.1[12]\.H56$/.test(agency) ? samples.land : samples.provincial;
      const truth = system.dataset.listReceived(agency, '2026-07-01', '2026-09-30', 0, 1e9);
      expect([agency, count]).toEqual([agency, truth.total]);
      received += truth.total;
      online += truth.dossiers.filter((d) => d.channel === 2).length;
    }
    expect(result.received).toBe(received);
    // On-the-spot targets by level (data/indicator-targets.yaml): the centre (20 %), the communes (50 %).
    expect(result.onTheSpotTargets.map((g) => [g.target, g.received])).toEqual([
      [0.2, result.agencies.find((a) => a.agency === '000.00.01.H56')?.received],
      [
        0.5,
        result.agencies
          .filter((a) => a.agency.endsWith('.70.H56'))
          .reduce((sum, a) => sum + a.received, 0),
      ],
    ]);
    for (const group of result.onTheSpotTargets)
      expect(group.met).toBe(
        group.received === 0 ? null : group.count / group.received >= group.target,
      );
    expect(received).toBeGreaterThan(500);
    expect(result.byStatus.reduce((sum, s) => sum + s.count, 0)).toBe(received);
    expect(result.byChannel.find((c) => c.key === '2')?.count).toBe(online);
    expect(result.online).toEqual({ count: online, rate: online / received });
    // Every H56 agency with dossiers in the period is in the report (none skipped).
    const directory = await loadAgencyDirectory(join(PROJECT_ROOT, 'data', 'agencies.sample.yaml'));
    const expected = [...directory.list({})]
      .filter((a) => hierarchyKeys(a.code).includes('H56'))
      .map((a) => a.code)
      .filter((code) => {
        const system = /\.1[12]\.H56$/.test(code) ? samples.land : samples.provincial;
        return system.dataset.listReceived(code, '2026-07-01', '2026-09-30', 0, 1).total > 0;
      })
      .sort();
    expect(result.agencies.map((a) => a.agency)).toEqual(expected);
    // Each overdue dossier is late by the sample system's own dates: finished after its due date,
    // or unfinished and past due at the period's end, or more than one supplement request.
    expect(result.overdue.length).toBeGreaterThan(0);
    const periodEnd = Date.parse('2026-09-30T23:59:59+07:00');
    for (const overdue of result.overdue) {
      const system = /\.1[12]\.H56-/.test(overdue.code) ? samples.land : samples.provincial;
      const sample = system.dataset.get(overdue.code);
      expect(sample).toBeDefined();
      const dossier = sample as NonNullable<typeof sample>;
      const rounds = dossier.supplements.length;
      const late =
        rounds > 1 ||
        (dossier.finishedAt === null
          ? dossier.dueAt.toMillis() < periodEnd
          : dossier.finishedAt.toMillis() > dossier.dueAt.toMillis());
      expect([overdue.code, late]).toEqual([overdue.code, true]);
    }
  });

  it('gives the figures as CSV and as a self-contained HTML page that renders offline in Chromium', async () => {
    const started = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['H56'], from: '2026-04-01', to: '2026-09-30' } },
      'auditor',
    );
    const id = started.data?.startReport.id as string;
    expect((await waitFor(id)).state).toBe('DONE');
    const outputs = await t.query<{
      report: {
        csv: string;
        html: string;
        result: { received: number; agencies: unknown[]; months: Array<{ month: string }> };
      };
    }>(
      `query ($id: ID!) { report(id: $id) { csv html result { received agencies { agency } months { month } } } }`,
      { id },
      'auditor',
    );
    const report = outputs.data?.report as NonNullable<typeof outputs.data>['report'];
    expect(report.result.months.map((m) => m.month)).toEqual([
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
    ]);
    const lines = report.csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'agency_code,agency_name,received,judged,on_time,late,on_time_rate,online_rate',
    );
    expect(lines).toHaveLength(report.result.agencies.length + 2);
    expect(lines.at(-1)?.split(',')[2]).toBe(String(report.result.received));
    expect(report.csv).toContain('Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa');

    const chromiumPath = '/usr/bin/chromium';
    if (!existsSync(chromiumPath))
      throw new Error(
        'Chromium is not installed. Install it with: apt-get update && apt-get install -y chromium',
      );
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requested: string[] = [];
      await page.route('**/*', (route) => {
        requested.push(route.request().url());
        return route.abort();
      });
      await page.setContent(report.html);
      for (const chart of ['status-mix', 'on-time-trend', 'agencies-overdue']) {
        expect(await page.locator(`#${chart} rect`).count()).toBeGreaterThan(0);
      }
      expect(await page.locator('#on-time-trend rect').count()).toBe(6);
      expect(await page.locator('h1').textContent()).toBe(
        'Báo cáo chỉ số giải quyết thủ tục hành chính',
      );
      mkdirSync(join(PROJECT_ROOT, 'test', 'artifacts'), { recursive: true });
      await page.screenshot({
        path: join(PROJECT_ROOT, 'test', 'artifacts', 'report.png'),
        fullPage: true,
      });
      // Self-contained: nothing was fetched.
      expect(requested).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 30_000);

  it('runs from the command line with a progress bar and writes the CSV and HTML files', async () => {
    const out = await mkdtemp(join(tmpdir(), 'report-cli-'));
    const run = (...args: string[]) =>
      runCli('report', { GATEWAY_URL: t.url, GATEWAY_API_KEY: t.keys.auditor }, ...args);
    const done = await run(
      '--agencies',
      '000.00.01.H56',
      '--from',
      '2026-07-01',
      '--to',
      '2026-07-31',
      '--out',
      out,
    );
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/\[#{20}\] 100\.0 % · \d+ dossiers/);
    const [summary, csvFile, htmlFile] = done.stdout.trim().split('\n');
    expect(summary).toMatch(/^received \d+, on time [\d.]+ % \(late \d+\), online [\d.]+ %$/);
    expect((await readFile(csvFile as string, 'utf8')).split('\r\n')[0]).toContain('agency_code');
    expect(await readFile(htmlFile as string, 'utf8')).toContain('<svg id="status-mix"');
    const refused = await run(
      '--agencies',
      'nowhere',
      '--from',
      '2026-07-01',
      '--to',
      '2026-07-31',
      '--out',
      out,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'BAD_USER_INPUT: agencies: "nowhere" is neither an agency code',
    );
  }, 30_000);

  it('is for auditors and admins, who share the reports; every start is on record', async () => {
    for (const role of ['portal', 'province-it'] as const) {
      const refused = await t.query(
        START,
        { i: { agencies: ['H56'], from: '2026-07-01', to: '2026-07-31' } },
        role,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const purpose = 'Báo cáo tháng 7/2026 theo Quyết định 766/QĐ-TTg';
    const mine = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['000.00.01.H56'], from: '2026-07-01', to: '2026-07-31', purpose } },
      'admin',
    );
    const id = mine.data?.startReport.id as string;
    expect((await waitFor(id, 'auditor')).state).toBe('DONE');
    const log = await t.query<{ auditLog: { nodes: Array<{ scope: string; purpose: string }> } }>(
      `{ auditLog(filter: { action: "report.start" }) { nodes { scope purpose } } }`,
    );
    expect(log.data?.auditLog.nodes).toContainEqual({
      scope: `000.00.01.H56 from 2026-07-01 to 2026-07-31; report ${id}`,
      purpose,
    });
    const vague = await t.query(
      START,
      { i: { agencies: ['H56'], from: '2026-07-01', to: '2026-07-31', purpose: 'vì' } },
      'auditor',
    );
    expect(vague.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a bad scope or period, naming it, and cancels on request', async () => {
    const bad = await t.query(
      START,
      { i: { agencies: ['not-an-agency'], from: '2026-07-01', to: '2026-07-31' } },
      'auditor',
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toContain('"not-an-agency" is neither an agency code');
    const long = await t.query(
      START,
      { i: { agencies: ['H56'], from: '2024-01-01', to: '2026-09-30' } },
      'auditor',
    );
    expect(long.errors?.[0]?.message).toContain('at most 366 days');
    const started = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['H56', 'G09'], from: '2025-10-01', to: '2026-09-30' } },
      'auditor',
    );
    const id = started.data?.startReport.id as string;
    const cancelled = await t.query<{ cancelReport: { state: string } }>(
      `mutation ($id: ID!) { cancelReport(id: $id) { state } }`,
      { id },
      'auditor',
    );
    expect(cancelled.data?.cancelReport.state).toBe('CANCELLED');
    const after = await waitFor(id);
    expect([after.state, after.result]).toEqual(['CANCELLED', null]);
    // A finished report stays as it is.
    const small = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['000.00.01.H56'], from: '2026-07-01', to: '2026-07-02' } },
      'auditor',
    );
    const smallId = small.data?.startReport.id as string;
    expect((await waitFor(smallId)).state).toBe('DONE');
    const again = await t.query<{ cancelReport: { state: string } }>(
      `mutation ($id: ID!) { cancelReport(id: $id) { state } }`,
      { id: smallId },
      'auditor',
    );
    expect(again.data?.cancelReport.state).toBe('DONE');
  });
});
