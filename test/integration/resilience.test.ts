import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { sampleRegistrationsWith } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

const QUERY = `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { source { connector } } error { code message connector retryable } } }`;
type Item = {
  code: string;
  dossier: { source: { connector: string } } | null;
  error: { code: string; message: string; connector: string; retryable: boolean } | null;
};

describe('Guarded calls: retries, circuit breaker, limits and budgets on real sample systems', () => {
  let samples: SampleSystems;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 5 });
  });
  afterAll(async () => {
    await samples.close();
  });
  afterEach(() => {
    for (const system of [samples.provincial, samples.ministry, samples.land]) {
      Object.assign(system.faults, {
        failNext: 0,
        retryAfterSeconds: null,
        hang: false,
        resetNext: 0,
        delayMs: 0,
        htmlErrorStatus: null,
      });
      takeStats(system);
    }
  });

  // Start-up waits for the first catalogue sync, so that its calls are not counted below.
  const gateway = async (
    changes: Record<string, Record<string, unknown>> = {},
    env: Record<string, string> = {},
  ) =>
    startTestGateway({
      samples,
      env: {
        CACHE: 'none',
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        REGISTRATIONS_DIR: await sampleRegistrationsWith(changes),
        ...env,
      },
    });

  const lookup = async (t: TestGateway, codes: string[]) =>
    ((await t.query<{ dossiers: Item[] }>(QUERY, { codes })).data?.dossiers ?? []) as Item[];

  it('retries a 503 burst and a reset connection, and answers', async () => {
    const t = await gateway();
    try {
      const [code] = findCodes(samples.provincial.dataset, 1);
      takeStats(samples.provincial);
      samples.provincial.faults.failNext = 2;
      expect((await lookup(t, [code as string]))[0]?.dossier?.source.connector).toBe(
        'thanh-hoa-motcua',
      );
      expect(takeStats(samples.provincial)).toMatchObject({ attempts: 3, bulkCalls: 1 });
      samples.provincial.faults.resetNext = 1;
      expect((await lookup(t, [code as string]))[0]?.error).toBeNull();
      expect(takeStats(samples.provincial)).toMatchObject({ attempts: 2, bulkCalls: 1 });
    } finally {
      await t.close();
    }
  });

  it('waits as long as Retry-After asks, within the budget', async () => {
    const t = await gateway();
    try {
      const [code] = findCodes(samples.ministry.dataset, 1);
      samples.ministry.faults.failNext = 1;
      samples.ministry.faults.retryAfterSeconds = 1;
      const started = Date.now();
      expect((await lookup(t, [code as string]))[0]?.error).toBeNull();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      await t.close();
    }
  });

  it('gives up with a retryable error when the failures outlast the retries', async () => {
    const t = await gateway({
      'thanh-hoa-motcua': { 'upstream.resilience': { retries: 1, retryInitialDelayMs: 10 } },
    });
    try {
      const [code] = findCodes(samples.provincial.dataset, 1);
      takeStats(samples.provincial); // not the start-up catalogue sync
      samples.provincial.faults.failNext = 5;
      const [item] = await lookup(t, [code as string]);
      expect(item?.error).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        connector: 'thanh-hoa-motcua',
        retryable: true,
      });
      expect(takeStats(samples.provincial).attempts).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('opens the circuit on a failing system, answers CIRCUIT_OPEN without calling it, probes, and closes again', async () => {
    const t = await gateway({
      'thanh-hoa-datdai': {
        'upstream.resilience': {
          retries: 0,
          breakerMinimumRps: 0,
          breakerFailureRatio: 0.5,
          breakerWindowMs: 5000,
          breakerHalfOpenAfterMs: 400,
        },
      },
    });
    try {
      const codes = findCodes(samples.land.dataset, 4);
      samples.land.faults.htmlErrorStatus = 503;
      // The start-up catalogue sync's three good pages count too: four failures tip the ratio.
      for (const code of [...codes.slice(0, 2), ...codes.slice(0, 2)])
        expect((await lookup(t, [code]))[0]?.error?.code).toBe('UPSTREAM_UNAVAILABLE');
      takeStats(samples.land);
      const [open] = await lookup(t, [codes[2] as string]);
      expect(open?.error).toMatchObject({
        code: 'CIRCUIT_OPEN',
        connector: 'thanh-hoa-datdai',
        retryable: true,
        message: expect.stringContaining('circuit open'),
      });
      expect(takeStats(samples.land).attempts).toBe(0);
      samples.land.faults.htmlErrorStatus = null;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await lookup(t, [codes[3] as string]))[0]?.error).toBeNull(); // the probe succeeds
      expect((await lookup(t, [codes[2] as string]))[0]?.error).toBeNull();
      expect(t.gateway.registry.runtime('thanh-hoa-datdai')?.circuit).toBe('closed');
    } finally {
      await t.close();
    }
  });

  it('keeps at most `concurrency` requests in flight to a system', async () => {
    const t = await gateway({
      'thanh-hoa-datdai': {
        'upstream.resilience': { concurrency: 2 },
        'config.lookup.bulk': undefined,
      },
    });
    try {
      const codes = findCodes(samples.land.dataset, 12);
      let inFlight = 0;
      let most = 0;
      const server = samples.land.server;
      const track = (_req: unknown, res: { once(event: string, listener: () => void): void }) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        res.once('close', () => (inFlight -= 1));
      };
      server.prependListener('request', track as never);
      samples.land.faults.delayMs = 30;
      try {
        const items = await lookup(t, codes);
        expect(items.every((item) => item.error === null)).toBe(true);
      } finally {
        server.removeListener('request', track as never);
      }
      expect(most).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('spaces requests to a system with a rate limit', async () => {
    const t = await gateway({
      'thanh-hoa-datdai': {
        'upstream.resilience': { ratePerSecond: 10 },
        'config.lookup.bulk': undefined,
      },
    });
    try {
      const codes = findCodes(samples.land.dataset, 6);
      const starts: number[] = [];
      const track = () => starts.push(Date.now());
      samples.land.server.prependListener('request', track);
      try {
        await lookup(t, codes);
      } finally {
        samples.land.server.removeListener('request', track);
      }
      expect(starts).toHaveLength(6);
      // Six starts at ten per second span at least half a second.
      expect((starts.at(-1) as number) - (starts[0] as number)).toBeGreaterThanOrEqual(450);
    } finally {
      await t.close();
    }
  });

  it('answers within the request budget when one system hangs, the other two complete', async () => {
    const t = await gateway({}, { REQUEST_BUDGET_MS: '1500' });
    try {
      const codes = [
        ...findCodes(samples.provincial.dataset, 2),
        ...findCodes(samples.ministry.dataset, 2),
        ...findCodes(samples.land.dataset, 2),
      ];
      samples.land.faults.hang = true;
      const started = Date.now();
      const items = await lookup(t, codes);
      const elapsed = Date.now() - started;
      expect(items.map((item) => item.error?.code ?? item.dossier?.source.connector)).toEqual([
        'thanh-hoa-motcua',
        'thanh-hoa-motcua',
        'bo-noi-vu-dvc',
        'bo-noi-vu-dvc',
        'UPSTREAM_TIMEOUT',
        'UPSTREAM_TIMEOUT',
      ]);
      expect(items[4]?.error).toMatchObject({ connector: 'thanh-hoa-datdai', retryable: true });
      expect(elapsed).toBeLessThan(1500 + 500);
    } finally {
      samples.land.faults.hang = false;
      await t.close();
    }
  });
});
