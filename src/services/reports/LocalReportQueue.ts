import type { Logger } from '../../../connectors/contract';
import type { ReportJob, ReportQueue } from './ReportJob';
import type { ReportRunner } from './ReportRunner';
import { startingPoint, type ReportRunDeps } from './runReport';

/** Finished jobs kept for later reads. */
const KEPT = 100;

/**
 * The embedded default's queue: jobs run one at a time in this process and are kept in memory
 * (the last 100 finished). A restart loses them; with Redis configured the gateway uses
 * {@link RedisReportQueue} instead.
 */
export class LocalReportQueue implements ReportQueue {
  readonly kind = 'in-process' as const;
  private readonly jobs = new Map<string, ReportJob>();
  private readonly aborts = new Map<string, AbortController>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: ReportRunDeps & { logger: Logger },
    private readonly runner: ReportRunner,
  ) {}

  async add(job: ReportJob): Promise<void> {
    this.jobs.set(job.id, job);
    this.aborts.set(job.id, new AbortController());
    this.forgetOld();
    this.queue = this.queue.then(() => this.run(job)).catch(() => undefined);
  }

  async get(id: string): Promise<ReportJob | undefined> {
    return this.jobs.get(id);
  }

  async pending(principalId: string): Promise<number> {
    return [...this.jobs.values()].filter(
      (job) =>
        job.requestedBy === principalId && (job.state === 'QUEUED' || job.state === 'RUNNING'),
    ).length;
  }

  async cancel(id: string): Promise<ReportJob | undefined> {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    if (job.state === 'QUEUED' || job.state === 'RUNNING') {
      this.aborts.get(id)?.abort();
      this.aborts.delete(id);
      job.state = 'CANCELLED';
      job.finishedAt = this.deps.now();
    }
    return job;
  }

  async counts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {
      queued: 0,
      running: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const job of this.jobs.values()) {
      const state = job.state.toLowerCase();
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }

  /** Stops every job: queued and running ones end FAILED, saying why (they live in this process). */
  async close(): Promise<void> {
    for (const [id, controller] of this.aborts) {
      controller.abort();
      const job = this.jobs.get(id);
      if (job !== undefined && (job.state === 'QUEUED' || job.state === 'RUNNING')) {
        job.state = 'FAILED';
        job.problems.push('the gateway stopped before the report was done');
        job.finishedAt = this.deps.now();
      }
    }
    this.aborts.clear();
    await this.runner.close();
  }

  private async run(job: ReportJob): Promise<void> {
    const abort = this.aborts.get(job.id);
    if (job.state !== 'QUEUED' || abort === undefined) return;
    job.state = 'RUNNING';
    try {
      const result = await this.runner.run(job, startingPoint(job, this.deps), {
        signal: abort.signal,
        checkpoint: async () => undefined,
      });
      if (result !== null && job.state === 'RUNNING') job.state = 'DONE';
    } catch (error) {
      if (job.state === 'RUNNING') {
        job.state = 'FAILED';
        job.problems.push(`the report failed: ${(error as Error).message}`);
        this.deps.logger.error({ report: job.id, err: (error as Error).message }, 'report failed');
      }
    } finally {
      // cancel() may have ended it meanwhile.
      if (job.finishedAt === null && job.state !== 'RUNNING') job.finishedAt = this.deps.now();
      this.aborts.delete(job.id);
    }
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((job) => job.finishedAt !== null);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT)))
      this.jobs.delete(job.id);
  }
}
