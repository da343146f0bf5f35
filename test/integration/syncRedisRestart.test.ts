import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSyncReceiver,
  type RunningSyncReceiver,
} from '../../samples/sync-receiver/startSyncReceiver';
import type { DossierChange } from '../../src/services/changes/DossierChange';
import { idempotencyKey } from '../../src/services/changes/DossierChange';
import { createSyncBridge, type SyncBridge } from '../../src/services/sync/createSyncBridge';
import { SyncOutboxUnavailableError } from '../../src/services/sync/Outbox';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { changes, outOfOrder, until } from '../support/syncChanges';
import { createTestLogger } from '../support/testLogger';

/**
 * Redis stopped with SIGKILL under the bridge, mid-delivery, and started again on the same port
 * and files (append-only file, fsynced at every write, as the outbox requires): appends while it
 * is away are refused (the caller keeps them), and delivery resumes with nothing lost.
 */
describe('Sync bridge across a Redis restart', () => {
  let dataDir: string;
  let redis: RedisServer;
  let receiver: RunningSyncReceiver;
  let bridge: SyncBridge;

  const startRedis = (port?: number) =>
    startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDir], port);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sync-redis-'));
    redis = await startRedis();
    receiver = await startSyncReceiver({ port: 0, apiKey: null, hmacSecret: null });
  });

  afterAll(async () => {
    if (receiver !== undefined) receiver.faults.hang = false;
    await bridge?.close();
    await redis?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing, and refuses appends while Redis is away', async () => {
    bridge = createSyncBridge(
      {
        sink: { url: receiver.syncUrl, timeoutMs: 500, auth: { type: 'none' }, hmacSecret: null },
        outbox: {
          kind: 'redis',
          target: redis.url,
          keyPrefix: 'restart:',
          partitions: 4,
          leaseMs: 1000,
          keepDeliveredMs: 60_000,
        },
        delivery: { maxAttempts: 100, backoffBaseMs: 10, backoffMaxMs: 200, idleMs: 50 },
      },
      { logger: createTestLogger(), consumer: 'one' },
    );
    const first = changes('thanh-hoa-motcua', 15, 4);
    const early = first.slice(0, 15);
    await bridge.sink.append(early);
    await bridge.start();
    await until('some delivered', () => receiver.received().distinct === early.length);
    // The receiver holds every request from now on: Redis goes away with changes in flight and
    // the rest waiting, whatever the machine's speed.
    receiver.faults.hang = true;
    await bridge.sink.append(first.slice(early.length));
    const attempts = receiver.stats.attempts;
    await until('requests in flight', () => receiver.stats.attempts > attempts);

    await redis.stop();
    expect(receiver.received().distinct).toBe(early.length);
    const during = changes('bo-noi-vu-dvc', 5, 2);
    const kept: DossierChange[] = [];
    for (const one of during) {
      try {
        await bridge.sink.append([one]);
      } catch (error) {
        expect(error).toBeInstanceOf(SyncOutboxUnavailableError);
        kept.push(one);
      }
    }
    expect(kept).toEqual(during);

    redis = await startRedis(redis.port);
    receiver.faults.hang = false;
    // The caller appends what it kept once the outbox takes changes again.
    await until('Redis back for appends', async () => {
      try {
        await bridge.sink.append(kept);
        return true;
      } catch {
        return false;
      }
    });
    const all = [...first, ...kept];
    await until(
      'every change delivered',
      () => receiver.received().distinct === all.length,
      30_000,
    );
    const received = receiver.received();
    expect(Object.keys(received.byKey).sort()).toEqual(all.map(idempotencyKey).sort());
    expect(outOfOrder(received)).toEqual([]);
    await until('nothing left', async () => {
      const stats = await bridge.stats();
      return stats['thanh-hoa-motcua']?.backlog === 0 && stats['bo-noi-vu-dvc']?.backlog === 0;
    });
  }, 60_000);
});
