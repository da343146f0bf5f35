import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';
import { DossierFetcher } from '../../src/services/dossiers/DossierFetcher';

/**
 * "Fifty aliases, one call": codes over two systems make one upstream call per system per maximum
 * batch (provincial bulk 50, ministry bulk 100), whether asked as one list or as aliases.
 * Counted on the real sample systems. The cache is off so that every run reaches the systems.
 */
describe('Batching: one upstream call per system per maximum batch', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let codes: string[];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    t = await startTestGateway({ samples, env: { CACHE: 'none' } });
    codes = [
      ...findCodes(samples.provincial.dataset, 150),
      ...findCodes(samples.ministry.dataset, 150),
    ];
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });
  beforeEach(() => {
    takeStats(samples.provincial);
    takeStats(samples.ministry);
  });

  it('300 codes as one dossiers(codes) list: 3 provincial calls and 2 ministry calls', async () => {
    const answer = await t.query<{ dossiers: Array<{ code: string; error: unknown }> }>(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { code error { code } } }`,
      { codes },
    );
    expect(answer.data?.dossiers.filter((item) => item.error !== null)).toEqual([]);
    expect(takeStats(samples.provincial)).toMatchObject({
      bulkCalls: 3,
      singleCalls: 0,
      codesRequested: 150,
    });
    expect(takeStats(samples.ministry)).toMatchObject({
      bulkCalls: 2,
      singleCalls: 0,
      codesRequested: 150,
    });
  });

  it('150 aliased dossier fields (the alias limit), 75 per system: 2 provincial calls and 1 ministry call', async () => {
    const asked = [...codes.slice(0, 75), ...codes.slice(150, 225)];
    const fields = asked
      .map((code, index) => `d${index}: dossier(code: "${code}") { code status { code } }`)
      .join('\n');
    const answer = await t.query<Record<string, { code: string }>>(`{ ${fields} }`);
    expect(answer.errors).toBeUndefined();
    expect(Object.values(answer.data ?? {}).map((d) => d.code)).toEqual(asked);
    expect(takeStats(samples.provincial)).toMatchObject({ bulkCalls: 2, codesRequested: 75 });
    expect(takeStats(samples.ministry)).toMatchObject({ bulkCalls: 1, codesRequested: 75 });
  });

  it('a code asked twice in one request is fetched once', async () => {
    const [code] = codes;
    await t.query(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { code } a: dossier(code: "${code}") { code } }`,
      { codes: [code, code] },
    );
    expect(takeStats(samples.provincial)).toMatchObject({ bulkCalls: 1, codesRequested: 1 });
  });

  it('a token expiring mid-batch costs one new token, and every code is answered', async () => {
    const ministryCodes = findCodes(samples.ministry.dataset, 300);
    await t.query(`{ dossier(code: "${ministryCodes[0]}") { code } }`); // holds a token now
    takeStats(samples.ministry);
    samples.ministry.expireTokensAfter(2); // of the 3 bulk calls, one is refused with 401
    const answer = await t.query<{ dossiers: Array<{ error: unknown }> }>(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { code error { code message } } }`,
      { codes: ministryCodes },
    );
    expect(answer.data?.dossiers.filter((item) => item.error !== null)).toEqual([]);
    expect(takeStats(samples.ministry)).toMatchObject({
      tokenRequests: 1,
      rejectedAuth: 1,
      bulkCalls: 3,
      codesRequested: 300,
    });
  });

  describe('requests handled in one turn share an upstream call', () => {
    const fetcher = () =>
      new DossierFetcher({
        registry: t.gateway.registry,
        cache: t.gateway.cache,
        logger: t.logger,
        now: () => new Date(),
        refreshBudgetMs: 10_000,
      });
    const callWith = (signal: AbortSignal, requestId: string) => ({
      signal,
      requestId,
      deadline: Date.now() + 10_000,
    });

    it('three requests for different codes of one system: one bulk call, each its own answer', async () => {
      const shared = fetcher();
      const asked = codes.slice(0, 3);
      const answers = await Promise.all(
        asked.map((code, index) =>
          shared.fetch(
            'thanh-hoa-motcua',
            [code],
            callWith(new AbortController().signal, `request-${index}`),
          ),
        ),
      );
      expect(answers.map(([answer]) => (answer?.ok ? answer.entry.code : answer))).toEqual(asked);
      const stats = takeStats(samples.provincial);
      expect(stats).toMatchObject({ bulkCalls: 1, singleCalls: 0, codesRequested: 3 });
      // The shared call goes upstream in the first caller's name.
      expect(stats.requestIds).toEqual(['request-0']);
    });

    it("a call the system refuses whole for one caller's code: each caller asks again alone", async () => {
      const [bad, good] = codes as [string, string];
      samples.provincial.faults.refusedCodes.add(bad);
      try {
        const shared = fetcher();
        const [badAnswer, goodAnswer] = await Promise.all([
          shared.fetch('thanh-hoa-motcua', [bad], callWith(new AbortController().signal, 'a')),
          shared.fetch('thanh-hoa-motcua', [good], callWith(new AbortController().signal, 'b')),
        ]);
        expect(badAnswer?.[0]).toMatchObject({
          ok: false,
          error: { code: 'UPSTREAM_BAD_RESPONSE' },
        });
        expect(goodAnswer?.[0]).toMatchObject({ ok: true, entry: { code: good } });
        // The shared call, then one each.
        expect(takeStats(samples.provincial)).toMatchObject({ bulkCalls: 3, codesRequested: 4 });
      } finally {
        samples.provincial.faults.refusedCodes.clear();
      }
    });

    it('a caller whose budget ends stops waiting; the call goes on for the others', async () => {
      samples.provincial.faults.delayMs = 400;
      try {
        const shared = fetcher();
        const impatient = new AbortController();
        const started = Date.now();
        const [short, long] = [
          shared.fetch(
            'thanh-hoa-motcua',
            [codes[0] as string],
            callWith(impatient.signal, 'impatient'),
          ),
          shared.fetch(
            'thanh-hoa-motcua',
            [codes[1] as string],
            callWith(new AbortController().signal, 'patient'),
          ),
        ];
        setTimeout(() => impatient.abort(), 50);
        const [shortAnswer] = await short;
        const shortMs = Date.now() - started;
        expect(shortAnswer).toMatchObject({ ok: false, error: { code: 'UPSTREAM_TIMEOUT' } });
        expect(shortMs).toBeLessThan(350);
        const [longAnswer] = await long;
        expect(longAnswer).toMatchObject({ ok: true, entry: { code: codes[1] } });
        expect(takeStats(samples.provincial)).toMatchObject({ bulkCalls: 1, codesRequested: 2 });
      } finally {
        samples.provincial.faults.delayMs = 0;
      }
    });

    it('when every caller gives up, the shared call is abandoned', async () => {
      // The system would answer after 1.5 s; the callers give up after 30 and 60 ms. Far apart, so
      // a loaded machine cannot blur them (a 400 ms delay once measured 457 ms under load).
      samples.provincial.faults.delayMs = 1500;
      try {
        const shared = fetcher();
        const a = new AbortController();
        const b = new AbortController();
        const started = Date.now();
        const answers = Promise.all([
          shared.fetch('thanh-hoa-motcua', [codes[0] as string], callWith(a.signal, 'a')),
          shared.fetch('thanh-hoa-motcua', [codes[1] as string], callWith(b.signal, 'b')),
        ]);
        setTimeout(() => a.abort(), 30);
        setTimeout(() => b.abort(), 60);
        const settled = await answers;
        expect(settled.flat().map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual([
          'UPSTREAM_TIMEOUT',
          'UPSTREAM_TIMEOUT',
        ]);
        // The call was cancelled when the last caller gave up: counted as a timeout at once,
        // not when the system answers 1.5 s later.
        const timedOut =
          /dvcgw_connector_calls_total\{connector="thanh-hoa-motcua",operation="lookup",outcome="error",code="UPSTREAM_TIMEOUT"\} 1/;
        let exposition = '';
        for (let i = 0; i < 20 && !timedOut.test(exposition); i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          exposition = (await t.gateway.metrics.exposition()).body;
        }
        expect(exposition).toMatch(timedOut);
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        samples.provincial.faults.delayMs = 0;
      }
    });
  });
});

describe('Upstream credentials: a system that refuses the gateway', () => {
  it('answers UPSTREAM_AUTH_FAILED for that system only', async () => {
    const samples = await startSampleSystems({ size: 500, seed: 7 });
    const t = await startTestGateway({
      samples,
      env: { CACHE: 'none' },
      variables: {
        SAMPLE_REST_API_KEY: 'wrong-key',
        SAMPLE_MINISTRY_CLIENT_SECRET: 'wrong-secret',
      },
    });
    try {
      const codes = [
        ...findCodes(samples.provincial.dataset, 1),
        ...findCodes(samples.ministry.dataset, 1),
      ];
      // The catalogue sync at start-up was refused too; count from here.
      takeStats(samples.provincial);
      takeStats(samples.ministry);
      const answer = await t.query<{
        dossiers: Array<{ error: { code: string; connector: string; retryable: boolean } }>;
      }>(
        `query ($codes: [String!]!) { dossiers(codes: $codes) { error { code connector retryable } } }`,
        { codes },
      );
      expect(answer.data?.dossiers.map((item) => item.error)).toEqual([
        { code: 'UPSTREAM_AUTH_FAILED', connector: 'thanh-hoa-motcua', retryable: false },
        { code: 'UPSTREAM_AUTH_FAILED', connector: 'bo-noi-vu-dvc', retryable: false },
      ]);
      expect(samples.provincial.stats.rejectedAuth).toBe(1);
      expect(samples.ministry.stats.rejectedAuth).toBe(1);
    } finally {
      await t.close();
      await samples.close();
    }
  });
});
