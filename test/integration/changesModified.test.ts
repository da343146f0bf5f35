import type { DossierChanged } from '../../src/events/DossierEvents';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

/**
 * The change feed's third way (docs/changes.md): the provincial sample lists the dossiers changed
 * since an instant, and its registration polls it (`changes.modified`). The sample systems are
 * not connected to any gateway here: their pushes go nowhere, as lost pushes do. The gateways run
 * on the real clock, as the sample's changes do; the generated data ends in October 2026, so a
 * day back from now finds only what the tests change.
 */
const PROVINCIAL = 'thanh-hoa-motcua';

const QUERY = `query ($code: String!) {
  dossier(code: $code) { status { code } source { cached } }
}`;

async function changeStatus(system: { url: string }, code: string, status: number) {
  const response = await fetch(`${system.url}/__sample/dossiers/${code}/status`, {
    method: 'POST',
    body: JSON.stringify({ status }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { pushed: { status: number | null } };
}

async function setFaults(system: { url: string }, faults: Record<string, unknown>) {
  const response = await fetch(`${system.url}/__sample/faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

/** The codes announced by the gateway's event bus (what subscriptions and caches hear). */
function collect(gateway: TestGateway): { codes: string[]; stop: () => void } {
  const codes: string[] = [];
  const stop = gateway.gateway.events.subscribe((event: DossierChanged) =>
    codes.push(...event.codes),
  );
  return { codes, stop };
}

function poll(gateway: TestGateway) {
  return gateway.gateway.changes.poller.poll(PROVINCIAL, AbortSignal.timeout(20_000));
}

function markOf(gateway: TestGateway) {
  return gateway.gateway.changes.tracker.states.mark(PROVINCIAL);
}

describe('Changes read since the last read (changes.modified), one process', () => {
  let samples: SampleSystems;
  let gateway: TestGateway;
  /** Open provincial dossiers for the tests after the first. */
  let codes: string[];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    gateway = await startTestGateway({ samples });
    codes = findCodes(
      samples.provincial.dataset,
      3,
      (d) => d.status === 4 && d.code !== '000.00.00.H56-261014-0001',
    );
  });
  afterAll(async () => {
    await gateway.close();
    await samples.close();
  });

  it('a change whose push was lost is found by one poll, announced once; the mark advances and the next poll looks nothing up', async () => {
    // The dossier of the guides' worked example (docs/changes.md), open in the sample data.
    const code = '000.00.00.H56-261014-0001';
    expect(samples.provincial.dataset.get(code)?.status).toBe(4);
    // The first read goes a day back; nothing of the generated data changed then.
    expect(await markOf(gateway)).toBeNull();
    const first = await poll(gateway);
    expect(first).toMatchObject({ listed: 0, lookedUp: 0, changes: 0, problems: [] });
    const mark = (await markOf(gateway)) as number;
    expect(mark).toBeGreaterThanOrEqual(first.startedAt);
    expect(mark).toBeLessThanOrEqual(first.startedAt + first.durationMs);

    const heard = collect(gateway);
    try {
      // No gateway listens to the sample's pushes: this change reaches nobody by itself.
      expect((await changeStatus(samples.provincial, code, 5)).pushed.status).toBeNull();
      takeStats(samples.provincial);
      const found = await poll(gateway);
      expect(found).toMatchObject({ listed: 1, lookedUp: 1, changes: 1, problems: [] });
      expect(heard.codes).toEqual([code]);
      // One page of changes, one bulk lookup of the changed dossier.
      expect(takeStats(samples.provincial)).toMatchObject({
        changedSincePages: 1,
        listPages: 0,
        bulkCalls: 1,
        codesRequested: 1,
      });
      const moved = (await markOf(gateway)) as number;
      expect(moved).toBeGreaterThan(mark);
      expect(moved).toBeGreaterThanOrEqual(found.startedAt);

      // What the poll read is the cached answer: the lookup does not ask the system.
      const answer = await gateway.query<{
        dossier: { status: { code: number }; source: { cached: boolean } };
      }>(QUERY, { code });
      expect(answer.data?.dossier).toEqual({ status: { code: 5 }, source: { cached: true } });
      expect(takeStats(samples.provincial).codesRequested).toBe(0);

      // The overlap lists the change again; its state is known, so nothing is looked up.
      const quiet = await poll(gateway);
      expect(quiet).toMatchObject({ listed: 1, lookedUp: 0, changes: 0, problems: [] });
      expect(takeStats(samples.provincial)).toMatchObject({ changedSincePages: 1, bulkCalls: 0 });
      expect(heard.codes).toEqual([code]);
      expect(await markOf(gateway)).toBeGreaterThan(moved);
    } finally {
      heard.stop();
    }
  });

  it('a page that fails leaves the mark where it was; the next poll reads from it and finds the change', async () => {
    const code = codes[1] as string;
    await poll(gateway);
    const mark = (await markOf(gateway)) as number;
    expect(mark).not.toBeNull();
    await changeStatus(samples.provincial, code, 6);
    // Three 503s: the page's call and both its retries.
    await setFaults(samples.provincial, { failNext: 3 });
    const failed = await poll(gateway);
    expect(failed.problems).toEqual([expect.stringMatching(/^UPSTREAM_UNAVAILABLE: /)]);
    expect(failed).toMatchObject({ listed: 0, lookedUp: 0, changes: 0 });
    expect(await markOf(gateway)).toBe(mark);

    const heard = collect(gateway);
    try {
      const found = await poll(gateway);
      expect(found).toMatchObject({ lookedUp: 1, changes: 1, problems: [] });
      expect(heard.codes).toEqual([code]);
      expect(await markOf(gateway)).toBeGreaterThan(mark);
    } finally {
      heard.stop();
    }
  });

  it('lookups that fail leave the mark where it was', async () => {
    const code = codes[2] as string;
    await poll(gateway);
    const mark = await markOf(gateway);
    await changeStatus(samples.provincial, code, 9);
    // The page is read; the lookup's bulk call is refused for this code.
    await setFaults(samples.provincial, { refusedCodes: [code] });
    try {
      const failed = await poll(gateway);
      // The overlap lists the earlier tests' changes again too; only this one is looked up.
      expect(failed).toMatchObject({ lookedUp: 1, changes: 0 });
      expect(failed.problems).toEqual([expect.stringMatching(/^1 lookups failed, e\.g\. /)]);
      expect(await markOf(gateway)).toBe(mark);
    } finally {
      await setFaults(samples.provincial, { refusedCodes: [] });
    }
    expect(await poll(gateway)).toMatchObject({ lookedUp: 1, changes: 1, problems: [] });
    expect(await markOf(gateway)).toBeGreaterThan(mark as number);
  });
});

describe('Changes read since the last read, across replicas sharing Redis', () => {
  let samples: SampleSystems;
  const replicas: TestGateway[] = [];
  const prefix = `modified-${process.pid}-${Date.now()}:`;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    for (let i = 0; i < 2; i += 1)
      replicas.push(
        await startTestGateway({
          samples,
          env: {
            REDIS_URL: process.env.TEST_REDIS_URL as string,
            REDIS_KEY_PREFIX: prefix,
            CATALOGUE_SYNC_INTERVAL_MS: '0',
          },
        }),
      );
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await samples.close();
  });

  it('the mark is shared: a replica reads on from where the other left off', async () => {
    const [first, second] = replicas as [TestGateway, TestGateway];
    const [code] = findCodes(samples.provincial.dataset, 1, (d) => d.status === 4);
    expect(await poll(first)).toMatchObject({ listed: 0, problems: [] });
    const mark = await markOf(first);
    expect(mark).not.toBeNull();
    expect(await markOf(second)).toBe(mark);

    await changeStatus(samples.provincial, code as string, 8);
    const heard = replicas.map(collect);
    try {
      const found = await poll(second);
      expect(found).toMatchObject({ listed: 1, lookedUp: 1, changes: 1, problems: [] });
      const moved = await markOf(first);
      expect(moved).toBeGreaterThan(mark as number);
      expect(await markOf(second)).toBe(moved);
      // Both replicas hear the change (events go through Redis); the other replica's poll, from
      // the shared mark, finds the state known.
      await until(() => heard.every((h) => h.codes.length > 0));
      expect(heard.map((h) => h.codes)).toEqual([[code], [code]]);
      expect(await poll(first)).toMatchObject({ lookedUp: 0, changes: 0, problems: [] });
    } finally {
      for (const h of heard) h.stop();
    }
  });
});

async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
