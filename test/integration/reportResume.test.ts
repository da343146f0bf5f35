import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { runProductionOnRedis, type MainProcess } from '../support/runMain';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { REPORT_RESULT_FIELDS, type ReportResultView } from '../support/reportFields';

const PREFIX = 'resume:';
const START = `mutation ($i: ReportInput!) { startReport(input: $i) { id state } }`;
const READ = `query ($id: ID!) { report(id: $id) { id state problems
  progress { percent agenciesDone agenciesTotal pages dossiers }
  result ${REPORT_RESULT_FIELDS} } }`;

interface Job {
  id: string;
  state: string;
  problems: string[];
  progress: { pages: number; dossiers: number; agenciesDone: number; agenciesTotal: number };
  result: ReportResultView | null;
}

/**
 * Reports on Redis (BullMQ) survive their worker: a gateway process is SIGKILLed mid-report,
 * another process takes the report up from its last checkpoint, and the result equals an
 * uninterrupted run's, field by field.
 */
describe('A report on Redis whose worker is killed mid-way', () => {
  let redis: RedisServer;
  let samples: SampleSystems;
  let admin: string;
  const processes: MainProcess[] = [];

  const gateway = async () => {
    const started = await runProductionOnRedis(samples.variables, { REDIS_URL: redis.url }, PREFIX);
    processes.push(started);
    return started;
  };
  const query = async <T>(on: MainProcess, text: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${on.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': admin },
      body: JSON.stringify({ query: text, variables }),
    });
    return (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  };
  const read = async (on: MainProcess, id: string) =>
    (await query<{ report: Job }>(on, READ, { id })).data?.report as Job;
  const finished = async (on: MainProcess, id: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await read(on, id);
      if (!['QUEUED', 'RUNNING'].includes(job.state) || Date.now() > deadline) return job;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const spec = { agencies: ['H56'], from: '2026-04-01', to: '2026-09-30' };

  beforeAll(async () => {
    redis = await startRedisServer();
    samples = await startSampleSystems({ size: 20_000, seed: 91 });
    const keys = new RedisApiKeyStore(redis.url, PREFIX);
    admin = (
      await keys.create({ name: 'test admin', role: 'admin', createdBy: 'test' }, new Date())
    ).key;
    await keys.close();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await samples.close();
    await redis.stop();
  });

  it('carries on from its checkpoint in another process, with the same result as an uninterrupted run', async () => {
    const victim = await gateway();
    const started = await query<{ startReport: { id: string } }>(victim, START, { i: spec });
    expect(started.errors).toBeUndefined();
    const id = started.data?.startReport.id as string;

    // Kill it hard once a few pages are counted and before the end.
    let before: Job;
    for (;;) {
      before = await read(victim, id);
      if (before.state !== 'QUEUED' && before.state !== 'RUNNING') break;
      if (before.progress.pages >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(before.state).toBe('RUNNING');
    victim.child.kill('SIGKILL');
    expect(before.progress.agenciesDone).toBeLessThan(before.progress.agenciesTotal);

    // Another process: the report's lock lapses, its stalled-job check puts it back on the queue,
    // and it carries on from the last checkpoint (not from the start).
    const survivor = await gateway();
    const resumed = await finished(survivor, id, 90_000);
    expect(resumed.problems).toEqual([]);
    expect(resumed.state).toBe('DONE');
    const line = survivor
      .stdout()
      .split('\n')
      .find((l) => l.includes('report resumed from its checkpoint'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string).pages).toBeGreaterThanOrEqual(before.progress.pages);

    // The same report, uninterrupted, on the survivor.
    const again = await query<{ startReport: { id: string } }>(survivor, START, { i: spec });
    const uninterrupted = await finished(survivor, again.data?.startReport.id as string, 90_000);
    expect(uninterrupted.state).toBe('DONE');
    expect(uninterrupted.result?.total.received).toBeGreaterThan(1000);
    // Field by field, but for when each system was read (the two runs read at different times).
    const figures = (result: ReportResultView | null) => ({
      ...result,
      sources: result?.sources.map((source) => ({ ...source, firstReadAt: '', lastReadAt: '' })),
    });
    expect(figures(resumed.result)).toEqual(figures(uninterrupted.result));
    expect(resumed.progress).toEqual(uninterrupted.progress);

    // Cancelled from another process: the worker stops at its next page, and every process reads
    // the report as cancelled, with no figures.
    const other = await gateway();
    const third = await query<{ startReport: { id: string } }>(survivor, START, { i: spec });
    const thirdId = third.data?.startReport.id as string;
    while ((await read(survivor, thirdId)).progress.pages < 2)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelled = await query<{ cancelReport: { state: string } }>(
      other,
      `mutation ($id: ID!) { cancelReport(id: $id) { state } }`,
      { id: thirdId },
    );
    expect(cancelled.data?.cancelReport.state).toBe('CANCELLED');
    const stopped = await finished(survivor, thirdId, 10_000);
    expect(stopped.state).toBe('CANCELLED');
    expect(stopped.result).toBeNull();
    // A page being saved when the cancel came may still land; after that, nothing moves.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pagesThen = (await read(other, thirdId)).progress.pages;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await read(other, thirdId)).progress.pages).toBe(pagesThen);
  }, 240_000);
});
