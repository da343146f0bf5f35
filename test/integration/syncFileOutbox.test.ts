import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { FileOutbox } from '../../src/services/sync/FileOutbox';
import { SyncOutboxUnavailableError } from '../../src/services/sync/Outbox';
import { change, changes, outOfOrder, until } from '../support/syncChanges';
import { runCli } from '../support/runCli';
import { PROJECT_ROOT } from '../support/testGateway';
import { createTestLogger } from '../support/testLogger';

/**
 * The file outbox of the embedded default: a process killed with SIGKILL mid-delivery, and the
 * next one on the same folder delivers the rest, nothing lost, at most the one in flight twice.
 */
describe('Sync bridge on the file outbox', () => {
  let dir: string;
  let receiver: RunningSyncReceiver;
  const bridges: SyncBridge[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-outbox-'));
    receiver = await startSyncReceiver({ port: 0, apiKey: 'file-key', hmacSecret: null });
  });

  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (): SyncBridgeConfig => ({
    sink: {
      url: receiver.syncUrl,
      timeoutMs: 2000,
      auth: { type: 'apiKey', header: 'X-API-Key', value: 'file-key' },
      hmacSecret: null,
    },
    outbox: { kind: 'file', dir },
    delivery: { maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 50, idleMs: 50 },
  });
  const open = () => {
    const bridge = createSyncBridge(config(), { logger: createTestLogger() });
    bridges.push(bridge);
    return bridge;
  };

  it('survives kill -9 of its process: the next process delivers the rest', async () => {
    receiver.faults.delayMs = 15;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'support', 'syncReplica.ts')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          SYNC_BRIDGE_CONFIG: JSON.stringify(config()),
          SYNC_APPEND: 'thanh-hoa-motcua:10:6',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until('some delivered', () => receiver.received().distinct >= 12, 30_000);
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const before = receiver.received().distinct;
    expect(before).toBeLessThan(60);
    receiver.faults.delayMs = 0;

    const next = open();
    await next.start();
    const all = changes('thanh-hoa-motcua', 10, 6);
    await until('every change delivered', () => receiver.received().distinct === all.length);
    const received = receiver.received();
    expect(Object.keys(received.byKey).sort()).toEqual(all.map(idempotencyKey).sort());
    expect(received.duplicates).toBeLessThanOrEqual(1);
    expect(outOfOrder(received)).toEqual([]);
    await until('counted', async () => (await next.stats())['thanh-hoa-motcua']?.backlog === 0);
    // Each entry settled once, across both processes (the counts are in the folder too).
    expect((await next.stats())['thanh-hoa-motcua']).toMatchObject({
      delivered: 60,
      deadLetters: 0,
    });
  }, 60_000);

  it('drops a line cut short by a kill mid-append, and keeps the rest', async () => {
    const first = open();
    await first.sink.append([change('thanh-hoa-motcua', 1, 0), change('thanh-hoa-motcua', 1, 1)]);
    await first.close();
    bridges.splice(0);
    const file = readdirSync(dir).find((name) => name.startsWith('outbox-')) as string;
    appendFileSync(join(dir, file), '{"at": 1, "change": {"connectorId": "thanh-hoa-mo');

    const second = open();
    await second.sink.append([change('thanh-hoa-motcua', 1, 2)]);
    await second.start();
    await until('delivered', () => receiver.received().distinct === 3);
    expect(
      receiver.received().dossiers[change('thanh-hoa-motcua', 1, 0).code]?.map((r) => r.state),
    ).toEqual(['s0', 's1', 's2']);
  });

  it('dead-letters a refused change with its reason, delivers the later ones, and replays it', async () => {
    const bridge = open();
    await bridge.start();
    receiver.rejectedCodes.add(change('thanh-hoa-motcua', 3, 0).code);
    await bridge.sink.append([change('thanh-hoa-motcua', 3, 0), change('thanh-hoa-motcua', 4, 0)]);
    const outbox = await bridge.outbox();
    await until('dead', async () => (await outbox.deadLetters()).length === 1);
    await until('the next delivered', () => receiver.received().distinct === 1);
    const [letter] = await outbox.deadLetters();
    expect(letter!.reason).toMatch(/^not accepted: HTTP 422/);
    receiver.rejectedCodes.clear();
    expect(await outbox.replayDead({})).toBe(1);
    await until('replayed', () => receiver.received().distinct === 2);
    expect(await outbox.deadLetters()).toEqual([]);
    // Settled just after the receiver answered.
    await until('settled', async () => (await bridge.stats())['thanh-hoa-motcua']?.backlog === 0);
    expect((await bridge.stats())['thanh-hoa-motcua']).toMatchObject({
      delivered: 2,
      deadLetters: 0,
      backlog: 0,
    });
  });

  it('lists and replays dead letters from the command line (npm run sync)', async () => {
    const first = open();
    await first.start();
    receiver.rejectedCodes.add(change('thanh-hoa-motcua', 5, 0).code);
    await first.sink.append([change('thanh-hoa-motcua', 5, 0)]);
    const outbox = await first.outbox();
    await until('dead', async () => (await outbox.deadLetters()).length === 1);
    await first.close();
    bridges.splice(0);
    receiver.rejectedCodes.clear();

    const env = { SYNC_OUTBOX_DIR: dir, REDIS_URL: '', REDIS_CLUSTER_NODES: '' };
    const dead = await runCli('sync', env, 'dead');
    expect(dead.code).toBe(0);
    expect(dead.stdout).toContain(change('thanh-hoa-motcua', 5, 0).code);
    expect(dead.stdout).toMatch(/not accepted: HTTP 422/);
    expect(dead.stdout).toContain('1 dead letter(s)');
    // Not the applicant's data: the change is listed by its code.
    expect(dead.stdout).not.toMatch(/Nguyễn|038190000123/);
    const replay = await runCli('sync', env, 'replay');
    expect(replay.stdout).toContain('1 dead letter(s) queued again');
    expect((await runCli('sync', env, 'dead')).stdout).toContain('0 dead letter(s)');
    expect((await runCli('sync', env, 'replay', '--since', 'yesterday')).code).toBe(1);

    const next = open();
    await next.start();
    await until('delivered after the replay', () => receiver.received().distinct === 1);
  }, 60_000);

  it('dead-letters unreadable lines with their reasons and stays up; the later changes still go', async () => {
    const first = open();
    const good = change('thanh-hoa-motcua', 1, 0);
    await first.sink.append([good]);
    await first.close();
    bridges.splice(0);
    // Lines no gateway wrote: a dossier without its history, one whose record cannot be built
    // (an applicant without its IDs), and one that is not JSON. Before, the second one crashed
    // the process at every start.
    const { history: _history, ...withoutHistory } = good.dossier;
    const file = readdirSync(dir).find((name) => name.startsWith('outbox-')) as string;
    appendFileSync(
      join(dir, file),
      [
        { ...good, state: 'no-history', dossier: withoutHistory },
        {
          ...good,
          state: 'no-ids',
          dossier: { ...good.dossier, applicant: { name: 'Nguyễn Văn An' } },
        },
      ]
        .map((bad) => `${JSON.stringify({ at: Date.now(), change: bad })}\n`)
        .join('') + 'not json 038190000123\n',
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'support', 'syncReplica.ts')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          SYNC_BRIDGE_CONFIG: JSON.stringify(config()),
          SYNC_APPEND: 'bo-noi-vu-dvc:2:1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // The appended ones come after the unreadable lines: delivered only once those are settled.
      await until(
        'the readable changes delivered',
        () => receiver.received().distinct === 3,
        30_000,
      );
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    const outbox = await FileOutbox.open(dir);
    try {
      const dead = await outbox.deadLetters();
      expect(dead.map((letter) => [letter.change.state, letter.attempts])).toEqual([
        ['no-history', 0],
        ['no-ids', 1],
        ['(unreadable)', 0],
      ]);
      expect(dead[0]!.reason).toBe('unreadable change: missing or malformed dossier.history');
      expect(dead[1]!.reason).toMatch(/^unreadable change: \S/);
      expect(dead[2]!.reason).toBe('unreadable change: not JSON');
      // Reasons never quote what was stored.
      expect(dead.map((letter) => letter.reason).join(' ')).not.toMatch(/Nguyễn|038190000123/);
      expect(outOfOrder(receiver.received())).toEqual([]);
    } finally {
      await outbox.close();
    }
  }, 60_000);

  it('a delivery worker that fails is logged and started again; nothing is lost', async () => {
    const logger = createTestLogger();
    let failures = 1;
    const bridge = createSyncBridge(config(), {
      logger,
      metrics: {
        // Something after a settle throws once (here the metrics): the worker ends with it.
        delivered: () => {
          if (failures-- > 0) throw new Error('metrics broke');
        },
        deadLettered: () => undefined,
      },
    });
    bridges.push(bridge);
    const all = changes('thanh-hoa-motcua', 3, 2);
    await bridge.sink.append(all);
    await bridge.start();
    await until('every change delivered', () => receiver.received().distinct === all.length);
    expect(logger.entries.map((entry) => entry.message)).toContain(
      'sync: delivery worker failed; it starts again at the next round',
    );
    expect(receiver.received().duplicates).toBe(0);
    expect(outOfOrder(receiver.received())).toEqual([]);
  });

  it('keeps when the first change of each system it delivered was found, across restarts', async () => {
    const first = open();
    await first.start();
    expect(await first.firstSynced('thanh-hoa-motcua')).toBeNull();
    const firstChange = change('thanh-hoa-motcua', 1, 0);
    await first.sink.append([firstChange, change('thanh-hoa-motcua', 2, 0)]);
    await until('delivered', () => receiver.received().distinct === 2);
    await until('settled', async () => (await first.stats())['thanh-hoa-motcua']?.backlog === 0);
    const at = (await first.firstSynced('thanh-hoa-motcua')) as string;
    // When the gateway found the first change it delivered.
    expect(at).toBe(new Date(firstChange.detectedAt).toISOString());
    await first.close();
    bridges.splice(0);

    const next = open();
    await next.start();
    await next.sink.append([change('thanh-hoa-motcua', 3, 0)]);
    await until('delivered after the restart', () => receiver.received().distinct === 3);
    await until('settled', async () => (await next.stats())['thanh-hoa-motcua']?.backlog === 0);
    expect(await next.firstSynced('thanh-hoa-motcua')).toBe(at);
    expect(await next.firstSynced('bo-noi-vu-dvc')).toBeNull();
  });

  it('refuses a folder another live process holds', async () => {
    writeFileSync(join(dir, 'lock'), String(process.ppid));
    await expect(FileOutbox.open(dir)).rejects.toBeInstanceOf(SyncOutboxUnavailableError);
  });
});
