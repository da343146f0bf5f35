import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

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
