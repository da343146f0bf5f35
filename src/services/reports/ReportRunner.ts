import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { Logger } from '../../../connectors/contract';
import type { Agency } from '../../domain/AgencyDirectory';
import type { Registration } from '../../registry/Registration';
import type { ErrorCode } from '../../errors/ErrorCode';
import type { ReportJob } from './ReportJob';
import { ReportRefusedError } from './ReportRefusedError';
import type { ReportCheckpoint, RunHooks } from './runReport';
import type { SyncedByGateway } from './gatewaySync';

/** Runs one report from a checkpoint to its end (null when stopped by the hooks' signal). */
export interface ReportRunner {
  run(job: ReportJob, from: ReportCheckpoint, hooks: RunHooks): Promise<ReportJob['result']>;
  close(): Promise<void>;
}

export type WorkerRequest =
  | {
      type: 'run';
      job: ReportJob;
      from: ReportCheckpoint;
      registrations: Registration[];
      /** The agency directory's runtime entries in effect (applied over the worker's file). */
      agencies: Agency[];
    }
  | { type: 'abort'; id: string }
  /** The answer to a `synced?` question (null: the bridge could not be asked). */
  | { type: 'synced'; request: number; answer: { flags: boolean[]; since: string | null } | null };

export type WorkerReply =
  | { type: 'ready' }
  /** Asks the serving thread which dossiers its sync bridge delivered (indicator 1.4). */
  | { type: 'synced?'; request: number; connectorId: string; codes: string[] }
  | { type: 'broken'; message: string }
  | { type: 'checkpoint'; id: string; state: ReportCheckpoint }
  | {
      type: 'done';
      id: string;
      result: ReportJob['result'];
      progress: ReportJob['progress'];
      problems: string[];
      startedAt: Date | null;
    }
  | {
      type: 'failed';
      id: string;
      message: string;
      /** The report was refused (ReportRefusedError): trying it again would refuse it again. */
      refused?: { code: ErrorCode; reason: string };
    };

/** The worker's heap limits: a report holds a page and its counters, the rest is headroom. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

interface Running {
  job: ReportJob;
  hooks: RunHooks;
  resolve(result: ReportJob['result']): void;
  reject(error: Error): void;
  /** Checkpoints are saved one after another; a newer one waiting replaces an older one. */
  saving: Promise<void>;
  latest: ReportCheckpoint | null;
}

/**
 * Reports in a worker thread (src/reportWorker.ts): the page loop runs there with its own heap,
 * limited, so that the garbage of mapping thousands of records a second does not grow the serving
 * thread's heap (which the V8 collector lets reach several times its live size) and so that pages
 * being mapped do not hold up the portal's lookups. Checkpoints come back here to be saved by the
 * queue; cancellation goes there. Started on the first report; started again if it dies (a run
 * under way then fails: on Redis it is tried again from its checkpoint, up to 3 attempts).
 *
 * The worker has its own connector runtimes: a report's calls have their own bulkhead, rate
 * limit, circuit and token beside the serving thread's (one page at a time per replica), and do
 * not show in /metrics.
 */
export class WorkerReportRunner implements ReportRunner {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly options: {
      /**
       * Starts the worker thread (src/reportWorker.ts, a composition root of its own: it builds
       * what a report reads from the gateway's configuration) with these heap limits.
       */
      startWorker: (limits: ResourceLimits) => Worker;
      registrations: () => Registration[];
      /** The directory's runtime entries in effect now (services/agencies/DirectoryEntries.ts). */
      agencies: () => Agency[];
      /** The sync bridge's deliveries, asked by the worker for indicator 1.4; absent when off. */
      synced?: SyncedByGateway;
      logger: Logger;
    },
  ) {}

  async run(job: ReportJob, from: ReportCheckpoint, hooks: RunHooks): Promise<ReportJob['result']> {
    const worker = await this.start();
    return new Promise<ReportJob['result']>((resolve, reject) => {
      this.running.set(job.id, {
        job,
        hooks,
        resolve,
        reject,
        saving: Promise.resolve(),
        latest: null,
      });
      // The run first, then any abort: the worker knows the report before it is told to stop it
      // (messages arrive in order), also when it was stopped while the worker was starting.
      worker.postMessage({
        type: 'run',
        job,
        from,
        registrations: this.options.registrations(),
        agencies: this.options.agencies(),
      } satisfies WorkerRequest);
      const abort = () => worker.postMessage({ type: 'abort', id: job.id } satisfies WorkerRequest);
      if (hooks.signal.aborted) abort();
      else hooks.signal.addEventListener('abort', abort, { once: true });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker !== null) await worker.terminate();
  }

  private start(): Promise<Worker> {
    if (this.worker !== null && this.ready !== null) {
      const worker = this.worker;
      return this.ready.then(() => worker);
    }
    const worker = this.options.startWorker(WORKER_LIMITS);
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerReply) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'broken') reject(new Error(`report worker: ${message.message}`));
        else if (message.type === 'synced?') this.answerSynced(worker, message);
        else this.receive(message);
      });
      worker.once('error', (error) => {
        this.options.logger.error({ err: error.message }, 'report worker failed');
        reject(error);
        this.lost(`the report worker failed: ${error.message}`);
      });
      worker.once('exit', (code) => {
        reject(new Error(`the report worker exited with ${code}`));
        this.lost(`the report worker exited with ${code}`);
      });
    });
    return this.ready.then(() => worker);
  }

  private answerSynced(worker: Worker, question: Extract<WorkerReply, { type: 'synced?' }>): void {
    const synced = this.options.synced;
    const answer = (found: { flags: boolean[]; since: string | null } | null) =>
      worker.postMessage({
        type: 'synced',
        request: question.request,
        answer: found,
      } satisfies WorkerRequest);
    if (synced === undefined) return answer(null);
    synced(question.connectorId, question.codes).then(answer, () => answer(null));
  }

  private receive(
    message: Exclude<WorkerReply, { type: 'ready' } | { type: 'broken' } | { type: 'synced?' }>,
  ): void {
    const running = this.running.get(message.id);
    if (running === undefined) return;
    if (message.type === 'checkpoint') {
      running.job.progress = message.state.progress;
      running.job.problems = message.state.problems;
      running.job.startedAt = new Date(message.state.startedAt);
      const waiting = running.latest !== null;
      running.latest = message.state;
      if (!waiting)
        running.saving = running.saving.then(async () => {
          const state = running.latest;
          running.latest = null;
          if (state !== null) await running.hooks.checkpoint(state).catch(() => undefined);
        });
      return;
    }
    this.running.delete(message.id);
    if (message.type === 'failed') {
      const { refused } = message;
      const error =
        refused === undefined
          ? new Error(message.message)
          : new ReportRefusedError(refused.code, refused.reason);
      void running.saving.then(() => running.reject(error));
      return;
    }
    running.job.progress = message.progress;
    running.job.problems = message.problems;
    running.job.startedAt = message.startedAt;
    // Stopped here meanwhile (cancel, shutdown): whatever the worker finished is not a result.
    const result = running.hooks.signal.aborted ? null : message.result;
    running.job.result = result;
    void running.saving.then(() => running.resolve(result));
  }

  /** The worker is gone: runs under way fail (on Redis they resume from their checkpoint). */
  private lost(reason: string): void {
    this.worker = null;
    this.ready = null;
    for (const running of this.running.values()) running.reject(new Error(reason));
    this.running.clear();
  }
}
