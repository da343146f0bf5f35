import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../../connectors/contract';
import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/connectRedis';
import {
  noProgress,
  type ReportJob,
  type ReportQueue,
  type ReportSpec,
  type ReportState,
} from './ReportJob';
import type { ReportRunner } from './ReportRunner';
import { ReportRefusedError } from './ReportRefusedError';
import { startingPoint, type ReportCheckpoint, type ReportRunDeps } from './runReport';

/** Finished reports are kept this long for later reads (and at most `KEPT_COUNT` of each end). */
const KEPT_SECONDS = 30 * 86_400;
const KEPT_COUNT = 1000;
/**
 * A worker holds a running report's lock this long and renews it every half; when the worker dies,
 * the lock lapses and another replica's stalled-job check (every `STALLED_CHECK_MS`) puts the
 * report back on the queue, where it carries on from its last checkpoint.
 */
const LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5_000;
/** How long closing waits for Redis before giving up on it. */
const CLOSE_WAIT_MS = 3_000;
/** The reason a cancelled report ends with. */
const CANCELLED = 'cancelled';

interface JobData {
  spec: ReportSpec;
  requestedBy: string;
  /** Where the report stands, saved after every page; absent before its first page. */
  checkpoint?: ReportCheckpoint;
}

interface JobOutcome {
  result: NonNullable<ReportJob['result']>;
  problems: string[];
  progress: ReportJob['progress'];
  startedAt: string;
}

/**
 * Report jobs on Redis (BullMQ), when the gateway has Redis: every replica adds to one queue and
 * works on it one report at a time; reports survive restarts and are read from any replica. A
 * report checkpoints after each page (the counts so far, the agency and the page cursor), so a
 * replica that dies mid-report costs at most one page: the job's lock lapses, another replica
 * takes it up from the checkpoint, and the result equals an uninterrupted run's.
 *
 * Its own connections (a worker blocks on one), keys under a hash-tag prefix (`{dvcgw:reports}`)
 * so that a Redis Cluster keeps each queue's keys in one slot, as BullMQ's scripts need.
 */
export class RedisReportQueue implements ReportQueue {
  readonly kind = 'redis' as const;
  private readonly queue: Queue<JobData, JobOutcome>;
  private readonly worker: Worker<JobData, JobOutcome>;
  private readonly prefix: string;
  private readonly connections: RedisClient[];
  /** The queue's connection, also for the cancel marks. */
  private readonly commands: RedisClient;
  /** Reports this process is running, to stop them at once on cancel or shutdown. */
  private readonly running = new Map<string, AbortController>();
  /** Reports being processed here, to let them go back on the queue on close. */
  private readonly processing = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    target: RedisTarget,
    keyPrefix: string,
    private readonly deps: ReportRunDeps & { logger: Logger },
    private readonly runner: ReportRunner,
  ) {
    this.prefix = `{${keyPrefix}reports}`;
    const stopRetrying = () => this.closing;
    const queueConnection = connectRedis(target, { commandTimeout: 5_000, stopRetrying });
    // A worker waits on its connection for the next job: no command timeout, retries until back
    // (until closed: BullMQ's copies of it stop reconnecting then too).
    const workerConnection = connectRedis(target, { maxRetriesPerRequest: null, stopRetrying });
    const warnOnce = onceEvery(60_000);
    for (const connection of [queueConnection, workerConnection])
      connection.on('error', (error: Error) => {
        if (warnOnce()) deps.logger.warn({ err: error.message }, 'report queue: Redis unreachable');
      });
    this.connections = [queueConnection, workerConnection];
    this.commands = queueConnection;
    this.queue = new Queue<JobData, JobOutcome>('reports', {
      connection: queueConnection,
      prefix: this.prefix,
    });
    this.worker = new Worker<JobData, JobOutcome>(
      'reports',
      (job, token, signal) => {
        const processed = this.process(job, token, signal);
        this.processing.add(processed);
        void processed.catch(() => undefined).finally(() => this.processing.delete(processed));
        return processed;
      },
      {
        connection: workerConnection,
        prefix: this.prefix,
        concurrency: 1,
        lockDuration: LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
        // A report that kills its worker again and again ends FAILED instead of going round.
        maxStalledCount: 3,
        removeOnComplete: { age: KEPT_SECONDS, count: KEPT_COUNT },
        removeOnFail: { age: KEPT_SECONDS, count: KEPT_COUNT },
      },
    );
    const warn = (error: Error) =>
      this.deps.logger.warn({ err: error.message }, 'report queue: Redis error');
    this.queue.on('error', warn);
    this.worker.on('error', warn);
  }

  async add(job: ReportJob): Promise<void> {
    await this.queue.add(
      'report',
      { spec: job.spec, requestedBy: job.requestedBy },
      // A worker thread that dies (out of memory, a crash in connector code) fails the attempt;
      // the report is tried again from its checkpoint, at most three times in all.
      {
        jobId: job.id,
        timestamp: job.createdAt.getTime(),
        attempts: 3,
        backoff: { type: 'fixed', delay: 5_000 },
      },
    );
  }

  async get(id: string): Promise<ReportJob | undefined> {
    // The state first, then the job's data: BullMQ writes a report's figures in the same script
    // that moves it to `completed`, so data read after a `completed` state has them. (Read the
    // other way round, a report finishing between the two reads showed DONE with no figures.)
    const [state, cancelled] = await Promise.all([
      this.queue.getJobState(id),
      this.isCancelled(id),
    ]);
    if (state === 'unknown') return undefined;
    const bull = await this.queue.getJob(id);
    if (bull === undefined) return undefined;
    return this.view(bull, state, cancelled);
  }

  async pending(principalId: string): Promise<number> {
    const jobs = await this.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    return jobs.filter((job) => job?.data.requestedBy === principalId).length;
  }

  async cancel(id: string): Promise<ReportJob | undefined> {
    const bull = await this.queue.getJob(id);
    if (bull === undefined) return undefined;
    const state = await bull.getState();
    if (state !== 'completed' && state !== 'failed') {
      // Seen by whichever replica runs it, before its next page (at once when it is this one).
      await this.commands.set(this.cancelKey(id), '1', 'EX', KEPT_SECONDS);
      this.running.get(id)?.abort();
    }
    return this.get(id);
  }

  async counts(): Promise<Record<string, number>> {
    const counts = await this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
    );
    return {
      queued: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      running: counts.active ?? 0,
      done: counts.completed ?? 0,
      // Cancelled reports end as failed jobs (reason `cancelled`); counted here with them.
      failed: counts.failed ?? 0,
    };
  }

  /**
   * Stops this replica's worker. A report it is running goes back on the queue from its last
   * checkpoint (another replica, or this one after a restart, carries on).
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const controller of this.running.values()) controller.abort();
    // The reports this worker runs go back on the queue (moveToWait in `process`); with Redis
    // gone that cannot happen, so it is waited for a few seconds only. Then the worker is closed
    // without waiting for its poll of Redis (a graceful close would wait for Redis forever).
    await Promise.race([Promise.allSettled([...this.processing]), delay(CLOSE_WAIT_MS, undefined)]);
    await Promise.race([this.worker.close(true).catch(() => undefined), delay(2000, undefined)]);
    await Promise.race([this.queue.close().catch(() => undefined), delay(1000, undefined)]);
    await this.runner.close();
    for (const connection of this.connections) connection.disconnect();
  }

  private async process(
    bull: Job<JobData, JobOutcome>,
    token: string | undefined,
    workerSignal: AbortSignal | undefined,
  ): Promise<JobOutcome> {
    const id = bull.id as string;
    if (await this.isCancelled(id)) throw new UnrecoverableError(CANCELLED);
    const controller = new AbortController();
    this.running.set(id, controller);
    const signal =
      workerSignal === undefined
        ? controller.signal
        : AbortSignal.any([controller.signal, workerSignal]);
    const job = this.view(bull, 'active', false);
    try {
      const from = bull.data.checkpoint ?? startingPoint(job, this.deps);
      if (bull.data.checkpoint !== undefined)
        this.deps.logger.info(
          { report: id, agency: from.agencyIndex, pages: from.progress.pages },
          'report resumed from its checkpoint',
        );
      const result = await this.runner.run(job, from, {
        signal,
        checkpoint: async (state) => {
          // Cancelled meanwhile: stop, and leave the figures where the cancel found them.
          if (controller.signal.aborted || (await this.isCancelled(id))) {
            controller.abort();
            return;
          }
          await bull.updateData({ ...bull.data, checkpoint: state });
          await bull.updateProgress(state.progress);
        },
      });
      if (result !== null && !signal.aborted)
        return {
          result,
          problems: job.problems,
          progress: job.progress,
          startedAt: (job.startedAt as Date).toISOString(),
        };
      if (await this.isCancelled(id)) throw new UnrecoverableError(CANCELLED);
      // Stopped by shutdown: back on the queue, to carry on from the last checkpoint.
      if (this.closing && token !== undefined) {
        await bull.moveToWait(token);
        throw new WaitingError();
      }
      throw new Error('the report stopped before it was done');
    } catch (error) {
      // Refused: the same data would refuse it again, so it is not tried again.
      if (error instanceof ReportRefusedError) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      this.running.delete(id);
    }
  }

  /** The job as the API shows it. */
  private view(bull: Job<JobData, JobOutcome>, state: string, cancelled: boolean): ReportJob {
    const checkpoint = bull.data.checkpoint;
    const outcome = state === 'completed' ? bull.returnvalue : null;
    const problems = [...(outcome?.problems ?? checkpoint?.problems ?? [])];
    if (state === 'failed' && bull.failedReason !== CANCELLED)
      problems.push(`the report failed: ${bull.failedReason}`);
    const startedAt = outcome?.startedAt ?? checkpoint?.startedAt;
    return {
      id: bull.id as string,
      spec: bull.data.spec,
      state: stateOf(state, bull.failedReason, cancelled),
      requestedBy: bull.data.requestedBy,
      createdAt: new Date(bull.timestamp),
      startedAt: startedAt === undefined ? null : new Date(startedAt),
      finishedAt:
        state === 'completed' || state === 'failed'
          ? new Date(bull.finishedOn ?? bull.timestamp)
          : null,
      progress: outcome?.progress ?? checkpoint?.progress ?? noProgress(),
      result: outcome?.result ?? null,
      problems,
    };
  }

  private cancelKey(id: string): string {
    return `${this.prefix}:cancelled:${id}`;
  }

  private async isCancelled(id: string): Promise<boolean> {
    return (await this.commands.exists(this.cancelKey(id))) === 1;
  }
}

function stateOf(
  bullState: string,
  failedReason: string | undefined,
  cancelled: boolean,
): ReportState {
  if (bullState === 'completed') return 'DONE';
  if (bullState === 'failed') return failedReason === CANCELLED ? 'CANCELLED' : 'FAILED';
  if (cancelled) return 'CANCELLED';
  return bullState === 'active' ? 'RUNNING' : 'QUEUED';
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/** True at most once per `ms` (a repeating failure logged once a minute, not per retry). */
function onceEvery(ms: number): () => boolean {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < ms) return false;
    last = now;
    return true;
  };
}
