import { Queue, Worker } from 'bullmq';
import type { Logger } from '../../../connectors/contract';
import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/connectRedis';
import type { Registration } from '../../registry/Registration';

/** Runs one poll of one system within a budget; never throws. */
export type PollOne = (connectorId: string, signal: AbortSignal) => Promise<unknown>;

/**
 * When each system is polled for its changes (docs/decisions/0009, point 3): one poll at a time
 * per system, every `changes.everySeconds`, each within 90 % of its interval. `sync` is given the
 * registrations after every change of them: new systems start, changed intervals apply, removed
 * ones stop.
 */
export interface PollSchedule {
  readonly kind: 'local' | 'redis' | 'off';
  sync(registrations: readonly Registration[]): Promise<void>;
  close(): Promise<void>;
}

/** A replica that leaves the polls to the others (`CHANGE_POLLS=false`). */
export const NO_POLLS: PollSchedule = {
  kind: 'off',
  sync: async () => undefined,
  close: async () => undefined,
};

function budgetOf(everySeconds: number): number {
  return Math.floor(everySeconds * 900);
}

/** Without Redis: a timer per system in this process. */
export class LocalPollSchedule implements PollSchedule {
  readonly kind = 'local' as const;
  private readonly timers = new Map<string, { every: number; timer: NodeJS.Timeout }>();
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();

  constructor(private readonly pollOne: PollOne) {}

  async sync(registrations: readonly Registration[]): Promise<void> {
    const wanted = new Map<string, number>();
    for (const registration of registrations)
      if (registration.changes !== undefined)
        wanted.set(registration.id, registration.changes.everySeconds);
    for (const [id, entry] of this.timers) {
      if (wanted.get(id) === entry.every) continue;
      clearInterval(entry.timer);
      this.timers.delete(id);
    }
    for (const [id, every] of wanted) {
      if (this.timers.has(id)) continue;
      const timer = setInterval(() => this.run(id, every), every * 1000);
      timer.unref();
      this.timers.set(id, { every, timer });
    }
  }

  async close(): Promise<void> {
    for (const { timer } of this.timers.values()) clearInterval(timer);
    this.timers.clear();
    // Polls under way stop at their next call, and what they found is recorded before close.
    const running = [...this.running.values()];
    for (const { controller } of running) controller.abort();
    await Promise.all(running.map(({ done }) => done));
  }

  private run(id: string, every: number): void {
    // A poll still under way is not joined by another.
    if (this.running.has(id)) return;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budgetOf(every));
    const done = this.pollOne(id, controller.signal)
      .catch(() => undefined)
      .then(() => {
        clearTimeout(timer);
        this.running.delete(id);
      });
    this.running.set(id, { controller, done });
  }
}

interface PollJob {
  connectorId: string;
  budgetMs: number;
}

/**
 * With Redis: a BullMQ job scheduler per system on one `changes` queue (`upsertJobScheduler`), and
 * a worker on every replica. Each job is one poll, taken by whichever replica is free; a replica
 * that dies mid-poll loses its lock and the job goes to another. Keys under a hash-tag prefix
 * (`{<prefix>changes}`) so that a Redis Cluster keeps the queue in one slot.
 */
export class RedisPollSchedule implements PollSchedule {
  readonly kind = 'redis' as const;
  private readonly queue: Queue<PollJob>;
  private readonly worker: Worker<PollJob>;
  private readonly connections: RedisClient[];
  private closing = false;

  constructor(
    target: RedisTarget,
    keyPrefix: string,
    pollOne: PollOne,
    private readonly logger: Logger,
    /** Polls run at once on this replica (of different systems). */
    concurrency = 4,
  ) {
    const prefix = `{${keyPrefix}changes}`;
    const stopRetrying = () => this.closing;
    const queueConnection = connectRedis(target, { commandTimeout: 5_000, stopRetrying });
    const workerConnection = connectRedis(target, { maxRetriesPerRequest: null, stopRetrying });
    let warnedAt = 0;
    const warn = (error: Error) => {
      if (Date.now() - warnedAt < 60_000) return;
      warnedAt = Date.now();
      logger.warn({ err: error.message }, 'change polls: Redis unreachable');
    };
    for (const connection of [queueConnection, workerConnection]) connection.on('error', warn);
    this.connections = [queueConnection, workerConnection];
    this.queue = new Queue<PollJob>('changes', { connection: queueConnection, prefix });
    this.worker = new Worker<PollJob>(
      'changes',
      async (job, _token, signal) => {
        const budget = AbortSignal.timeout(job.data.budgetMs);
        await pollOne(
          job.data.connectorId,
          signal === undefined ? budget : AbortSignal.any([budget, signal]),
        );
      },
      {
        connection: workerConnection,
        prefix,
        concurrency,
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 100 },
      },
    );
    this.queue.on('error', warn);
    this.worker.on('error', warn);
  }

  async sync(registrations: readonly Registration[]): Promise<void> {
    const wanted = registrations.filter((registration) => registration.changes !== undefined);
    for (const registration of wanted) {
      const every = (registration.changes as NonNullable<Registration['changes']>).everySeconds;
      // The same id and interval: BullMQ keeps the scheduler as it is.
      await this.queue.upsertJobScheduler(
        registration.id,
        { every: every * 1000 },
        {
          name: 'poll',
          data: { connectorId: registration.id, budgetMs: budgetOf(every) },
          opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        },
      );
    }
    const ids = new Set(wanted.map((registration) => registration.id));
    for (const scheduler of await this.queue.getJobSchedulers()) {
      const id = scheduler.key;
      if (!ids.has(id)) await this.queue.removeJobScheduler(id);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.race([this.worker.close(true).catch(() => undefined), delay(2000)]);
    await Promise.race([this.queue.close().catch(() => undefined), delay(1000)]);
    for (const connection of this.connections) connection.disconnect();
    this.logger.debug({}, 'change polls stopped on this replica');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
