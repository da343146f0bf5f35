import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  startSyncReceiver,
  type RunningSyncReceiver,
} from '../../samples/sync-receiver/startSyncReceiver';
import {
  createSyncBridge,
  type SyncBridge,
  type SyncBridgeConfig,
} from '../../src/services/sync/createSyncBridge';
import { SyncOutboxUnavailableError } from '../../src/services/sync/Outbox';
import { idempotencyKey } from '../../src/services/changes/DossierChange';
import { createTestLogger } from '../support/testLogger';
import { change, changes, outOfOrder, until } from '../support/syncChanges';
import { PROJECT_ROOT } from '../support/testGateway';

const API_KEY = 'sync-test-api-key';
const HMAC = 'sync-test-hmac-secret';

/**
 * The sync bridge on the run's real redis-server, delivering to the real sample receiver: order
 * per dossier and at-least-once under 503s and timeouts, a replica killed with SIGKILL while
 * delivering, dead letters with reasons, and their replay.
 */
describe('Sync bridge on Redis Streams', () => {
  let receiver: RunningSyncReceiver;
  const bridges: SyncBridge[] = [];

  beforeEach(async () => {
    receiver = await startSyncReceiver({ port: 0, apiKey: API_KEY, hmacSecret: HMAC });
  });

  afterEach(async () => {
    receiver.faults.hang = false;
    await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
    await receiver.close();
  });

  const config = (overrides: Partial<SyncBridgeConfig['delivery']> = {}, partitions = 8) =>
    ({
      sink: {
        url: receiver.syncUrl,
        timeoutMs: 300,
        auth: { type: 'apiKey', header: 'X-API-Key', value: API_KEY },
        hmacSecret: HMAC,
      },
      outbox: {
        kind: 'redis',
        target: process.env.TEST_REDIS_URL as string,
        keyPrefix: `synctest-${randomBytes(4).toString('hex')}:`,
        partitions,
        leaseMs: 1000,
        keepDeliveredMs: 60_000,
      },
      delivery: { maxAttempts: 50, backoffBaseMs: 10, backoffMaxMs: 100, idleMs: 50, ...overrides },
    }) satisfies SyncBridgeConfig;

  const bridge = (settings: SyncBridgeConfig, consumer: string) => {
    const logger = createTestLogger();
    const created = createSyncBridge(settings, { logger, consumer });
    bridges.push(created);
    return { bridge: created, logger };
  };

  it('delivers every change in order per dossier through 503s and timeouts, duplicates counted', async () => {
    const settings = config();
    const { bridge: one, logger } = bridge(settings, 'one');
    const all = changes('thanh-hoa-motcua', 20, 5);
    await one.sink.append(all);
    receiver.faults.failNext = 25;
    receiver.faults.retryAfterSeconds = 0;
    await one.start();
    await until('some 503s answered', () => receiver.stats.attempts >= 10);
    // The receiver stops answering for a while: every request times out until it answers again.
    receiver.faults.hang = true;
    const before = receiver.stats.attempts;
    await until('timeouts', () => receiver.stats.attempts >= before + 10);
    receiver.faults.hang = false;
    await until('every change delivered', () => receiver.received().distinct === all.length);

    const received = receiver.received();
    expect(Object.keys(received.byKey).sort()).toEqual(all.map(idempotencyKey).sort());
    expect(outOfOrder(received)).toEqual([]);
    expect(received.rejectedAuth).toBe(0);
    // At least once: what arrived twice is counted, and is no more than the timeouts could cause.
    expect(received.total).toBe(received.distinct + received.duplicates);
    expect(received.duplicates).toBeLessThanOrEqual(receiver.stats.attempts - received.distinct);
    await until('counted as delivered', async () => {
      const stats = (await one.stats())['thanh-hoa-motcua'];
      return stats?.delivered === all.length && stats.backlog === 0;
    });
    const stats = (await one.stats())['thanh-hoa-motcua']!;
    expect(stats.deadLetters).toBe(0);
    expect(stats.lagMs?.p99).toBeGreaterThan(0);
    // Logs name codes and failures, never the applicant.
    expect(logger.text()).not.toMatch(/Nguyễn|038190000123|0912345678/);
  });

  it('another replica takes over the partitions of one killed with SIGKILL mid-delivery', async () => {
    const settings = config({}, 4);
    const all = changes('bo-noi-vu-dvc', 10, 4);
    const { bridge: survivor } = bridge(settings, 'survivor');
    await survivor.sink.append(all);
    receiver.faults.hang = true;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'support', 'syncReplica.ts')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          SYNC_BRIDGE_CONFIG: JSON.stringify({
            ...settings,
            // Longer than the lease: the killed replica's request is in flight when it dies.
            sink: { ...settings.sink, timeoutMs: 10_000 },
          }),
          SYNC_CONSUMER: 'doomed',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until('the replica delivering', () => receiver.stats.attempts >= 1, 30_000);
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    receiver.faults.hang = false;
    await survivor.start();
    await until(
      'every change delivered by the survivor',
      () => receiver.received().distinct === all.length,
    );
    const received = receiver.received();
    expect(outOfOrder(received)).toEqual([]);
    expect(received.duplicates).toBe(0);
    await until(
      'nothing left',
      async () => (await survivor.stats())['bo-noi-vu-dvc']?.backlog === 0,
    );
  }, 60_000);

  it('dead-letters a refused change at once and a failing one after its attempts, with reasons; later changes still go; replay re-sends them', async () => {
    const settings = config({ maxAttempts: 3 }, 1);
    const { bridge: one } = bridge(settings, 'one');
    await one.start();
    const outbox = await one.outbox();

    // Out of attempts: the receiver answers 503 to all three.
    receiver.faults.failNext = 3;
    await one.sink.append([change('thanh-hoa-motcua', 1, 0)]);
    await until('the first change dead', async () => (await outbox.deadLetters()).length === 1);
    // Refused (422): dead at once, not retried.
    receiver.rejectedCodes.add(change('thanh-hoa-motcua', 2, 0).code);
    const attempts = receiver.stats.attempts;
    await one.sink.append([change('thanh-hoa-motcua', 2, 0), change('thanh-hoa-motcua', 1, 1)]);
    await until('the refused change dead', async () => (await outbox.deadLetters()).length === 2);
    await until('the later change of the first dossier delivered', () =>
      Object.keys(receiver.received().byKey).includes(
        idempotencyKey(change('thanh-hoa-motcua', 1, 1)),
      ),
    );
    expect(receiver.stats.attempts - attempts).toBe(2);

    const dead = await outbox.deadLetters();
    expect(
      dead.map((letter) => [letter.change.code, letter.change.state, letter.attempts]),
    ).toEqual([
      [change('thanh-hoa-motcua', 1, 0).code, 's0', 3],
      [change('thanh-hoa-motcua', 2, 0).code, 's0', 1],
    ]);
    expect(dead[0]!.reason).toMatch(/^gave up after 3 attempts; last: HTTP 503/);
    expect(dead[1]!.reason).toMatch(/^not accepted: HTTP 422: .*INVALID_RECORD/);
    // Settled just after the receiver answered.
    await until('settled', async () => (await one.stats())['thanh-hoa-motcua']?.backlog === 0);
    expect((await one.stats())['thanh-hoa-motcua']).toMatchObject({ deadLetters: 2, delivered: 1 });

    // Replayed once the receiver takes them: delivered, and no longer dead letters.
    receiver.rejectedCodes.clear();
    expect(await outbox.replayDead({ ids: dead.map((letter) => letter.id) })).toBe(2);
    await until('the replayed changes delivered', () => receiver.received().distinct === 3);
    expect(await outbox.deadLetters()).toEqual([]);
    await until('counted', async () => (await one.stats())['thanh-hoa-motcua']?.backlog === 0);
    expect((await one.stats())['thanh-hoa-motcua']).toMatchObject({ deadLetters: 0, delivered: 3 });

    // Delivered changes are kept for a while, and can be sent again by time.
    const again = await outbox.replayDelivered(new Date(Date.now() - 60_000), new Date());
    expect(again).toBe(3);
    await until('sent again', () => receiver.received().total === 6);
    expect(receiver.received().duplicates).toBe(3);
  });

  it('waits as long as the receiver’s Retry-After asks, not its own shorter backoff', async () => {
    const { bridge: one } = bridge(config({ backoffBaseMs: 10, backoffMaxMs: 20 }, 1), 'one');
    receiver.faults.failNext = 1;
    receiver.faults.retryAfterSeconds = 1;
    await one.start();
    await one.sink.append([change('thanh-hoa-motcua', 9, 0)]);
    await until('refused once', () => receiver.stats.attempts === 1);
    const refusedAt = Date.now();
    await until('delivered', () => receiver.received().distinct === 1);
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(900);
    expect(receiver.stats.attempts).toBe(2);
  });

  it('refuses a wrong key or signature as the receiver does: dead at once, with the reason', async () => {
    const settings = config({ maxAttempts: 3 }, 1);
    const { bridge: one } = bridge(
      { ...settings, sink: { ...settings.sink, hmacSecret: 'wrong' } },
      'one',
    );
    await one.start();
    await one.sink.append([change('thanh-hoa-motcua', 7, 0)]);
    const outbox = await one.outbox();
    await until('dead', async () => (await outbox.deadLetters()).length === 1);
    expect((await outbox.deadLetters())[0]!.reason).toMatch(
      /HTTP 401: .*X-Signature does not match/,
    );
    expect(receiver.received().rejectedAuth).toBe(1);
  });

  it('authenticates with OAuth 2.0 client credentials, and renews a token refused with 401', async () => {
    const oauth = await startSyncReceiver({
      port: 0,
      apiKey: null,
      hmacSecret: null,
      oauth2: { clientId: 'dvc-gateway', clientSecret: 'bí mật', tokenTtlSeconds: 300 },
    });
    try {
      const settings = config({ maxAttempts: 2 }, 1);
      const { bridge: one } = bridge(
        {
          ...settings,
          sink: {
            url: oauth.syncUrl,
            timeoutMs: 1000,
            auth: {
              type: 'oauth2ClientCredentials',
              tokenUrl: `${oauth.url}/oauth2/token`,
              clientId: 'dvc-gateway',
              clientSecret: 'bí mật',
              clientAuthentication: 'basic',
              renewBeforeExpirySeconds: 30,
            },
            hmacSecret: null,
          },
        },
        'one',
      );
      await one.start();
      await one.sink.append([change('bo-noi-vu-dvc', 1, 0)]);
      await until('delivered', () => oauth.received().distinct === 1);
      expect(oauth.stats.tokenRequests).toBe(1);
      // The token server forgot its tokens: the record is refused once, a new token fetched, sent.
      oauth.revokeTokens();
      await one.sink.append([change('bo-noi-vu-dvc', 1, 1)]);
      await until('delivered with a new token', () => oauth.received().distinct === 2);
      expect(oauth.stats.tokenRequests).toBe(2);
      expect(oauth.received().rejectedAuth).toBe(1);
      expect(await (await one.outbox()).deadLetters()).toEqual([]);
    } finally {
      await oauth.close();
    }
  });

  it('says so at once when Redis cannot take a change, so that the caller keeps it', async () => {
    const settings = config();
    const { bridge: away } = bridge(
      { ...settings, outbox: { ...settings.outbox, target: 'redis://127.0.0.1:1' } },
      'away',
    );
    await expect(away.sink.append([change('thanh-hoa-motcua', 1, 0)])).rejects.toBeInstanceOf(
      SyncOutboxUnavailableError,
    );
  });
});
