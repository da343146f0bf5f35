import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CachedDossier } from '../../src/cache/DossierCache';
import { RedisDossierCache } from '../../src/cache/RedisDossierCache';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { RedisAuditStore } from '../../src/audit/RedisAuditStore';
import { verifyChain, type AuditEvent } from '../../src/audit/auditChain';
import { RedisDossierEvents, type DossierChanged } from '../../src/events/DossierEvents';
import { RedisRegistryStore, type StoredRegistration } from '../../src/registry/RegistryStore';
import { PrincipalRateLimiter, DEFAULT_RATE_LIMITS } from '../../src/server/PrincipalRateLimiter';
import { RedisReplayGuard } from '../../src/services/push/ReplayGuard';
import type { RedisTarget } from '../../src/redis/connectRedis';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster';

const run = promisify(execFile);
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Every Redis-backed store on a three-master Redis Cluster. Keys that belong together share a hash
 * tag (one slot); keys that do not (cache entries) are spread over the masters and still read and
 * written in one call.
 */
describe('Redis Cluster: every shared store', () => {
  let cluster: RedisCluster;
  let target: RedisTarget;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    target = { cluster: cluster.nodes };
  }, 60_000);
  afterAll(async () => {
    await cluster.stop();
  });

  /** Keys held by each master. */
  const keysPerNode = async () =>
    Promise.all(
      cluster.servers.map(async (server) =>
        Number((await run('redis-cli', ['-p', String(server.port), 'dbsize'])).stdout.trim()),
      ),
    );

  it('cache: entries spread over every master are read, written and deleted in one call each', async () => {
    const cache = new RedisDossierCache({
      target,
      keyPrefix: 'cl:',
      commandTimeoutMs: 1000,
      logger: quiet,
    });
    await cache.ready(10_000);
    const codes = Array.from(
      { length: 200 },
      (_, i) => `000.00.01.H56-250101-${String(i).padStart(4, '0')}`,
    );
    const entries = codes.map((code) => ({
      value: {
        kind: 'notFound',
        code,
        connectorId: 'thanh-hoa-motcua',
        fetchedAt: '2026-11-26T10:00:00+07:00',
        freshUntil: Date.now() + 60_000,
      } satisfies CachedDossier,
      ttlSeconds: 60,
    }));
    await cache.setMany(entries);
    expect((await keysPerNode()).every((count) => count > 10)).toBe(true);
    const read = await cache.getMany([...codes, 'absent-code']);
    expect(read.slice(0, 200).map((entry) => entry?.code)).toEqual(codes);
    expect(read[200]).toBeUndefined();
    await cache.deleteMany(codes);
    expect((await cache.getMany(codes)).every((entry) => entry === undefined)).toBe(true);
    await cache.close();
  }, 30_000);

  it('registry: compare-and-set in one slot, change notices reach a store connected elsewhere', async () => {
    const one = new RedisRegistryStore(target, 'cl:');
    const two = new RedisRegistryStore(target, 'cl:');
    // Both connected (each store also tells its listeners once its subscriber is ready: only the
    // notice of the change below may count).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const heard = new Promise<void>((resolve) => two.onChange(resolve));
    const record = (version: number): StoredRegistration => ({
      id: 'cluster-system',
      version,
      enabled: true,
      deleted: false,
      document: { id: 'cluster-system' },
      updatedAt: '2026-11-26T10:00:00+07:00',
      updatedBy: 'test',
      note: null,
    });
    await expect(one.put(record(1), 0)).resolves.toEqual({ ok: true });
    await heard;
    await expect(two.put(record(2), 0)).resolves.toEqual({ ok: false, currentVersion: 1 });
    await expect(two.put(record(2), 1)).resolves.toEqual({ ok: true });
    expect((await one.latest()).map((r) => r.version)).toEqual([2]);
    expect((await one.history('cluster-system')).map((r) => r.version)).toEqual([1, 2]);
    await Promise.all([one.close(), two.close()]);
  }, 30_000);

  it('audit log: each writer chain (stream and head in one slot) verifies', async () => {
    const event: AuditEvent = {
      who: 'key:0123456789abcdef',
      name: 'test',
      role: 'auditor',
      action: 'read.crossAgency',
      operation: 'q/dossiers',
      codes: ['000.00.01.H56-250101-0001'],
      scope: null,
      purpose: null,
      outcome: 'ok',
    };
    const writers = ['writer-a', 'writer-b', 'writer-c', 'writer-d'].map(
      (writer) => new RedisAuditStore(target, 'cl:', writer),
    );
    for (let i = 0; i < 5; i += 1) {
      await Promise.all(writers.map((store) => store.append(event, '2026-11-26T10:00:00+07:00')));
    }
    const chains = await (writers[0] as RedisAuditStore).readAll();
    expect([...chains.keys()]).toEqual(['writer-a', 'writer-b', 'writer-c', 'writer-d']);
    for (const [writer, { records, head }] of chains) {
      expect(records).toHaveLength(5);
      expect(verifyChain(writer, records, head)).toEqual([]);
    }
    await Promise.all(writers.map((store) => store.close()));
  }, 30_000);

  it('keys, rate limits, push replay guard and dossier events work on the Cluster', async () => {
    const keys = new RedisApiKeyStore(target, 'cl:');
    const created = await keys.create({ name: 'c', role: 'portal', createdBy: 'test' }, new Date());
    expect((await keys.check(created.key, new Date())).ok).toBe(true);
    await keys.revoke(created.record.id, new Date());
    expect((await keys.check(created.key, new Date())).ok).toBe(false);
    await keys.close();

    const limiter = new PrincipalRateLimiter(
      { ...DEFAULT_RATE_LIMITS, portal: 3 },
      { target, keyPrefix: 'cl:' },
    );
    const portal = {
      id: 'key:00000000000000aa',
      name: 'p',
      role: 'portal' as const,
      via: 'apiKey' as const,
      agencies: [],
      connectors: [],
    };
    // Wait until the limiter's connection is up, so the count is the Cluster's, not the fallback's.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const decisions = [];
    for (let i = 0; i < 5; i += 1) decisions.push(await limiter.consume(portal, '127.0.0.1'));
    expect(decisions.map((d) => d.ok)).toEqual([true, true, true, false, false]);
    // Counted in the Cluster, not by the in-memory fallback: the counter key is on a master.
    const counters = await Promise.all(
      cluster.servers.map(
        async (server) =>
          (
            await run('redis-cli', [
              '-p',
              String(server.port),
              '--scan',
              '--pattern',
              'cl:rl:portal*',
            ])
          ).stdout,
      ),
    );
    expect(counters.join('')).toContain('00000000000000aa');
    limiter.close();

    const guards = [
      new RedisReplayGuard(target, 'cl:push:', quiet),
      new RedisReplayGuard(target, 'cl:push:', quiet),
    ];
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await guards[0]?.claim('sig-1', 60)).toBe(true);
    expect(await guards[1]?.claim('sig-1', 60)).toBe(false);
    await Promise.all(guards.map((guard) => guard.close()));

    const sender = new RedisDossierEvents(target, 'cl:events', quiet);
    const receiver = new RedisDossierEvents(target, 'cl:events', quiet);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = new Promise<DossierChanged>((resolve) => receiver.subscribe(resolve));
    await sender.publish({
      connectorId: 'bo-noi-vu-dvc',
      codes: ['000.00.12.G09-250101-0001'],
      changedAt: '2026-11-26T10:00:00+07:00',
    });
    expect((await received).codes).toEqual(['000.00.12.G09-250101-0001']);
    await Promise.all([sender.close(), receiver.close()]);
  }, 30_000);
});
