import { rm } from 'node:fs/promises';
import { DateTime } from 'luxon';
import type { DossierChanged } from '../../src/events/DossierEvents';
import { VIETNAM } from '../../samples/generator/SampleDataset';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { sampleRegistrationsWith } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, type TestGateway } from '../support/testGateway';

const NOW = DateTime.fromISO('2026-10-25T10:00:00', { zone: VIETNAM });
const LAND = 'thanh-hoa-datdai';

async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Change feed across replicas sharing Redis', () => {
  let samples: SampleSystems;
  let registrations: string;
  const replicas: TestGateway[] = [];
  const prefix = `changes-${process.pid}-${Date.now()}:`;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    // The land system polled every 10 s (the shortest interval allowed).
    registrations = await sampleRegistrationsWith({
      [LAND]: { 'changes.everySeconds': 10 },
    });
    for (let i = 0; i < 2; i += 1) {
      replicas.push(
        await startTestGateway({
          samples,
          now: () => NOW.toJSDate(),
          env: {
            REDIS_URL: process.env.TEST_REDIS_URL as string,
            REDIS_KEY_PREFIX: prefix,
            REGISTRATIONS_DIR: registrations,
            CATALOGUE_SYNC_INTERVAL_MS: '0',
            CHANGE_POLLS: 'true',
          },
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await samples.close();
    await rm(registrations, { recursive: true, force: true });
  });

  it('one poll at a time per system across replicas; a change is found and announced once, on both', async () => {
    const [first, second] = replicas as [TestGateway, TestGateway];
    const [code] = findCodes(
      samples.land.dataset,
      1,
      (d) => d.receivedAt >= NOW.minus({ days: 6 }).startOf('day') && d.status === 4,
    );
    const polls = () =>
      replicas.map(
        (replica) =>
          replica.gateway.changes.polls().find((seen) => seen.connectorId === LAND)?.polls ?? 0,
      );
    // The first scheduled poll (on either replica) sees the window for the first time.
    await until(() => polls().some((count) => count > 0), 30_000);
    const heard = replicas.map((replica) => {
      const codes: string[] = [];
      const stop = replica.gateway.events.subscribe((event: DossierChanged) =>
        codes.push(...event.codes),
      );
      return { codes, stop };
    });
    try {
      const before = polls();
      await fetch(`${samples.land.url}/__sample/dossiers/${code}/status`, {
        method: 'POST',
        body: JSON.stringify({ status: 10 }),
      });
      // Found by the next scheduled poll, whichever replica runs it; heard once by each.
      await until(() => heard.every((h) => h.codes.length > 0), 30_000);
      await until(() => polls().reduce((a, b) => a + b, 0) >= before[0]! + before[1]! + 2, 30_000);
      // The polls' calls, as the system saw them, name when each poll started: one every 10 s
      // in all, never two close together (each replica polling on its own would make pairs; a
      // job started late by a loaded machine shortens only the next gap, by its lateness).
      const starts = [
        ...new Set(
          samples.land.stats.requestIds
            .map((id) => /^changes-thanh-hoa-datdai-(\d+)$/.exec(id)?.[1])
            .filter((ms): ms is string => ms !== undefined)
            .map(Number),
        ),
      ].sort((a, b) => a - b);
      expect(starts.length).toBeGreaterThanOrEqual(3);
      const gaps = starts.slice(1).map((at, i) => at - (starts[i] as number));
      // (Two timers of their own would start about as far apart as the replicas did: under a second.)
      expect(Math.min(...gaps)).toBeGreaterThan(2_500);
      for (const h of heard) expect(h.codes).toEqual([code]);
      // Either replica asking again finds nothing new: the states are shared.
      const again = await second.gateway.changes.poller.poll(LAND, AbortSignal.timeout(20_000));
      expect(again).toMatchObject({ changes: 0, problems: [] });
      const answer = await first.query<{ dossier: { status: { code: number } } }>(
        `query ($code: String!) { dossier(code: $code) { status { code } } }`,
        { code },
      );
      expect(answer.data?.dossier.status.code).toBe(10);
    } finally {
      for (const h of heard) h.stop();
    }
  }, 120_000);
});
