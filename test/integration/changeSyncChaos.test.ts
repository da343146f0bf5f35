import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { sampleRegistrationsWith } from '../support/registrations';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { runProductionOnRedis, type MainProcess } from '../support/runMain';
import { findCodes } from '../support/sampleCodes';
import { until } from '../support/syncChanges';

const PREFIX = `chaos-${process.pid}:`;
const PER_SYSTEM = 5;

/**
 * Issue 21's "done when", end to end: dossiers change in the three sample systems — two that push
 * (full records; codes only) and one that cannot — while the receiver answers 503s and then hangs,
 * one of two gateway processes is killed with SIGKILL, and Redis (append-only, fsynced) is killed
 * and started again. Every change must reach the receiver, in order per dossier; what arrives
 * twice is counted (the idempotency key absorbs it).
 */
describe('Every change reaches the portal through pushes, polls, 503s, timeouts, kill -9 and a Redis restart', () => {
  let dataDir: string;
  let redis: RedisServer;
  let samples: SampleSystems;
  let registrations: string;
  let admin: string;
  const gateways: MainProcess[] = [];

  const startRedis = (port?: number) =>
    startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDir], port);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chaos-redis-'));
    redis = await startRedis();
    samples = await startSampleSystems({ size: 3000, seed: 2104 });
    // Every system is also rechecked every 10 s: a push lost while Redis restarts is found again.
    const polled = { everySeconds: 10, recheck: { perPoll: 500 } };
    registrations = await sampleRegistrationsWith({
      'thanh-hoa-motcua': { changes: polled },
      'bo-noi-vu-dvc': { changes: polled },
      'thanh-hoa-datdai': { changes: polled },
    });
    const keys = new RedisApiKeyStore(redis.url, PREFIX);
    admin = (await keys.create({ name: 'chaos', role: 'admin', createdBy: 'test' }, new Date()))
      .key;
    await keys.close();
    for (let i = 0; i < 2; i += 1)
      gateways.push(
        await runProductionOnRedis(samples.variables, { REDIS_URL: redis.url }, PREFIX, {
          ...samples.syncVariables,
          REGISTRATIONS_DIR: registrations,
          CHANGE_POLLS: 'true',
          SYNC_LEASE_MS: '2000',
          SYNC_SINK_TIMEOUT_MS: '1000',
          SYNC_BACKOFF_MS: '50',
          SYNC_BACKOFF_MAX_MS: '1000',
          SYNC_MAX_ATTEMPTS: '100',
          SYNC_IDLE_MS: '50',
        }),
      );
  }, 60_000);

  afterAll(async () => {
    samples.receiver.faults.hang = false;
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await samples?.close();
    await redis?.stop();
    await rm(registrations, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every change, in order per dossier, whatever fails on the way', async () => {
    const [a, b] = gateways as [MainProcess, MainProcess];
    // The systems push to the replica that survives; their dossiers, open.
    samples.connectGateway(b.url);
    const open = (d: { status: number }) => d.status === 4;
    const systems = [samples.provincial, samples.ministry, samples.land];
    const codes = systems.map((system) => findCodes(system.dataset, PER_SYSTEM, open));
    const all = codes.flat();
    // Seen once through a lookup: each is delivered as first seen (status 4).
    const answer = (await (
      await fetch(`${a.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': admin },
        body: JSON.stringify({
          query:
            'query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { status { code } } } }',
          variables: { codes: all },
        }),
      })
    ).json()) as unknown;
    expect(answer).toMatchObject({
      data: { dossiers: all.map(() => ({ dossier: { status: { code: 4 } } })) },
    });
    const statuses = () => samples.receiver.received().dossiers;
    const reached = (status: string) => () =>
      all.every((code) => (statuses()[code] ?? []).some((record) => record.status === status));
    await until('every dossier delivered as first seen', reached('4'), 30_000);

    // The receiver refuses the next 15 records (503, Retry-After 1 s); the dossiers change; one
    // gateway dies with SIGKILL; Redis dies and comes back on its files.
    const stats = samples.receiver.stats;
    const accepted = () => samples.receiver.received().total;
    const refusedBefore = stats.attempts - accepted();
    Object.assign(samples.receiver.faults, { failNext: 15, retryAfterSeconds: 1 });
    const change = (system: { url: string }, code: string, status: number) =>
      fetch(`${system.url}/__sample/dossiers/${code}/status`, {
        method: 'POST',
        body: JSON.stringify({ status }),
      });
    for (const [i, system] of systems.entries())
      for (const code of codes[i] as string[]) await change(system, code, 5);
    // Who holds the outbox's partitions before the kill (a consumer name per replica).
    const holders = async () => {
      const client = new Redis(redis.url);
      try {
        const keys = await client.keys(`${PREFIX}sync:lease:*`);
        return new Map(
          await Promise.all(keys.map(async (key) => [key, await client.get(key)] as const)),
        );
      } finally {
        client.disconnect();
      }
    };
    const before = await holders();
    a.child.kill('SIGKILL');
    await redis.stop();
    redis = await startRedis(redis.port);
    await until('every change to 5 delivered', reached('5'), 90_000);
    // The killed replica held partitions; the survivor holds them now.
    const after = await holders();
    const survivor = new Set(after.values());
    expect([...before.values()].some((holder) => !survivor.has(holder))).toBe(true);
    // The 503s were answered (and retried).
    expect(stats.attempts - accepted() - refusedBefore).toBeGreaterThanOrEqual(15);

    // Then the receiver hangs (every delivery times out) while the dossiers finish.
    samples.receiver.faults.hang = true;
    const hangFrom = { attempts: stats.attempts, accepted: accepted() };
    for (const [i, system] of systems.entries())
      for (const code of codes[i] as string[]) await change(system, code, 9);
    // A delivery times out (1 s) and is tried again: two attempts, nothing accepted meanwhile.
    await until(
      'a delivery timed out and tried again',
      () => stats.attempts >= hangFrom.attempts + 2,
      30_000,
    );
    expect(accepted()).toBe(hangFrom.accepted);
    samples.receiver.faults.hang = false;
    await until('every change to 9 delivered', reached('9'), 90_000);

    const received = samples.receiver.received();
    for (const code of all) {
      const records = received.dossiers[code] ?? [];
      // In order: 4, then 5, then 9, each state one key, duplicates only next to themselves.
      const sequence = records
        .map((record) => record.status)
        .filter((status, i, list) => i === 0 || status !== list[i - 1]);
      expect({ code, sequence }).toEqual({ code, sequence: ['4', '5', '9'] });
      expect(new Set(records.map((record) => record.key)).size).toBe(3);
    }
    // At least once: duplicates are the idempotency key's to absorb; how many is printed.
    process.stdout.write(
      `chaos: ${received.distinct} changes, ${received.duplicates} delivered twice or more\n`,
    );
    expect(received.distinct).toBe(all.length * 3);
  }, 300_000);
});
