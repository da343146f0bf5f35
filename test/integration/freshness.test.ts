import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { sampleRegistrationsWith } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

const QUERY = `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { status { code } source { fetchedAt cached stale staleReason staleSince } } error { code message } } }`;
type Item = {
  code: string;
  dossier: {
    source: {
      fetchedAt: string;
      cached: boolean;
      stale: boolean;
      staleReason: string | null;
      staleSince: string | null;
    };
  } | null;
  error: { code: string; message: string } | null;
};

describe('Freshness: fresh, revalidated, refetched, or stale with a reason', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let clock = Date.parse('2026-11-26T02:00:00Z');
  const DAY = 86_400_000;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 9 });
    // The ministry's dossiers: RETURNED is fresh 1 day, hard 5 days; served stale up to 7 days.
    // No soft deadline here (0: refetches wait the whole budget); it has its own tests below.
    const registrations = await sampleRegistrationsWith({
      'bo-noi-vu-dvc': {
        cache: { maxStaleSeconds: 7 * 86_400, notFoundTtlSeconds: 60, softDeadlineMs: 0 },
        'upstream.resilience': { retries: 0 },
      },
    });
    t = await startTestGateway({
      samples,
      env: { REGISTRATIONS_DIR: registrations, CATALOGUE_SYNC_INTERVAL_MS: '0' },
      now: () => new Date(clock),
    });
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });
  beforeEach(() => {
    samples.ministry.faults.htmlErrorStatus = null;
    samples.ministry.faults.delayMs = 0;
    takeStats(samples.ministry);
  });

  const lookup = async (codes: string[]) =>
    ((await t.query<{ dossiers: Item[] }>(QUERY, { codes })).data?.dossiers ?? []) as Item[];
  const returned = (count: number, offset = 0) =>
    findCodes(samples.ministry.dataset, count + offset, (d) => d.status === 10).slice(offset);

  it('serves a fresh value from the cache, not stale', async () => {
    const [code] = returned(1);
    const first = await lookup([code as string]);
    const second = await lookup([code as string]);
    expect(first[0]?.dossier?.source).toMatchObject({
      cached: false,
      stale: false,
      staleReason: null,
      staleSince: null,
    });
    expect(second[0]?.dossier?.source).toMatchObject({
      cached: true,
      stale: false,
      fetchedAt: first[0]?.dossier?.source.fetchedAt,
    });
    expect(takeStats(samples.ministry).bulkCalls).toBe(1);
  });

  it('past the fresh lifetime, serves the cached value at once and refreshes it in the background', async () => {
    const [code] = returned(1, 1);
    const first = await lookup([code as string]);
    takeStats(samples.ministry);
    clock += DAY + 60_000; // fresh for a day, hard for five
    const served = await lookup([code as string]);
    expect(served[0]?.dossier?.source).toMatchObject({
      cached: true,
      stale: false,
      fetchedAt: first[0]?.dossier?.source.fetchedAt,
    });
    // The refresh runs after the answer: waited for (a loaded machine took more than 300 ms).
    let refreshCalls = 0;
    for (let waited = 0; refreshCalls === 0 && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refreshCalls += takeStats(samples.ministry).bulkCalls;
    }
    // Its answer is stored once it is back: time for that, and to see no second call.
    await new Promise((resolve) => setTimeout(resolve, 500));
    refreshCalls += takeStats(samples.ministry).bulkCalls;
    expect(refreshCalls).toBe(1);
    const refreshed = await lookup([code as string]);
    expect(refreshed[0]?.dossier?.source.fetchedAt).not.toBe(first[0]?.dossier?.source.fetchedAt);
    expect(takeStats(samples.ministry).bulkCalls).toBe(0);
  });

  it('past the hard lifetime, refetches before answering', async () => {
    const [code] = returned(1, 2);
    await lookup([code as string]);
    clock += 5 * DAY + 60_000;
    takeStats(samples.ministry);
    const again = await lookup([code as string]);
    expect(again[0]?.dossier?.source).toMatchObject({ cached: false, stale: false });
    expect(takeStats(samples.ministry).bulkCalls).toBe(1);
  });

  it('when the system fails, serves the last value marked stale with the reason, up to the maximum staleness', async () => {
    const [code] = returned(1, 3);
    const first = await lookup([code as string]);
    const fetchedAt = first[0]?.dossier?.source.fetchedAt as string;
    clock += 5 * DAY + 60_000;
    samples.ministry.faults.htmlErrorStatus = 503;
    const stale = await lookup([code as string]);
    expect(stale[0]?.error).toBeNull();
    expect(stale[0]?.dossier?.source).toMatchObject({
      fetchedAt,
      cached: true,
      stale: true,
      staleReason: 'UPSTREAM_UNAVAILABLE: bo-noi-vu-dvc bulk lookup: upstream answered HTTP 503',
      staleSince: expect.stringMatching(/\+07:00$/),
    });
    // Stale since the end of its hard lifetime (five days after it was fetched).
    expect(Date.parse(stale[0]?.dossier?.source.staleSince as string)).toBe(
      Date.parse(fetchedAt) + 5 * DAY,
    );
    clock += 2 * DAY + 60_000; // now over seven days old
    const tooOld = await lookup([code as string]);
    expect(tooOld[0]?.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('with no soft deadline (0), a refetch past the hard lifetime waits for a slow system', async () => {
    const [code] = returned(1, 5);
    await lookup([code as string]);
    clock += 5 * DAY + 60_000;
    samples.ministry.faults.delayMs = 1500;
    const again = await lookup([code as string]);
    expect(again[0]?.dossier?.source).toMatchObject({ cached: false, stale: false });
  });

  it('remembers "no such dossier" briefly, so a flood of bad codes stays at the gateway', async () => {
    const unknown = '000.00.20.G09-240101-9999';
    for (let i = 0; i < 5; i += 1)
      expect((await lookup([unknown]))[0]?.error?.code).toBe('DOSSIER_NOT_FOUND');
    expect(takeStats(samples.ministry).codesRequested).toBe(1);
    clock += 61_000;
    await lookup([unknown]);
    expect(takeStats(samples.ministry).codesRequested).toBe(1);
  });

  it('makes one upstream call for concurrent misses of one code from different requests', async () => {
    const [code] = returned(1, 4);
    samples.ministry.faults.delayMs = 200;
    const answers = await Promise.all(Array.from({ length: 5 }, () => lookup([code as string])));
    expect(answers.every((answer) => answer[0]?.error === null)).toBe(true);
    expect(takeStats(samples.ministry)).toMatchObject({ bulkCalls: 1, codesRequested: 1 });
  });
});

describe('Freshness: a held value is answered stale after the soft deadline, and refreshed behind', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let clock = Date.parse('2026-11-26T02:00:00Z');
  const DAY = 86_400_000;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 9 });
    const registrations = await sampleRegistrationsWith({
      'bo-noi-vu-dvc': {
        cache: { softDeadlineMs: 300, maxStaleSeconds: 7 * 86_400 },
        'upstream.timeoutMs': 2000,
        'upstream.resilience': { retries: 0 },
      },
    });
    t = await startTestGateway({
      samples,
      env: { REGISTRATIONS_DIR: registrations, CATALOGUE_SYNC_INTERVAL_MS: '0' },
      now: () => new Date(clock),
    });
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });
  afterEach(() => {
    samples.ministry.faults.hang = false;
    samples.ministry.faults.delayMs = 0;
  });

  const lookup = async (codes: string[]) =>
    ((await t.query<{ dossiers: Item[] }>(QUERY, { codes })).data?.dossiers ?? []) as Item[];
  const returned = (count: number, offset = 0) =>
    findCodes(samples.ministry.dataset, count + offset, (d) => d.status === 10).slice(offset);
  const SOFT = 'UPSTREAM_TIMEOUT: bo-noi-vu-dvc did not answer within 300 ms';

  it('a slow system: the held value comes back stale, and the refetch still lands in the cache', async () => {
    const [code] = returned(1);
    const first = await lookup([code as string]);
    const fetchedAt = first[0]?.dossier?.source.fetchedAt as string;
    clock += 5 * DAY + 60_000; // past the hard lifetime
    takeStats(samples.ministry);
    samples.ministry.faults.delayMs = 1500; // within its 2 s timeout
    const stale = await lookup([code as string]);
    expect(stale[0]?.error).toBeNull();
    expect(stale[0]?.dossier?.source).toMatchObject({ fetchedAt, cached: true, stale: true });
    expect(stale[0]?.dossier?.source.staleReason).toMatch(new RegExp(`^${SOFT}`));
    // The refetch the lookup started goes on in the background and stores its answer.
    let refreshed: Item[] = stale;
    for (let waited = 0; waited < 20_000; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      refreshed = await lookup([code as string]);
      if (refreshed[0]?.dossier?.source.fetchedAt !== fetchedAt) break;
    }
    // A poll may have joined the refetch while it was under way (then `cached: false`).
    expect(refreshed[0]?.dossier?.source).toMatchObject({ stale: false });
    expect(refreshed[0]?.dossier?.source.fetchedAt).not.toBe(fetchedAt);
    // The refetch's answer is in the cache: asked again, it is served from there.
    const again = await lookup([code as string]);
    expect(again[0]?.dossier?.source).toMatchObject({
      cached: true,
      stale: false,
      fetchedAt: refreshed[0]?.dossier?.source.fetchedAt,
    });
    // One call between the stale answer, the refetch and the lookups that waited for it.
    expect(takeStats(samples.ministry).bulkCalls).toBe(1);
  });

  it('a hanging system: the held value comes back stale at the soft deadline', async () => {
    const [held] = returned(1, 1) as [string];
    await lookup([held]);
    clock += 5 * DAY + 60_000;
    samples.ministry.faults.hang = true;
    const answers = await lookup([held]);
    expect(answers[0]?.dossier?.source).toMatchObject({ cached: true, stale: true });
    expect(answers[0]?.dossier?.source.staleReason).toMatch(new RegExp(`^${SOFT}`));
    // Counted as a stale answer, for operators (dvcgw_dossier_answers_total{from="stale"}).
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      /dvcgw_dossier_answers_total\{connector="bo-noi-vu-dvc",from="stale"\} [1-9]/,
    );
  });

  it('a code with nothing held keeps the whole budget, and the held one in the same request waits with it', async () => {
    const [held, unheld] = returned(2, 2) as [string, string];
    await lookup([held]);
    clock += 5 * DAY + 60_000;
    samples.ministry.faults.hang = true;
    const answers = await lookup([held, unheld]);
    // Not cut short by the soft deadline: the upstream's own timeout (2 s) ended the call.
    const timedOut = 'bo-noi-vu-dvc upstream: no complete answer within 2000 ms';
    expect(answers[1]?.dossier).toBeNull();
    expect(answers[1]?.error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(answers[1]?.error?.message).toMatch(new RegExp(`^${timedOut}`));
    expect(answers[0]?.dossier?.source).toMatchObject({ cached: true, stale: true });
    expect(answers[0]?.dossier?.source.staleReason).toMatch(
      new RegExp(`^UPSTREAM_TIMEOUT: ${timedOut}`),
    );
  });
});
