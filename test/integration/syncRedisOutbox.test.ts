import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  startSyncReceiver,
  type RunningSyncReceiver,
} from '../../samples/sync-receiver/startSyncReceiver';
import { idempotencyKey } from '../../src/services/changes/DossierChange';
import {
  createSyncBridge,
  type SyncBridge,
  type SyncBridgeConfig,
} from '../../src/services/sync/createSyncBridge';
import { SyncPartitionsChangedError } from '../../src/services/sync/Outbox';
import { RedisStreamOutbox } from '../../src/services/sync/RedisStreamOutbox';
import { change, changes, outOfOrder, until } from '../support/syncChanges';
import { createTestLogger } from '../support/testLogger';

/**
 * The Redis outbox's guards, on the run's real redis-server: a replica whose lease lapsed
 * unnoticed settles and reads nothing more; unreadable stream entries are dead-lettered with a
 * reason while the rest go; another SYNC_PARTITIONS than the outbox was made with is refused; the
 * first delivery per connector is kept.
 */
describe('Sync bridge: the Redis outbox’s guards', () => {
  let receiver: RunningSyncReceiver;
  let redis: Redis;
  let prefix: string;
  const bridges: SyncBridge[] = [];
  const outboxes: RedisStreamOutbox[] = [];

  beforeEach(async () => {
    receiver = await startSyncReceiver({ port: 0, apiKey: null, hmacSecret: null });
    redis = new Redis(process.env.TEST_REDIS_URL as string);
    prefix = `syncguard-${randomBytes(4).toString('hex')}:`;
  });

  afterEach(async () => {
    receiver.faults.hang = false;
    await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
    await Promise.all(outboxes.splice(0).map((outbox) => outbox.close()));
    await receiver.close();
    redis.disconnect();
  });

  const outboxSettings = (partitions: number, leaseMs: number) => ({
    kind: 'redis' as const,
    target: process.env.TEST_REDIS_URL as string,
    keyPrefix: prefix,
    partitions,
    leaseMs,
    keepDeliveredMs: 60_000,
  });
  const config = (partitions = 1, leaseMs = 1000): SyncBridgeConfig => ({
    sink: { url: receiver.syncUrl, timeoutMs: 2000, auth: { type: 'none' }, hmacSecret: null },
    outbox: outboxSettings(partitions, leaseMs),
    delivery: { maxAttempts: 20, backoffBaseMs: 10, backoffMaxMs: 100, idleMs: 30 },
  });
  const bridge = (settings: SyncBridgeConfig, consumer: string) => {
    const logger = createTestLogger();
    const created = createSyncBridge(settings, { logger, consumer });
    bridges.push(created);
    return { bridge: created, logger };
  };
  const outbox = async (consumer: string, partitions = 1, leaseMs = 60_000) => {
    const opened = await RedisStreamOutbox.open({
      ...outboxSettings(partitions, leaseMs),
      consumer,
      now: Date.now,
    });
    outboxes.push(opened);
    return opened;
  };
  const lease = () => `${prefix}sync:lease:{0}`;
  const stream = () => `${prefix}sync:outbox:{0}`;

  it('a replica whose lease was taken over settles nothing and reads nothing more; the new holder sends its entries, in order', async () => {
    const stale = await outbox('stale');
    const all = changes('thanh-hoa-motcua', 1, 6);
    await stale.append(all);
    expect([...(await stale.hold()).keys()]).toEqual([0]);
    const read = await stale.next(0, 2);
    expect(read.map((entry) => entry.change.state)).toEqual(['s0', 's1']);
    expect(await stale.delivered(read[0]!, new Date())).toBe(true);

    // Its lease lapsed unnoticed (an event loop stalled longer than the lease) and another
    // replica took the partition: made so here by writing the new holder into the lease.
    await redis.set(lease(), 'fresh', 'PX', 60_000);
    expect(await stale.holds(0)).toBe(false);
    expect(await stale.delivered(read[1]!, new Date())).toBe(false);
    expect(await stale.deadLetter(read[1]!, 'test', 1, new Date())).toBe(false);
    expect(await stale.next(0, 10)).toEqual([]);
    // Not acknowledged, not dead-lettered: s1 still pending, and nothing more read by the stale one.
    const pending = (await redis.xpending(stream(), 'bridge')) as [number, ...unknown[]];
    expect(pending[0]).toBe(1);
    expect(await stale.deadLetters()).toEqual([]);

    const fresh = await outbox('fresh');
    expect([...(await fresh.hold()).keys()]).toEqual([0]);
    const states: string[] = [];
    for (;;) {
      const entries = await fresh.next(0, 2);
      if (entries.length === 0) break;
      for (const entry of entries) {
        states.push(entry.change.state);
        expect(await fresh.delivered(entry, new Date())).toBe(true);
      }
    }
    expect(states).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect((await fresh.counts()).get('thanh-hoa-motcua')).toMatchObject({
      appended: 6,
      delivered: 6,
    });
  });

  it('takes entries another consumer left idle longer than the lease at every renewal, not only when it takes the partition', async () => {
    const holder = await outbox('holder', 1, 200);
    await holder.append(changes('thanh-hoa-motcua', 1, 3));
    expect([...(await holder.hold()).keys()]).toEqual([0]);
    // Another consumer of the group read the first two and left them (a replica that read them
    // after the holder had taken its pending entries).
    await redis.xreadgroup('GROUP', 'bridge', 'gone', 'COUNT', 2, 'STREAMS', stream(), '>');
    const fresh = await holder.next(0, 10);
    expect(fresh.map((entry) => entry.change.state)).toEqual(['s2']);
    expect(await holder.delivered(fresh[0]!, new Date())).toBe(true);
    await until('left idle longer than the lease', async () => {
      await holder.hold();
      return (await holder.next(0, 10)).length === 2;
    });
    expect((await holder.next(0, 10)).map((entry) => entry.change.state)).toEqual(['s0', 's1']);
  });

  it('two bridges, the first one’s lease taken from it mid-delivery: every change delivered, in order, each settled once', async () => {
    const settings = config(1, 1000);
    const all = changes('bo-noi-vu-dvc', 5, 8);
    const { bridge: first } = bridge(settings, 'first');
    await first.sink.append(all);
    receiver.faults.delayMs = 15;
    await first.start();
    await until('some delivered', () => receiver.received().distinct >= 5);
    await redis.set(lease(), 'second', 'PX', 1000);
    const { bridge: second } = bridge(settings, 'second');
    await second.start();
    await until('every change delivered', () => receiver.received().distinct === all.length);
    const received = receiver.received();
    expect(Object.keys(received.byKey).sort()).toEqual(all.map(idempotencyKey).sort());
    expect(outOfOrder(received)).toEqual([]);
    // Only the one in flight when the lease was taken can arrive twice.
    expect(received.duplicates).toBeLessThanOrEqual(1);
    await until('settled', async () => (await second.stats())['bo-noi-vu-dvc']?.backlog === 0);
    expect((await second.stats())['bo-noi-vu-dvc']).toMatchObject({
      delivered: all.length,
      deadLetters: 0,
    });
  }, 60_000);

  it('dead-letters unreadable stream entries with a reason, and delivers the others', async () => {
    const { bridge: one, logger } = bridge(config(1), 'one');
    const good = change('thanh-hoa-motcua', 1, 0);
    await one.sink.append([good]);
    const { status: _status, ...withoutStatus } = good.dossier;
    await redis.xadd(
      stream(),
      '*',
      'c',
      JSON.stringify({ ...good, state: 'bad', dossier: withoutStatus }),
    );
    await redis.xadd(stream(), '*', 'c', '{not json');
    await one.sink.append([change('thanh-hoa-motcua', 1, 1), change('thanh-hoa-motcua', 2, 0)]);
    await one.start();
    const outbox = await one.outbox();
    await until('the readable ones delivered', () => receiver.received().distinct === 3);
    await until('two dead letters', async () => (await outbox.deadLetters()).length === 2);
    const dead = await outbox.deadLetters();
    expect(dead.map((letter) => [letter.change.code, letter.reason, letter.attempts])).toEqual([
      [good.code, 'unreadable change: missing or malformed dossier.status', 0],
      ['(unreadable)', 'unreadable change: not JSON', 0],
    ]);
    expect(outOfOrder(receiver.received())).toEqual([]);
    expect(logger.text()).not.toMatch(/Nguyễn|038190000123|0912345678/);
  });

  it('refuses another SYNC_PARTITIONS than the outbox was made with, naming both', async () => {
    const { bridge: eight } = bridge(config(8), 'eight');
    await eight.sink.append([change('thanh-hoa-motcua', 1, 0)]);
    expect(await redis.get(`${prefix}sync:partitions`)).toBe('8');
    const { bridge: four } = bridge(config(4), 'four');
    const refused = four.start();
    await expect(refused).rejects.toBeInstanceOf(SyncPartitionsChangedError);
    await expect(refused).rejects.toThrow(
      /SYNC_PARTITIONS is 4 .* made with 8: set SYNC_PARTITIONS=8/,
    );
    await expect(four.sink.append([change('thanh-hoa-motcua', 2, 0)])).rejects.toBeInstanceOf(
      SyncPartitionsChangedError,
    );
  });

  it('keeps when the first change of each system it delivered was found', async () => {
    const { bridge: one } = bridge(config(4), 'one');
    await one.start();
    expect(await one.firstSynced('thanh-hoa-motcua')).toBeNull();
    const appended = changes('thanh-hoa-motcua', 6, 1);
    await one.sink.append(appended);
    await until('delivered', () => receiver.received().distinct === 6);
    await until('settled', async () => (await one.firstSynced('thanh-hoa-motcua')) !== null);
    const first = (await one.firstSynced('thanh-hoa-motcua')) as string;
    // The earliest found of those delivered (each partition keeps its own first).
    const found = appended.map((c) => new Date(c.detectedAt).toISOString()).sort();
    expect(found).toContain(first);
    expect(first).toBe(found[0]);
    // Later deliveries leave it as it was; another system has none yet.
    await one.sink.append([change('thanh-hoa-motcua', 7, 0)]);
    await until('delivered again', () => receiver.received().distinct === 7);
    await until(
      'settled again',
      async () => (await one.stats())['thanh-hoa-motcua']?.delivered === 7,
    );
    expect(await one.firstSynced('thanh-hoa-motcua')).toBe(first);
    expect(await one.firstSynced('bo-noi-vu-dvc')).toBeNull();
  });
});
