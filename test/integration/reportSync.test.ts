import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { REPORT_RESULT_FIELDS, type ReportResultView } from '../support/reportFields';
import { startTestGateway, type TestGateway } from '../support/testGateway';

const FROM = '2026-07-01';
const TO = '2026-09-30';

/**
 * The gateway's clock: mid-September 2026 (inside the sample data) while dossiers are looked up,
 * so that the gateway first finds a change of the system then; mid-October for the report.
 */
const BASE = Date.parse('2026-09-15T12:00:00+07:00');
let clock = BASE;

/**
 * Indicator 1.4 (dossiers synced to the portal over dossiers received) read from the gateway's
 * own sync bridge, for a system that does not say: of the dossiers received since the bridge
 * first delivered a change of the system, those it delivered are synced, the others are not;
 * those received before have no data.
 */
describe('Indicator 1.4 from the sync bridge', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let outboxDir: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 6000, seed: 66 });
    outboxDir = mkdtempSync(join(tmpdir(), 'report-outbox-'));
    t = await startTestGateway({
      samples,
      now: () => new Date(clock),
      env: {
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        ...samples.syncVariables,
        SYNC_OUTBOX: 'file',
        SYNC_OUTBOX_DIR: outboxDir,
      },
    });
  }, 30_000);
  afterAll(async () => {
    await (t as TestGateway | undefined)?.close();
    await (samples as SampleSystems | undefined)?.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  type Job = { state: string; problems: string[]; result: ReportResultView | null };

  /** Starts a report of the period for one agency, as an auditor, and waits for its end. */
  async function runReport(agency: string): Promise<Job> {
    const started = await t.query<{ startReport: { id: string } }>(
      `mutation ($i: ReportInput!) { startReport(input: $i) { id } }`,
      { i: { agencies: [agency], from: FROM, to: TO } },
      'auditor',
    );
    const id = started.data?.startReport.id as string;
    const until = Date.now() + 80_000;
    for (;;) {
      const job = (
        await t.query<{ report: Job }>(
          `query ($id: ID!) { report(id: $id) { state problems result ${REPORT_RESULT_FIELDS} } }`,
          { id },
          'auditor',
        )
      ).data?.report as Job;
      if (!['QUEUED', 'RUNNING'].includes(job.state) || Date.now() > until) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('of the dossiers received since the first delivery, those delivered are synced, the others not; the earlier ones have no data', async () => {
    const agency = '000.00.20.G09';
    const { dossiers } = samples.ministry.dataset.listReceived(agency, FROM, TO, 0, 1e9);
    // Received, by the result form's rule: not "submitted, not yet received" (1) nor rejected (3).
    const received = dossiers.filter((d) => d.status !== 1 && d.status !== 3);
    // Those received since the gateway found the first change it delivered (at BASE, below).
    const judged = received.filter((d) => d.receivedAt.toMillis() >= BASE);
    expect(judged.length).toBeGreaterThan(4);
    expect(received.length).toBeGreaterThan(judged.length);
    const delivered = judged.slice(0, 4).map((d) => d.code);
    const answer = await t.query(
      'query ($c: [String!]!) { dossiers(codes: $c) { code dossier { code } } }',
      { c: delivered },
      'portal',
    );
    expect(answer.errors).toBeUndefined();
    const deadline = Date.now() + 15_000;
    const synced = () => t.gateway.sync?.synced('bo-noi-vu-dvc', delivered);
    while (!(await synced())?.every(Boolean) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await synced()).toEqual([true, true, true, true]);
    expect(await t.gateway.sync?.firstSynced('bo-noi-vu-dvc')).toBe(new Date(BASE).toISOString());
    clock = Date.parse('2026-10-15T12:00:00+07:00');

    const job = await runReport(agency);
    expect([job.state, job.problems]).toEqual(['DONE', []]);
    const result = job.result as ReportResultView;
    expect(result.total.received).toBe(received.length);
    expect(result.indicators.find((entry) => entry.id === '1.4')).toMatchObject({
      status: 'PARTIAL',
      numerator: 4,
      denominator: judged.length,
    });
    const source = result.sources.find((entry) => entry.connector === 'bo-noi-vu-dvc');
    // The listed dossiers received since the first delivery had their sync read from the gateway.
    expect(source?.syncFromGateway).toBe(
      dossiers.filter((d) => d.receivedAt.toMillis() >= BASE).length,
    );
  }, 120_000);

  it('when the bridge cannot say, those dossiers have no sync data and the report says so once', async () => {
    const sync = t.gateway.sync as NonNullable<TestGateway['gateway']['sync']>;
    const synced = sync.synced;
    sync.synced = () => Promise.reject(new Error('the outbox cannot be read'));
    try {
      const job = await runReport('000.00.20.G09');
      expect(job.state).toBe('DONE');
      expect(job.problems).toEqual([
        'bo-noi-vu-dvc: dossiers left without sync data (indicator 1.4): the sync bridge cannot say now which dossiers it delivered',
      ]);
      const result = job.result as ReportResultView;
      expect(result.indicators.find((entry) => entry.id === '1.4')).toMatchObject({
        status: 'NO_DATA',
        rate: null,
      });
    } finally {
      sync.synced = synced;
    }
  }, 120_000);
});
