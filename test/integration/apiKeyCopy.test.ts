import { Redis } from 'ioredis';
import { newKey } from '../../src/auth/apiKeys';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { startRedisServer } from '../support/redisServer';
import { createTestLogger } from '../support/testLogger';

const NOW = new Date();

/** Resolves with the next id `store` reports as changed elsewhere. */
const nextChange = (store: RedisApiKeyStore) =>
  new Promise<string>((resolve) => {
    const stop = store.onChange((id) => {
      stop();
      resolve(id);
    });
  });

describe("Keys: each replica's local copy of the Redis key store", () => {
  const url = process.env.TEST_REDIS_URL as string;
  let redis: Redis;
  const open: RedisApiKeyStore[] = [];
  let prefix = '';
  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `copy-${process.pid}-${Math.random().toString(36).slice(2)}:`;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  const store = (options: ConstructorParameters<typeof RedisApiKeyStore>[2] = {}, at = url) => {
    const made = new RedisApiKeyStore(at, prefix, options);
    open.push(made);
    return made;
  };

  it('a key made or revoked through one store reaches the other copies through pub/sub', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.list(), b.list()]);
    const heard = nextChange(b);
    const created = await a.create({ name: 'p', role: 'portal', createdBy: 'test' }, NOW);
    expect(await heard).toBe(created.record.id);
    expect(b.localCopy().keys).toBe(1);
    const revocation = nextChange(b);
    await a.revoke(created.record.id, NOW);
    expect(await revocation).toBe(created.record.id);
    expect(await b.check(created.key, NOW)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('a record written without an announcement is read by the periodic reload', async () => {
    const b = store({ reloadMs: 200 });
    await b.list();
    const made = newKey({ name: 'by hand', role: 'auditor', createdBy: 'test' }, NOW);
    const heard = nextChange(b);
    await redis.hset(`${prefix}apikeys`, made.record.id, JSON.stringify(made.record));
    expect(await heard).toBe(made.record.id);
    expect(b.localCopy()).toMatchObject({ keys: 1, copiedAt: expect.any(Date) });
  });

  it('uses no record that fails verification, and names it by id only', async () => {
    const logger = createTestLogger();
    const b = store({ logger });
    const good = newKey({ name: 'good', role: 'portal', createdBy: 'test' }, NOW);
    const moved = newKey({ name: 'moved', role: 'admin', createdBy: 'test' }, NOW);
    const broken = newKey({ name: 'broken', role: 'portal', createdBy: 'test' }, NOW);
    await redis.hset(
      `${prefix}apikeys`,
      good.record.id,
      JSON.stringify(good.record),
      // An admin record copied under another id: it would let that id's key in as an admin.
      broken.record.id,
      JSON.stringify(moved.record),
      'ffffffffffffffff',
      '{"id": "ffffffffffffffff", "role": "admin"',
    );
    expect(await b.reload()).toBe(true);
    expect(b.localCopy().keys).toBe(1);
    expect((await b.check(good.key, NOW)).ok).toBe(true);
    expect(await b.check(broken.key, NOW)).toEqual({ ok: false, reason: 'unknown' });
    const reported = logger.entries.filter((entry) => /is not valid/.test(entry.message));
    expect(reported.map((entry) => entry.fields.key).sort()).toEqual(
      [broken.record.id, 'ffffffffffffffff'].sort(),
    );
    expect(reported.every((entry) => Object.keys(entry.fields).join() === 'key')).toBe(true);
    expect(logger.text()).not.toContain(good.record.secretHash);
    expect(logger.text()).not.toContain(moved.record.secretHash);
  });

  it('a revocation once in the copy is never undone by a read that predates it', async () => {
    const [a, b] = [store(), store()];
    const created = await a.create({ name: 'p', role: 'portal', createdBy: 'test' }, NOW);
    await b.list();
    const revocation = nextChange(b);
    await a.revoke(created.record.id, NOW);
    await revocation;
    // The record as it was before the revocation comes back (a stale read, a restored backup).
    await redis.hset(`${prefix}apikeys`, created.record.id, JSON.stringify(created.record));
    expect(await b.reload()).toBe(true);
    expect(await b.check(created.key, NOW)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('while Redis cannot be asked, keys in the copy are checked and any other key is unreachable, not refused', async () => {
    const own = await startRedisServer();
    try {
      const a = store({}, own.url);
      const kept = await a.create({ name: 'p', role: 'portal', createdBy: 'test' }, NOW);
      const gone = await a.create({ name: 'r', role: 'portal', createdBy: 'test' }, NOW);
      await a.revoke(gone.record.id, NOW);
      await own.stop();
      expect(await a.check(kept.key, NOW)).toMatchObject({ ok: true });
      expect(await a.check(gone.key, NOW)).toEqual({ ok: false, reason: 'revoked' });
      expect(await a.check('dvck_nope', NOW)).toEqual({ ok: false, reason: 'malformed' });
      const stranger = newKey({ name: 's', role: 'admin', createdBy: 'test' }, NOW).key;
      await expect(a.check(stranger, NOW)).rejects.toThrow();
      await expect(
        a.create({ name: 'during', role: 'portal', createdBy: 'test' }, NOW),
      ).rejects.toThrow();
      expect(await a.reload()).toBe(false);
      expect(a.localCopy().keys).toBe(2);
    } finally {
      await own.stop();
    }
  });
});
