import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../connectors/contract';
import type { Principal } from '../../auth/Principal';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { RedisTarget } from '../../redis/connectRedis';
import { isHierarchyKey } from '../../../connectors/shared/agencyCode';
import { LocalReportQueue } from './LocalReportQueue';
import { reportCsv, reportHtml } from './outputs';
import { RedisReportQueue } from './RedisReportQueue';
import { reportWorkbook } from './workbook';
import { noProgress, type ReportJob, type ReportQueue, type ReportSpec } from './ReportJob';
import type { ReportRunner } from './ReportRunner';
import type { ReportRunDeps } from './runReport';

export type { ReportJob, ReportSpec, ReportState } from './ReportJob';

/** Longest period one report covers. */
const MAX_DAYS = 366;
/** Reports one principal may have queued or running at once. */
const MAX_PENDING_PER_PRINCIPAL = 5;

export interface ReportDeps extends ReportRunDeps {
  logger: Logger;
  /** Where reports run: a worker thread with its own heap (ReportRunner.ts). */
  runner: ReportRunner;
  /** Where jobs wait and are kept: in this process (embedded default), or Redis. */
  redis: { target: RedisTarget; keyPrefix: string } | null;
}

/**
 * Indicator reports as jobs (issue 9): checked and put on a queue — BullMQ on Redis when the
 * gateway has Redis (shared by the replicas, resumable after a restart), in this process otherwise —
 * run page by page through each agency's system with bounded memory, progress (percent by agency,
 * ETA) readable while they run, cancellable, kept for later reads.
 */
export class ReportService {
  private readonly queue: ReportQueue;

  constructor(private readonly deps: ReportDeps) {
    this.queue =
      deps.redis === null
        ? new LocalReportQueue(deps, deps.runner)
        : new RedisReportQueue(deps.redis.target, deps.redis.keyPrefix, deps, deps.runner);
  }

  /**
   * A new job, checked but not yet queued: the caller records it in the audit log, then `enqueue`s
   * it, so that no system is asked anything before the report is on record.
   */
  async create(principal: Principal, spec: ReportSpec): Promise<ReportJob | ErrorDetail> {
    const problem = checkSpec(spec);
    if (problem !== null) return errorDetail('BAD_USER_INPUT', problem);
    const unknown = spec.agencies.filter(
      (entry) => !isHierarchyKey(entry) && this.deps.directory.get(entry) === undefined,
    );
    if (unknown.length > 0)
      return errorDetail(
        'BAD_USER_INPUT',
        `agencies: ${unknown.map((entry) => JSON.stringify(entry.slice(0, 40))).join(', ')} is neither an agency code of the directory nor a hierarchy key (H56)`,
      );
    const pending = await this.queue.pending(principal.id);
    if (pending >= MAX_PENDING_PER_PRINCIPAL)
      return errorDetail(
        'RATE_LIMITED',
        `${pending} of your reports are queued or running; wait for one to finish or cancel one`,
      );
    return {
      id: randomUUID(),
      spec: { agencies: [...spec.agencies], from: spec.from, to: spec.to },
      state: 'QUEUED',
      requestedBy: principal.id,
      createdAt: this.deps.now(),
      startedAt: null,
      finishedAt: null,
      progress: noProgress(),
      result: null,
      problems: [],
    };
  }

  /** Queues a created job (after its audit entry is written). */
  enqueue(job: ReportJob): Promise<void> {
    return this.queue.add(job);
  }

  /** Jobs kept, by state (lower case). */
  counts(): Promise<Record<string, number>> {
    return this.queue.counts();
  }

  get(id: string): Promise<ReportJob | undefined> {
    return this.queue.get(id);
  }

  /** Stops a queued or running job; its partial figures are dropped. */
  cancel(id: string): Promise<ReportJob | undefined> {
    return this.queue.cancel(id);
  }

  /** The finished report's figures per agency as CSV, or null before it is done. */
  csv(job: ReportJob): string | null {
    return job.result === null ? null : reportCsv(job);
  }

  /** The finished report as one self-contained HTML page with charts, or null before it is done. */
  html(job: ReportJob): string | null {
    return job.result === null ? null : reportHtml(job, this.deps.directory);
  }

  /** The finished report as an Excel workbook in the form's layout, or null before it is done. */
  async xlsx(job: ReportJob): Promise<Buffer | null> {
    return job.result === null ? null : reportWorkbook(job, this.deps.directory);
  }

  /**
   * Stops this process's work on reports: in process, queued and running ones end FAILED; on Redis,
   * a running one goes back on the queue for another replica.
   */
  close(): Promise<void> {
    return this.queue.close();
  }
}

function checkSpec(spec: ReportSpec): string | null {
  if (spec.agencies.length === 0 || spec.agencies.length > 200)
    return 'agencies: between 1 and 200 agency codes or hierarchy keys (H56)';
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(spec.from) || !day.test(spec.to)) return 'from, to: dates written yyyy-MM-dd';
  if (spec.from > spec.to) return 'from is after to';
  const days = (Date.parse(spec.to) - Date.parse(spec.from)) / 86_400_000 + 1;
  if (days > MAX_DAYS) return `at most ${MAX_DAYS} days in one report`;
  return null;
}
