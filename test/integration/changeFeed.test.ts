import type { DossierChanged } from '../../src/events/DossierEvents';
import { VIETNAM } from '../../samples/generator/SampleDataset';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { DateTime } from 'luxon';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

const QUERY = `query ($code: String!) {
  dossier(code: $code) { status { code } source { cached } }
}`;

/** The gateway's clock: inside the sample data (which ends on 31 October 2026). */
const NOW = DateTime.fromISO('2026-10-25T10:00:00', { zone: VIETNAM });
const LAND = 'thanh-hoa-datdai';
const MINISTRY = 'bo-noi-vu-dvc';

async function changeStatus(system: { url: string }, code: string, status: number) {
  const response = await fetch(`${system.url}/__sample/dossiers/${code}/status`, {
    method: 'POST',
    body: JSON.stringify({ status }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { pushed: { status: number | null } };
}

async function statusOf(gateway: TestGateway, code: string) {
  const answer = await gateway.query<{
    dossier: { status: { code: number }; source: { cached: boolean } } | null;
  }>(QUERY, { code });
  return { status: answer.data?.dossier?.status.code, cached: answer.data?.dossier?.source.cached };
}

/** The codes announced by the gateway's event bus (what subscriptions and caches hear). */
function collect(gateway: TestGateway): { codes: string[]; stop: () => void } {
  const codes: string[] = [];
  const stop = gateway.gateway.events.subscribe((event: DossierChanged) =>
    codes.push(...event.codes),
  );
  return { codes, stop };
}

async function until(done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function poll(gateway: TestGateway, id: string) {
  return gateway.gateway.changes.poller.poll(id, AbortSignal.timeout(20_000));
}

const inWindow = (d: { receivedAt: DateTime; status: number }) =>
  d.receivedAt >= NOW.minus({ days: 6 }).startOf('day') && d.receivedAt <= NOW && d.status === 4;

describe('Change feed: changes of systems that cannot push, found by polling (one process)', () => {
  let samples: SampleSystems;
  /** On the sample data's clock, for the listing's window. */
  let gateway: TestGateway;
  /** On the real clock, which signed pushes need; the sample systems push to it. */
  let live: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    gateway = await startTestGateway({ samples, now: () => NOW.toJSDate() });
    live = await startTestGateway({ samples });
    samples.connectGateway(live.url);
  });
  afterAll(async () => {
    await Promise.all([gateway.close(), live.close()]);
    await samples.close();
  });

  it('the listing finds a changed dossier; it is announced once, cached, and found again by nobody', async () => {
    const listed = findCodes(samples.land.dataset, 1, inWindow);
    const code = listed[0] as string;
    // The first poll sees every dossier of the window for the first time: each is a change.
    const first = await poll(gateway, LAND);
    expect(first.problems).toEqual([]);
    expect(first.listed).toBeGreaterThan(0);
    expect(first.changes).toBe(first.listed);
    // Nothing changed since: nothing is looked up, nothing announced.
    const heard = collect(gateway);
    try {
      takeStats(samples.land);
      const quiet = await poll(gateway, LAND);
      const open = await gateway.gateway.changes.tracker.states.openCount(LAND);
      expect(quiet).toMatchObject({ listed: first.listed, lookedUp: 0, changes: 0 });
      // Only the open dossiers are asked again (the recheck), those settled are not.
      expect(open).toBeGreaterThan(0);
      expect(open).toBeLessThan(first.listed);
      expect(quiet.rechecked).toBe(open);
      expect(takeStats(samples.land).codesRequested).toBe(open);

      expect((await changeStatus(samples.land, code, 9)).pushed.status).toBeNull();
      const found = await poll(gateway, LAND);
      expect(found).toMatchObject({ lookedUp: 1, changes: 1, problems: [] });
      expect(heard.codes).toEqual([code]);
      // What the poll read is the cached answer: the lookup does not ask the system.
      takeStats(samples.land);
      expect(await statusOf(gateway, code)).toEqual({ status: 9, cached: true });
      expect(takeStats(samples.land).codesRequested).toBe(0);
      expect((await poll(gateway, LAND)).changes).toBe(0);
      expect(heard.codes).toEqual([code]);
    } finally {
      heard.stop();
    }
  });

  it('the recheck finds a change of an open dossier known from a lookup, outside the listing window', async () => {
    const [code] = findCodes(
      samples.land.dataset,
      1,
      (d) => d.status === 4 && d.receivedAt < NOW.minus({ days: 30 }),
    );
    expect(await statusOf(gateway, code as string)).toEqual({ status: 4, cached: false });
    // The lookup's state is compared after the request: a first sight, announced once.
    const heard = collect(gateway);
    try {
      await changeStatus(samples.land, code as string, 5);
      await until(async () => {
        const outcome = await poll(gateway, LAND);
        return outcome.changes > 0;
      });
      expect(heard.codes).toEqual([code]);
      expect(await statusOf(gateway, code as string)).toEqual({ status: 5, cached: true });
    } finally {
      heard.stop();
    }
  });

  it('a change pushed and then polled is one change', async () => {
    const [code] = findCodes(samples.ministry.dataset, 1, (d) => d.status === 4);
    expect(await statusOf(live, code as string)).toMatchObject({ status: 4 });
    const heard = collect(live);
    try {
      expect((await changeStatus(samples.ministry, code as string, 6)).pushed.status).toBe(202);
      await until(() => heard.codes.length > 0);
      const polled = await poll(live, MINISTRY);
      expect(polled.problems).toEqual([]);
      expect(polled.rechecked).toBeGreaterThan(0);
      expect(polled.changes).toBe(0);
      expect(heard.codes).toEqual([code]);
    } finally {
      heard.stop();
    }
  });

  it('lookups that fail leave the open dossiers in the recheck, and report why', async () => {
    const [code] = findCodes(
      samples.ministry.dataset,
      1,
      (d) => d.status === 4 && d.receivedAt < NOW.minus({ days: 60 }),
    );
    expect(await statusOf(live, code as string)).toMatchObject({ status: 4 });
    const states = live.gateway.changes.tracker.states;
    await until(async () =>
      (await states.dueForRecheck(MINISTRY, 10_000)).includes(code as string),
    );
    samples.ministry.faults.htmlErrorStatus = 503;
    try {
      const failed = await poll(live, MINISTRY);
      expect(failed.changes).toBe(0);
      expect(failed.problems.join(' ')).toMatch(/lookups failed/);
      expect(await states.dueForRecheck(MINISTRY, 10_000)).toContain(code);
    } finally {
      samples.ministry.faults.htmlErrorStatus = null;
    }
  });

  it('refuses a registration whose `changes` says nothing to poll, naming the field', async () => {
    const answer = await gateway.query(
      `mutation ($document: String!) { registerConnector(document: $document) { id } }`,
      {
        document: `id: x-polls
kind: rest-json
name: X
coverage: { units: [H99] }
upstream: { baseUrl: 'http://127.0.0.1:9' }
changes: { everySeconds: 5 }
config: {}
`,
      },
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(answer.errors)).toMatch(/changes\.everySeconds/);
    expect(JSON.stringify(answer.errors)).toMatch(/say how changes are read/);
  });
});
