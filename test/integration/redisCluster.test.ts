import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CachedDossier } from '../../src/cache/DossierCache';
import { RedisDossierCache } from '../../src/cache/RedisDossierCache';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { RedisAuditStore } from '../../src/audit/RedisAuditStore';
import { verifyChain, type AuditEvent } from '../../src/audit/auditChain';
import { RedisDossierEvents, type DossierChanged } from '../../src/events/DossierEvents';
import {
  RedisRegistrationStore,
  type StoredRegistration,
} from '../../src/registry/RegistrationStore';
import { PrincipalRateLimiter, DEFAULT_RATE_LIMITS } from '../../src/server/PrincipalRateLimiter';
import { RedisReplayGuard } from '../../src/services/push/ReplayGuard';
import type { RedisTarget } from '../../src/redis/connectRedis';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster';
import { DIRECTORY_NAMESPACE } from '../../src/services/agencies/DirectoryEntries';

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
  /**
   * What a test opened, closed after it whether it passed or not: a failed assertion must fail
   * the run, not leave Jest waiting on an open connection.
   */
  let opened: Array<() => unknown> = [];
  const open = <T>(thing: T, close: (thing: T) => unknown): T => {
    opened.push(() => close(thing));
    return thing;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.map((close) => close()));
    opened = [];
  });

  /** Keys held by each master. */
  const keysPerNode = async () =>
    Promise.all(
      cluster.servers.map(async (server) =>
        Number((await run('redis-cli', ['-p', String(server.port), 'dbsize'])).stdout.trim()),
      ),
    );

  it('cache: entries spread over every master are read, written and deleted in one call each', async () => {
    const cache = open(
      new RedisDossierCache({ target, keyPrefix: 'cl:', commandTimeoutMs: 1000, logger: quiet }),
      (c) => c.close(),
    );
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
        settings: 'settings-1',
        registrationVersion: null,
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
  }, 30_000);

  it('registry: compare-and-set and its audit entry in one slot, change notices reach a store connected elsewhere', async () => {
    const one = open(new RedisRegistrationStore(target, 'cl:'), (store) => store.close());
    const two = open(new RedisRegistrationStore(target, 'cl:'), (store) => store.close());
    // Another prefix than the registry's: the slot is the hash tag's, whatever the prefix.
    const audit = open(new RedisAuditStore(target, 'clr:', 'registry-writer'), (a) => a.close());
    const event: AuditEvent = {
      who: 'cli',
      name: 'cli',
      role: 'cli',
      action: 'registry.create',
      operation: 'create',
      codes: [],
      scope: 'cluster-system',
      purpose: null,
      outcome: 'ok',
    };
    // The registry's script writes the entry with the change: its keys share the {registry} slot.
    const put = async (
      store: RedisRegistrationStore,
      record: StoredRegistration,
      expected: number,
    ) =>
      (
        await audit.appendWithChange(event, '2026-11-26T10:00:00+07:00', (entry) =>
          store.put(record, expected, entry),
        )
      ).result;
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
    {
      await expect(put(one, record(1), 0)).resolves.toEqual({ ok: true });
      await heard;
      await expect(put(two, record(2), 0)).resolves.toEqual({ ok: false, currentVersion: 1 });
      await expect(put(two, record(2), 1)).resolves.toEqual({ ok: true });
      expect((await one.latest()).map((r) => r.version)).toEqual([2]);
      expect((await one.history('cluster-system')).map((r) => r.version)).toEqual([1, 2]);
      // The agency directory's entries: the same script in the same slot, a namespace apart.
      const directory = open(
        new RedisRegistrationStore(target, 'cl:', DIRECTORY_NAMESPACE),
        (store) => store.close(),
      );
      const entry = { ...record(1), id: '000.00.15.H56', document: { code: '000.00.15.H56' } };
      await expect(put(directory, entry, 0)).resolves.toEqual({ ok: true });
      expect((await directory.latest()).map((r) => r.id)).toEqual(['000.00.15.H56']);
      expect((await one.latest()).map((r) => r.id)).toEqual(['cluster-system']);
      // Three changes, three entries (the refused one wrote nothing), and the chain verifies.
      const chain = (await audit.readAll()).get('registry-writer/registry');
      expect(chain?.records.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(
        verifyChain('registry-writer/registry', chain?.records ?? [], chain?.head ?? null),
      ).toEqual([]);
    }
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
    const writers = ['writer-a', 'writer-b', 'writer-c', 'writer-d'].map((writer) =>
      open(new RedisAuditStore(target, 'cl:', writer), (store) => store.close()),
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
  }, 30_000);

  it('keys, rate limits, push replay guard and dossier events work on the Cluster', async () => {
    const keys = open(new RedisApiKeyStore(target, 'cl:'), (k) => k.close());
    const created = await keys.create({ name: 'c', role: 'portal', createdBy: 'test' }, new Date());
    expect((await keys.check(created.key, new Date())).ok).toBe(true);
    await keys.revoke(created.record.id, new Date());
    expect((await keys.check(created.key, new Date())).ok).toBe(false);

    const limiter = open(
      new PrincipalRateLimiter({ ...DEFAULT_RATE_LIMITS, portal: 3 }, { target, keyPrefix: 'cl:' }),
      (l) => l.close(),
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

    const guards = [1, 2].map(() =>
      open(new RedisReplayGuard(target, 'cl:push:', quiet), (guard) => guard.close()),
    ) as [RedisReplayGuard, RedisReplayGuard];
    // As a sender would after a 503: a guard not connected yet answers `unavailable` (it used to
    // fall back to its own memory and say "first", so the second guard accepted a replay).
    const settled = async (guard: RedisReplayGuard, key: string) => {
      const deadline = Date.now() + 10_000;
      let claim = await guard.claim(key, 60);
      while ((claim === 'unavailable' || claim === 'pending') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        claim = await guard.claim(key, 60);
      }
      return claim;
    };
    expect(await settled(guards[0], 'sig-1')).toBe('first');
    expect(await settled(guards[1], 'sig-1')).toBe('replay');

    const sender = open(new RedisDossierEvents(target, 'cl:events', quiet), (e) => e.close());
    const receiver = open(new RedisDossierEvents(target, 'cl:events', quiet), (e) => e.close());
    let received: DossierChanged | undefined;
    receiver.subscribe((event) => (received = event));
    // Published again until heard: a message sent before the receiver's subscription is up (a
    // busy machine) is lost, as pub/sub loses it; the test must not wait for it forever.
    const deadline = Date.now() + 10_000;
    while (received === undefined && Date.now() < deadline) {
      await sender.publish({
        connectorId: 'bo-noi-vu-dvc',
        codes: ['000.00.12.G09-250101-0001'],
        changedAt: '2026-11-26T10:00:00+07:00',
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(received?.codes).toEqual(['000.00.12.G09-250101-0001']);
  }, 45_000);
});
