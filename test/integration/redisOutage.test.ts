import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { runProductionOnRedis, type MainProcess } from '../support/runMain';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer, type RedisServer } from '../support/redisServer';

const PREFIX = 'outage:';
const METRICS_TOKEN = 'outage-metrics-token-0123456789';
const LOOKUP = `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { source { connector cached } } error { code } } }`;

interface Answer {
  status: number;
  body: {
    data?: {
      dossiers?: Array<{
        code: string;
        dossier: { source: { connector: string; cached: boolean } } | null;
        error: { code: string } | null;
      }>;
    };
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

interface Readiness {
  degraded: boolean;
  cacheHealthy: boolean;
  redis?: string;
  redisCircuit?: string;
  apiKeys?: { keys: number; copiedAt: string | null };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A key shaped like one but in no store. */
const strangerKey = () =>
  `dvck_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;

/**
 * Two gateway processes in production mode on one Redis (keys, registry, audit, cache, rate
 * limits), and that Redis stopped (SIGKILL, then started again on the same port and files) or
 * frozen (SIGSTOP / SIGCONT) under them. Issue 17 §2: before, every request got 503 "the API key
 * store cannot be reached" after a few seconds, then 429 for every key; readiness said healthy
 * during a freeze.
 */
describe('Redis outage: replicas keep authenticating from their local copy of the key store', () => {
  let samples: SampleSystems;
  let redis: RedisServer;
  let dataDir: string;
  const gateways: MainProcess[] = [];
  const keys = {} as Record<'admin' | 'seen' | 'unseen' | 'revoked' | 'expiring', string>;
  let revokedId = '';
  let expiresAt = 0;

  /** Redis keeps its data across a restart (append-only file, written at every change). */
  const startRedis = (port?: number) =>
    startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDir], port);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
    samples = await startSampleSystems({ size: 800, seed: 17 });
    redis = await startRedis();
    const store = new RedisApiKeyStore(redis.url, PREFIX);
    try {
      const make = async (name: string, role: 'admin' | 'portal', expires: string | null = null) =>
        store.create({ name, role, createdBy: 'test', expiresAt: expires }, new Date());
      keys.admin = (await make('admin', 'admin')).key;
      keys.seen = (await make('portal seen before', 'portal')).key;
      keys.unseen = (await make('portal unseen before', 'portal')).key;
      const revoked = await make('portal revoked before', 'portal');
      keys.revoked = revoked.key;
      revokedId = revoked.record.id;
    } finally {
      await store.close();
    }
    for (let i = 0; i < 2; i += 1) {
      gateways.push(
        await runProductionOnRedis(
          samples.variables,
          { REDIS_URL: redis.url, METRICS_TOKEN: METRICS_TOKEN },
          PREFIX,
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    // A frozen Redis is ended too: SIGKILL ends a stopped process.
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await redis?.stop();
    await samples?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (gateway: MainProcess, key: string, query: string, variables = {}) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: await response.json() } as Answer;
  };
  const lookup = (gateway: MainProcess, key: string, codes: string[]) =>
    post(gateway, key, LOOKUP, { codes });
  const readiness = async (gateway: MainProcess) =>
    (await (await fetch(`${gateway.url}/readyz`)).json()) as Readiness;
  const waitFor = async (condition: () => Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await condition()) && Date.now() < deadline) await sleep(100);
    return condition();
  };
  const answered = (answer: Answer, connector: string) =>
    answer.status === 200 &&
    (answer.body.data?.dossiers ?? []).length > 0 &&
    (answer.body.data?.dossiers ?? []).every(
      (item) => item.error === null && item.dossier?.source.connector === connector,
    );

  it('a stopped Redis: keys known before answer on both replicas, revocations and expiry hold, an uncheckable key is 503 and never counted as a refusal', async () => {
    const [a, b] = gateways as [MainProcess, MainProcess];
    const codes = findCodes(samples.provincial.dataset, 8, (d) => d.status === 10);
    const [cached] = codes as [string];
    // Made now, from outside the gateways (as `npm run keys` would): they hear of it by pub/sub.
    const store = new RedisApiKeyStore(redis.url, PREFIX);
    try {
      expiresAt = Date.now() + 3000;
      keys.expiring = (
        await store.create(
          {
            name: 'portal expiring',
            role: 'portal',
            createdBy: 'test',
            expiresAt: new Date(expiresAt).toISOString(),
          },
          new Date(),
        )
      ).key;
    } finally {
      await store.close();
    }
    // Before: the cached code fetched once; the revoked key trusted on b, then revoked on a.
    expect(answered(await lookup(a, keys.seen, [cached]), 'thanh-hoa-motcua')).toBe(true);
    expect(answered(await lookup(b, keys.seen, [cached]), 'thanh-hoa-motcua')).toBe(true);
    expect((await lookup(b, keys.revoked, [cached])).status).toBe(200);
    expect((await lookup(a, keys.expiring, [cached])).status).toBe(200);
    const revoked = await post(
      a,
      keys.admin,
      'mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      {
        id: revokedId,
      },
    );
    expect(revoked.body.errors).toBeUndefined();
    // b hears of it through Redis pub/sub, not after its 10 s trust of a checked key.
    expect(
      await waitFor(async () => (await lookup(b, keys.revoked, [cached])).status === 401, 5000),
    ).toBe(true);

    // Logs from here on: a slow start on a busy machine may have opened and closed the circuit.
    const logsBefore = [a, b].map((gateway) => gateway.stdout().length);
    await redis.stop();
    await sleep(Math.max(0, expiresAt - Date.now()) + 200);
    for (const [index, gateway] of [a, b].entries()) {
      const cachedAnswer = await lookup(gateway, keys.seen, [cached]);
      expect(answered(cachedAnswer, 'thanh-hoa-motcua')).toBe(true);
      expect(cachedAnswer.body.data?.dossiers?.[0]?.dossier?.source.cached).toBe(true);
      // Not cached anywhere: asked of the system, with a key this replica never saw used.
      const uncached = await lookup(gateway, keys.unseen, [codes[1 + index] as string]);
      expect(answered(uncached, 'thanh-hoa-motcua')).toBe(true);
      expect(uncached.body.data?.dossiers?.[0]?.dossier?.source.cached).toBe(false);

      const refusedRevoked = await lookup(gateway, keys.revoked, [cached]);
      expect(refusedRevoked.status).toBe(401);
      expect(refusedRevoked.body.errors?.[0]?.message).toBe('API key revoked');
      const refusedExpired = await lookup(gateway, keys.expiring, [cached]);
      expect(refusedExpired.status).toBe(401);
      expect(refusedExpired.body.errors?.[0]?.message).toBe('API key expired');

      // A key not in the copy cannot be checked: 503, more than the anonymous budget (10/s) of
      // them, none counted as a refused credential (no 429).
      const strangers = await Promise.all(
        Array.from({ length: 15 }, () => lookup(gateway, strangerKey(), [cached])),
      );
      expect(strangers.map((answer) => answer.status)).toEqual(Array(15).fill(503));
      expect(strangers[0]?.body.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
      // The keys known still answer after them.
      expect(answered(await lookup(gateway, keys.seen, [cached]), 'thanh-hoa-motcua')).toBe(true);

      // Nothing can be created without the store; readiness says why it is degraded.
      const created = await post(
        gateway,
        keys.admin,
        'mutation { createApiKey(input: {name: "during", role: PORTAL}) { key } }',
      );
      expect(created.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await readiness(gateway)).toMatchObject({
        degraded: true,
        cacheHealthy: false,
        redis: 'unreachable',
        apiKeys: { keys: 5 },
      });
      const metrics = await (
        await fetch(`${gateway.url}/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        })
      ).text();
      expect(metrics).toMatch(/^dvcgw_redis_circuit_state 2$/m);
    }

    // Back on the same port with its data: both replicas use it again by themselves.
    redis = await startRedis(redis.port);
    for (const [index, gateway] of [a, b].entries()) {
      expect(await waitFor(async () => !(await readiness(gateway)).degraded, 15_000)).toBe(true);
      expect((await readiness(gateway)).redisCircuit).toBe('closed');
      expect(answered(await lookup(gateway, keys.unseen, [cached]), 'thanh-hoa-motcua')).toBe(true);
      // Checked again in Redis, a stranger is now refused.
      expect((await lookup(gateway, strangerKey(), [cached])).status).toBe(401);
      // The outage is logged once each way, not once per failed command.
      const logged = (text: string) =>
        gateway.stdout().slice(logsBefore[index]).split(text).length - 1;
      expect(logged('Redis not answering: circuit open')).toBe(1);
      expect(logged('Redis answers again: circuit closed')).toBe(1);
    }
  }, 90_000);

  it('a frozen Redis (SIGSTOP): lookups answered, readiness degraded, and commands stop being sent once its circuit opens', async () => {
    const [a, b] = gateways as [MainProcess, MainProcess];
    const direct = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    direct.on('error', () => undefined);
    const processed = async () =>
      Number(/total_commands_processed:(\d+)/.exec(await direct.info('stats'))?.[1]);
    const codes = findCodes(samples.ministry.dataset, 200, (d) => d.status === 10).slice(100);
    try {
      await direct.connect();
      for (const gateway of [a, b])
        expect(await waitFor(async () => !(await readiness(gateway)).degraded, 15_000)).toBe(true);
      const before = await processed();
      redis.process.kill('SIGSTOP');
      try {
        // 80 uncached lookups, five at a time per replica: each would read and write the cache.
        const pending = codes.slice(0, 80);
        const failures: string[] = [];
        await Promise.all(
          [a, b].flatMap((gateway) =>
            Array.from({ length: 5 }, async () => {
              for (let code = pending.pop(); code !== undefined; code = pending.pop()) {
                const answer = await lookup(gateway, keys.seen, [code]);
                if (!answered(answer, 'bo-noi-vu-dvc')) failures.push(JSON.stringify(answer));
              }
            }),
          ),
        );
        expect(failures).toEqual([]);
        for (const gateway of [a, b]) {
          expect(await waitFor(async () => (await readiness(gateway)).degraded, 5000)).toBe(true);
          expect(await readiness(gateway)).toMatchObject({
            degraded: true,
            redis: 'unreachable',
          });
        }
      } finally {
        redis.process.kill('SIGCONT');
      }
      for (const gateway of [a, b])
        expect(await waitFor(async () => !(await readiness(gateway)).degraded, 15_000)).toBe(true);
      // What reached Redis during the freeze (read when it resumed): the few commands before
      // each circuit opened and the heartbeats' probes, not the 160 cache reads and writes of
      // the lookups.
      const sent = (await processed()) - before;
      expect(sent).toBeLessThan(80);
    } finally {
      redis.process.kill('SIGCONT');
      direct.disconnect();
    }
  }, 90_000);
});
