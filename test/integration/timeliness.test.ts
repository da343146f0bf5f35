import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import type { SampleDossier } from '../../samples/generator/SampleDataset';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, type TestGateway } from '../support/testGateway';

const QUERY = `query ($c: [String!]!) { dossiers(codes: $c) { code dossier {
  status { code } dueAt timeliness { state overdue dueAt endedAt lateByHours reason } } } }`;

interface Answer {
  dossiers: Array<{
    code: string;
    dossier: {
      timeliness: { state: string; overdue: boolean; lateByHours: number; reason: string };
    } | null;
  }>;
}

/**
 * `Dossier.timeliness` on the sample systems' dossiers: finished well before or well after the due
 * date, and unfinished past it. Days apart, so that working-time details do not decide the case
 * (the unit tests cover those).
 */
describe('Dossier.timeliness through the gateway', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1500, seed: 88 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const DAY = 86_400_000;
  const ended = (d: SampleDossier) =>
    [9, 10].includes(d.status) && d.finishedAt !== null && d.supplements.length === 0;
  const margin = (d: SampleDossier) =>
    (d.finishedAt as NonNullable<SampleDossier['finishedAt']>).toMillis() - d.dueAt.toMillis();

  it('finished days before its due date: on time; days after: late; unfinished and past due: overdue', async () => {
    const onTime = findCodes(
      samples.provincial.dataset,
      3,
      (d) => ended(d) && margin(d) < -3 * DAY,
    );
    const late = findCodes(samples.provincial.dataset, 3, (d) => ended(d) && margin(d) > 3 * DAY);
    const open = findCodes(
      samples.provincial.dataset,
      3,
      (d) =>
        d.status === 4 && d.supplements.length === 0 && d.dueAt.toMillis() < Date.now() - 3 * DAY,
    );
    expect([onTime.length, late.length, open.length]).toEqual([3, 3, 3]);
    const answer = await t.query<Answer>(QUERY, { c: [...onTime, ...late, ...open] }, 'portal');
    expect(answer.errors).toBeUndefined();
    const states = answer.data?.dossiers.map((item) => item.dossier?.timeliness);
    expect(states?.slice(0, 3).map((s) => [s?.state, s?.overdue])).toEqual(
      Array(3).fill(['ON_TIME', false]),
    );
    expect(states?.slice(3, 6).map((s) => [s?.state, s?.overdue])).toEqual(
      Array(3).fill(['LATE', true]),
    );
    expect(states?.slice(3, 6).every((s) => (s?.lateByHours ?? 0) > 8)).toBe(true);
    expect(states?.slice(6).map((s) => [s?.state, s?.overdue])).toEqual(
      Array(3).fill(['IN_PROGRESS', true]),
    );
  });

  it('counts more than one supplement request as late', async () => {
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => ended(d) === false && [9, 10].includes(d.status) && d.supplements.length > 1,
    );
    if (code === undefined)
      throw new Error('the sample data has no dossier with two supplement rounds');
    const answer = await t.query<Answer>(QUERY, { c: [code] }, 'portal');
    expect(answer.data?.dossiers[0]?.dossier?.timeliness).toMatchObject({
      state: 'LATE',
      reason: expect.stringContaining('supplement requests: late'),
    });
  });
});
