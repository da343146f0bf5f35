import { rm } from 'node:fs/promises';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import type { SampleDossier } from '../../samples/generator/SampleDataset';
import { sampleRegistrationsWith } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, type TestGateway } from '../support/testGateway';

const QUERY = `query ($c: [String!]!) { dossiers(codes: $c) { code dossier {
  dueAt dueAtTimeGiven datesWithoutTime finishedAt
  history { dueAt dueAtTimeGiven }
  timeliness { state dueAt } } } }`;

interface Answer {
  dossiers: Array<{
    code: string;
    dossier: {
      dueAt: string;
      dueAtTimeGiven: boolean | null;
      datesWithoutTime: string[];
      finishedAt: string;
      history: Array<{ dueAt: string | null; dueAtTimeGiven: boolean | null }>;
      timeliness: { state: string; dueAt: string };
    } | null;
  }>;
}

/**
 * Issue 22 item 7 through the gateway: the sample provincial system's registration reads only the
 * day of its due date (`dd/MM/yyyy`), as the platform of the issue sends it. GraphQL shows the end
 * of that working day (17:00: the sample agencies keep the standard hours), says the time was not
 * given, and `timeliness` judges by the same instant.
 */
describe('A due date without a time, through the gateway', () => {
  let samples: SampleSystems;
  let registrations: string;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1500, seed: 88 });
    registrations = await sampleRegistrationsWith({
      'thanh-hoa-motcua': {
        'config.mapping.dueAt': '$substring(dueDate, 0, 10)',
        'config.dates.formats': ['dd/MM/yyyy HH:mm:ss', 'dd/MM/yyyy'],
      },
    });
    t = await startTestGateway({
      samples,
      env: { REGISTRATIONS_DIR: registrations, CATALOGUE_SYNC_INTERVAL_MS: '0' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await samples?.close();
    if (registrations !== undefined) await rm(registrations, { recursive: true, force: true });
  });

  const day = (at: NonNullable<SampleDossier['finishedAt']>) =>
    at.setZone('UTC+7').toFormat('yyyy-MM-dd');
  /** Resolved, without supplements, on the Vietnam day of its due date, before or after 17:00. */
  const onDueDay = (d: SampleDossier, after17: boolean) =>
    [9, 10].includes(d.status) &&
    d.finishedAt !== null &&
    d.supplements.length === 0 &&
    day(d.finishedAt) === day(d.dueAt) &&
    d.finishedAt.setZone('UTC+7').hour >= 17 === after17;

  it('shows the end of the working day, says no time was given, and judges by it', async () => {
    const before = findCodes(samples.provincial.dataset, 2, (d) => onDueDay(d, false));
    expect(before.length).toBe(2);
    const answer = await t.query<Answer>(QUERY, { c: before }, 'portal');
    expect(answer.errors).toBeUndefined();
    for (const item of answer.data?.dossiers ?? []) {
      const dossier = item.dossier;
      const expected = samples.provincial.dataset.get(item.code) as SampleDossier;
      expect(dossier).toMatchObject({
        dueAt: `${day(expected.dueAt)}T17:00:00+07:00`,
        dueAtTimeGiven: false,
        datesWithoutTime: ['dueAt'],
        // Finished on its due day: on time, whatever hour the system had set.
        timeliness: { state: 'ON_TIME' },
      });
      expect(Date.parse(dossier?.timeliness.dueAt ?? '')).toBe(
        Date.parse(`${day(expected.dueAt)}T17:00:00+07:00`),
      );
      // The history's due dates still carry their time.
      expect(dossier?.history.filter((step) => step.dueAt !== null).length).toBeGreaterThan(0);
      for (const step of dossier?.history ?? [])
        expect(step.dueAtTimeGiven).toBe(step.dueAt === null ? null : true);
    }
    expect(answer.data?.dossiers.length).toBe(2);
  });

  it('finished after 17:00 on its due day: late', async () => {
    const after = findCodes(samples.provincial.dataset, 1, (d) => onDueDay(d, true));
    expect(after.length).toBe(1);
    const answer = await t.query<Answer>(QUERY, { c: after }, 'portal');
    expect(answer.data?.dossiers[0]?.dossier).toMatchObject({
      dueAtTimeGiven: false,
      timeliness: { state: 'LATE' },
    });
  });
});
