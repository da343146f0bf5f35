import { noFaults, type SampleFaults } from '../../samples/sampleHttp';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { sampleRegistrationsWith } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats } from '../support/testGateway';

const QUERY = `query ($codes: [String!]!) {
  dossiers(codes: $codes) {
    code
    dossier { status { code } source { connector cached stale staleReason fetchedAt } }
    error { code connector retryable message }
  }
}`;
type Item = {
  code: string;
  dossier: {
    status: { code: number };
    source: {
      connector: string;
      cached: boolean;
      stale: boolean;
      staleReason: string | null;
      fetchedAt: string;
    };
  } | null;
  error: { code: string; connector: string; retryable: boolean; message: string } | null;
};

type SystemName = 'provincial' | 'ministry' | 'land';
const CONNECTOR: Record<SystemName, string> = {
  provincial: 'thanh-hoa-motcua',
  ministry: 'bo-noi-vu-dvc',
  land: 'thanh-hoa-datdai',
};

/**
 * Each fault, produced by a real sample system, with what the caller must see: for a code the
 * gateway has seen before, the last value marked stale with the reason; for a code it has not, a
 * typed error naming the system; for the other two systems in the same query, complete answers.
 */
const CASES: Array<{
  name: string;
  system: SystemName;
  fault: Partial<SampleFaults>;
  error: string;
  retryable: boolean;
  reason: RegExp;
}> = [
  {
    name: 'slower than its timeout',
    system: 'ministry',
    fault: { delayMs: 1200 },
    error: 'UPSTREAM_TIMEOUT',
    retryable: true,
    reason:
      /^UPSTREAM_TIMEOUT: bo-noi-vu-dvc .*no complete answer within 400 ms \(upstream\.timeoutMs\)/,
  },
  {
    name: 'hanging',
    system: 'land',
    fault: { hang: true },
    error: 'UPSTREAM_TIMEOUT',
    retryable: true,
    reason: /^UPSTREAM_TIMEOUT: thanh-hoa-datdai /,
  },
  {
    name: 'a 503 burst longer than the retries',
    system: 'provincial',
    fault: { failNext: 1000 },
    error: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
    reason: /^UPSTREAM_UNAVAILABLE: thanh-hoa-motcua .*HTTP 503/,
  },
  {
    name: 'resetting connections',
    system: 'provincial',
    fault: { resetNext: 1000 },
    error: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
    reason: /^UPSTREAM_UNAVAILABLE: thanh-hoa-motcua /,
  },
  {
    name: 'cutting answers short (truncated body)',
    system: 'ministry',
    fault: { truncateNext: 1000 },
    error: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
    reason: /^UPSTREAM_UNAVAILABLE: bo-noi-vu-dvc /,
  },
  {
    name: 'answering an HTML page instead of JSON',
    system: 'provincial',
    fault: { htmlInsteadOfJson: true },
    error: 'UPSTREAM_BAD_RESPONSE',
    retryable: false,
    reason: /^UPSTREAM_BAD_RESPONSE: thanh-hoa-motcua .*not JSON/,
  },
  {
    name: 'answering a SOAP Server fault',
    system: 'land',
    fault: { serverErrorNext: 1000 },
    error: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
    reason: /^UPSTREAM_UNAVAILABLE: thanh-hoa-datdai bulk lookup: SOAP fault Server$/,
  },
];

describe('Faults: every misbehaviour answered as a stale value with its reason, a typed error, and the other systems unaffected', () => {
  let samples: SampleSystems;
  let registrations: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 41 });
    // Short timeouts and backoffs so that the whole table runs in seconds; defaults otherwise.
    const fast = { timeoutMs: 400, resilience: { retryInitialDelayMs: 20 } };
    registrations = await sampleRegistrationsWith({
      'thanh-hoa-motcua': { 'upstream.timeoutMs': 400, 'upstream.resilience': fast.resilience },
      'bo-noi-vu-dvc': { 'upstream.timeoutMs': 400, 'upstream.resilience': fast.resilience },
      'thanh-hoa-datdai': { 'upstream.timeoutMs': 400, 'upstream.resilience': fast.resilience },
    });
  });
  afterAll(async () => {
    await samples.close();
  });

  for (const fault of CASES) {
    it(`a system ${fault.name}`, async () => {
      let clock = Date.parse('2026-11-26T02:00:00Z');
      const t = await startTestGateway({
        samples,
        env: { REGISTRATIONS_DIR: registrations, CATALOGUE_SYNC_INTERVAL_MS: '0' },
        now: () => new Date(clock),
      });
      const systems = [samples.provincial, samples.ministry, samples.land];
      try {
        // Dossiers in processing: fresh for a minute at most, refetched after five.
        const processing = (name: SystemName, count: number) =>
          findCodes(samples[name].dataset, count, (d) => d.status === 4);
        const [seen, unseen] = processing(fault.system, 2) as [string, string];
        const others = (Object.keys(CONNECTOR) as SystemName[])
          .filter((name) => name !== fault.system)
          .flatMap((name) => processing(name, 1));
        const first = (await t.query<{ dossiers: Item[] }>(QUERY, { codes: [seen] })).data
          ?.dossiers[0];
        expect(first?.error).toBeNull();

        clock += 10 * 60_000; // past the hard lifetime: the gateway must ask the system again
        Object.assign(samples[fault.system].faults, fault.fault);
        systems.forEach(takeStats);
        const started = Date.now();
        const items = (
          await t.query<{ dossiers: Item[] }>(QUERY, { codes: [seen, unseen, ...others] })
        ).data?.dossiers as Item[];
        const elapsed = Date.now() - started;

        const [stale, failed, ...healthy] = items;
        expect(stale?.error).toBeNull();
        expect(stale?.dossier?.source).toMatchObject({
          connector: CONNECTOR[fault.system],
          cached: true,
          stale: true,
          fetchedAt: first?.dossier?.source.fetchedAt,
        });
        expect(stale?.dossier?.source.staleReason).toMatch(fault.reason);
        expect(failed?.dossier).toBeNull();
        expect(failed?.error).toMatchObject({
          code: fault.error,
          connector: CONNECTOR[fault.system],
          retryable: fault.retryable,
        });
        expect(healthy).toHaveLength(2);
        for (const item of healthy) {
          expect(item.error).toBeNull();
          expect(item.dossier?.source).toMatchObject({ cached: false, stale: false });
        }
        // Three attempts (two retries) for retryable faults, one for the others; always in time.
        expect(takeStats(samples[fault.system]).attempts).toBe(fault.retryable ? 3 : 1);
        expect(elapsed).toBeLessThan(5000);
      } finally {
        for (const system of systems) Object.assign(system.faults, noFaults());
        await t.close();
      }
    });
  }
});
