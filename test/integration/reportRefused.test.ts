import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { noProgress, type ReportJob } from '../../src/services/reports/ReportJob';
import { ReportRefusedError } from '../../src/services/reports/ReportRefusedError';
import {
  WorkerReportRunner,
  type ReportRunner,
  type WorkerReply,
  type WorkerRequest,
} from '../../src/services/reports/ReportRunner';
import type { ReportCheckpoint } from '../../src/services/reports/runReport';
import { RedisReportQueue } from '../../src/services/reports/RedisReportQueue';
import { IndicatorTargets } from '../../src/services/reports/targets';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { PROJECT_ROOT } from '../support/testGateway';
import { createTestLogger } from '../support/testLogger';

/**
 * A refused report on Redis (a listing of every unit with dossiers whose unit cannot be told:
 * docs/reports.md) ends FAILED at once, saying why, and is not tried again: the same data would
 * refuse it again. A report whose worker merely died is tried again (three attempts in all).
 */
describe('A refused report on Redis', () => {
  let redis: RedisServer;
  let queue: RedisReportQueue;
  const runs = new Map<string, number>();

  beforeAll(async () => {
    redis = await startRedisServer();
    const logger = createTestLogger();
    const now = () => new Date();
    const directory = await loadAgencyDirectory(join(PROJECT_ROOT, 'data/agencies.sample.yaml'));
    const workingTime = new WorkingTimeService(
      await HolidayCalendar.load(join(PROJECT_ROOT, 'data/holidays.vn.yaml')),
      directory,
    );
    const targets = await IndicatorTargets.load(join(PROJECT_ROOT, 'data/indicator-targets.yaml'));
    const registry = new ConnectorRegistry(new Map(), {
      logger,
      now,
      network: NetworkPolicy.unrestricted(),
    });
    // The worker thread's part is not what is tested here: this runner fails as it is told.
    const runner: ReportRunner = {
      run: async (job) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        if (job.id.startsWith('refused'))
          throw new ReportRefusedError('UNKNOWN_AGENCY', 'the-system lists every unit’s dossiers…');
        throw new Error('the report worker exited with 1');
      },
      close: async () => undefined,
    };
    queue = new RedisReportQueue(
      redis.url,
      'refused:',
      { logger, now, directory, workingTime, targets, registry },
      runner,
    );
  }, 60_000);
  afterAll(async () => {
    await queue.close();
    await redis.stop();
  });

  const add = async (id: string) => {
    const job: ReportJob = {
      id,
      spec: { agencies: ['000.01.12.H56'], from: '2026-07-01', to: '2026-07-31' },
      state: 'QUEUED',
      requestedBy: 'key:1',
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
      progress: noProgress(),
      result: null,
      problems: [],
    };
    await queue.add(job);
  };
  const finished = async (id: string) => {
    // Retries wait 5 s each: the crashing report needs about 10 s to fail for good.
    const deadline = Date.now() + 40_000;
    for (;;) {
      const job = await queue.get(id);
      if (job?.state === 'FAILED' || Date.now() > deadline) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('ends FAILED after one run with the typed reason; a crashed one is run three times', async () => {
    await add('refused-1');
    await add('crashed-1');
    const refused = await finished('refused-1');
    expect(refused?.state).toBe('FAILED');
    expect(refused?.problems).toEqual([
      'the report failed: UNKNOWN_AGENCY: the-system lists every unit’s dossiers…',
    ]);
    const crashed = await finished('crashed-1');
    expect(crashed?.state).toBe('FAILED');
    expect([runs.get('refused-1'), runs.get('crashed-1')]).toEqual([1, 3]);
  }, 60_000);
});

describe('A refusal crossing from the report worker thread', () => {
  it('reaches the queue as a ReportRefusedError with its code, a crash as a plain error', async () => {
    // The thread's side of the protocol (src/reportWorker.ts replies so when runReport throws).
    const worker = new EventEmitter() as EventEmitter & Partial<Worker>;
    worker.postMessage = (message: WorkerRequest) => {
      if (message.type !== 'run') return;
      const refused = message.job.id === 'refused';
      const reply: WorkerReply = {
        type: 'failed',
        id: message.job.id,
        message: refused ? 'UNKNOWN_AGENCY: why' : 'boom',
        ...(refused ? { refused: { code: 'UNKNOWN_AGENCY', reason: 'why' } } : {}),
      };
      setImmediate(() => worker.emit('message', reply));
    };
    worker.terminate = async () => 0;
    const runner = new WorkerReportRunner({
      startWorker: () => {
        setImmediate(() => worker.emit('message', { type: 'ready' } satisfies WorkerReply));
        return worker as Worker;
      },
      registrations: () => [],
      agencies: () => [],
      logger: createTestLogger(),
    });
    const job = (id: string): ReportJob => ({
      id,
      spec: { agencies: [], from: '2026-07-01', to: '2026-07-31' },
      state: 'RUNNING',
      requestedBy: 'key:1',
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
      progress: noProgress(),
      result: null,
      problems: [],
    });
    const hooks = { signal: new AbortController().signal, checkpoint: async () => undefined };
    // What the run starts from is the thread's business: not read on this side.
    const from = {} as ReportCheckpoint;
    try {
      const refused = runner.run(job('refused'), from, hooks);
      await expect(refused).rejects.toBeInstanceOf(ReportRefusedError);
      await expect(refused).rejects.toMatchObject({
        code: 'UNKNOWN_AGENCY',
        message: 'UNKNOWN_AGENCY: why',
      });
      const crashed = runner.run(job('crashed'), from, hooks);
      await expect(crashed).rejects.toThrow('boom');
      await expect(crashed).rejects.not.toBeInstanceOf(ReportRefusedError);
    } finally {
      await runner.close();
    }
  });
});
