import { Redis } from 'ioredis';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer } from '../support/redisServer';
import { startTestGateway, takeStats } from '../support/testGateway';

const QUERY = `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { status { code } applicant { name } source { connector cached fetchedAt } } error { code } } }`;

describe('Cache: Redis shared by replicas, no personal data in keys', () => {
  let samples: SampleSystems;
  let redis: Redis;
  const prefix = `test-${process.pid}-${Date.now()}:`;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 11 });
    redis = new Redis(process.env.TEST_REDIS_URL as string);
  });
  afterAll(async () => {
    await redis.quit();
    await samples.close();
  });

  it('a dossier fetched by one replica is served from Redis by another', async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL as string, REDIS_KEY_PREFIX: prefix };
    const first = await startTestGateway({ samples, env });
    const second = await startTestGateway({ samples, env });
    try {
      const codes = [
        ...findCodes(samples.provincial.dataset, 2, (d) => d.status === 10),
        ...findCodes(samples.ministry.dataset, 2, (d) => d.status === 10),
      ];
      takeStats(samples.provincial);
      takeStats(samples.ministry);
      const fetched = await first.query<{ dossiers: any[] }>(QUERY, { codes });
      expect(fetched.data?.dossiers.map((item) => item.dossier.source.cached)).toEqual([
        false,
        false,
        false,
        false,
      ]);
      const served = await second.query<{ dossiers: any[] }>(QUERY, { codes });
      expect(served.data?.dossiers.map((item) => item.dossier.source.cached)).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(served.data?.dossiers.map((item) => item.dossier.source.fetchedAt)).toEqual(
        fetched.data?.dossiers.map((item) => item.dossier.source.fetchedAt),
      );
      expect(takeStats(samples.provincial).bulkCalls + takeStats(samples.ministry).bulkCalls).toBe(
        2,
      );

      // Keys name dossier codes, or rate-limit counters by key id: never personal data.
      const all = (await redis.keys(`${prefix}*`)).sort();
      expect(
        all.filter((key) => !/:rl:admin:key:[0-9a-f]{16}$/.test(key) && !key.includes(':dossier:')),
      ).toEqual([]);
      const keys = all.filter((key) => key.includes(':dossier:'));
      expect(keys).toEqual([...codes].sort().map((code) => `${prefix}dossier:v2:${code}`));
      // Returned dossiers (status 10) are fresh a day and kept five (the hard lifetime) as a fallback.
      const ttl = await redis.ttl(keys[0] as string);
      expect(ttl).toBeGreaterThan(5 * 86_400 - 100);
      expect(ttl).toBeLessThanOrEqual(5 * 86_400);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('keeps answering from its own cache and the systems when Redis is gone, degraded, and uses Redis again when it is back', async () => {
    const own = await startRedisServer();
    const t = await startTestGateway({
      samples,
      env: { REDIS_URL: own.url, REDIS_KEY_PREFIX: prefix },
    });
    const readiness = async () => {
      const response = await fetch(`${t.url}/readyz`);
      return {
        status: response.status,
        body: (await response.json()) as { degraded: boolean; cacheHealthy: boolean },
      };
    };
    try {
      expect(await readiness()).toMatchObject({
        status: 200,
        body: { degraded: false, cacheHealthy: true },
      });
      const [first, second] = findCodes(samples.ministry.dataset, 2, (d) => d.status === 9);
      await own.stop();
      const started = Date.now();
      const answer = await t.query<{ dossiers: any[] }>(QUERY, { codes: [first] });
      expect(answer.data?.dossiers[0].dossier.source).toMatchObject({
        connector: 'bo-noi-vu-dvc',
        cached: false,
      });
      expect(Date.now() - started).toBeLessThan(2000);
      const again = await t.query<{ dossiers: any[] }>(QUERY, { codes: [first] });
      expect(again.data?.dossiers[0].dossier.source.cached).toBe(true); // from the in-process cache
      expect(await readiness()).toMatchObject({
        status: 200,
        body: { degraded: true, cacheHealthy: false },
      });
      expect(
        t.logger.entries.some(
          (entry) => entry.level === 'warn' && /Redis cache unavailable/.test(entry.message),
        ),
      ).toBe(true);

      // Redis comes back on the same address: the client reconnects by itself (within 2 s).
      const back = await startRedisServer([], own.port);
      const direct = new Redis(back.url);
      try {
        const deadline = Date.now() + 5000;
        while ((await readiness()).body.degraded && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100));
        expect((await readiness()).body).toMatchObject({ degraded: false, cacheHealthy: true });
        await t.query(QUERY, { codes: [second] });
        expect(await direct.exists(`${prefix}dossier:v2:${second}`)).toBe(1);
      } finally {
        await direct.quit();
        await back.stop();
      }
    } finally {
      await t.close();
    }
  });
});
