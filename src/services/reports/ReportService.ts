import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../connectors/contract';
import type { Principal } from '../../auth/Principal';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import { hierarchyKeys, isHierarchyKey } from '../agencies/agencyCode';
import type { AgencyDirectory } from '../agencies/AgencyDirectory';
import type { WorkingTimeService } from '../calendar/WorkingTimeService';
import { resolveAgencyRoute } from '../routing/routeDossierCode';
import { IndicatorAccumulator, type Indicators } from './indicators';
import { reportCsv, reportHtml } from './outputs';
import { IndicatorTargets } from './targets';

export type ReportState = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELLED';

export interface ReportSpec {
  /** Agency codes or hierarchy keys (`H56` is every unit of Thanh Hóa). */
  agencies: string[];
  /** First and last day received, yyyy-MM-dd. */
  from: string;
  to: string;
}

export interface ReportJob {
  id: string;
  spec: ReportSpec;
  state: ReportState;
  requestedBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  progress: {
    agenciesTotal: number;
    agenciesDone: number;
    pages: number;
    dossiers: number;
    percent: number;
    etaSeconds: number | null;
  };
  result:
    | (Indicators & {
        complete: boolean;
        /** On-the-spot processing against the configured targets by level. */
        onTheSpotTargets: Array<{
          label: string;
          target: number;
          received: number;
          count: number;
          rate: number | null;
          met: boolean | null;
        }>;
      })
    | null;
  /** Agencies that could not be listed, and why. */
  problems: string[];
}

/** Longest period one report covers. */
const MAX_DAYS = 366;
/** Finished jobs kept for later reads. */
const KEPT = 100;
/** Reports one principal may have queued or running at once. */
const MAX_PENDING_PER_PRINCIPAL = 5;

export interface ReportDeps {
  targets: IndicatorTargets;
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  workingTime: WorkingTimeService;
  logger: Logger;
  now: () => Date;
}

/**
 * Indicator reports as jobs (issue 9): queued, run one at a time in this process, page by page
 * through each agency's system with bounded memory, progress (percent by agency, ETA) readable
 * while they run, cancellable, kept for later reads. A Redis-backed queue (BullMQ, resumable after
 * a restart) comes next; this is the in-process one.
 */
export class ReportService {
  private readonly jobs = new Map<string, ReportJob>();
  private readonly aborts = new Map<string, AbortController>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ReportDeps) {}

  /**
   * A new job, not yet queued: the caller records it in the audit log, then `enqueue`s it, so that
   * no system is asked anything before the report is on record.
   */
  create(principal: Principal, spec: ReportSpec): ReportJob | ErrorDetail {
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
    const pending = [...this.jobs.values()].filter(
      (job) =>
        job.requestedBy === principal.id && (job.state === 'QUEUED' || job.state === 'RUNNING'),
    ).length;
    if (pending >= MAX_PENDING_PER_PRINCIPAL)
      return errorDetail(
        'RATE_LIMITED',
        `${pending} of your reports are queued or running; wait for one to finish or cancel one`,
      );
    const job: ReportJob = {
      id: randomUUID(),
      spec: { agencies: [...spec.agencies], from: spec.from, to: spec.to },
      state: 'QUEUED',
      requestedBy: principal.id,
      createdAt: this.deps.now(),
      startedAt: null,
      finishedAt: null,
      progress: {
        agenciesTotal: 0,
        agenciesDone: 0,
        pages: 0,
        dossiers: 0,
        percent: 0,
        etaSeconds: null,
      },
      result: null,
      problems: [],
    };
    this.jobs.set(job.id, job);
    this.aborts.set(job.id, new AbortController());
    this.forgetOld();
    return job;
  }

  /** Queues a created job (after its audit entry is written). */
  enqueue(job: ReportJob): void {
    this.queue = this.queue.then(() => this.run(job)).catch(() => undefined);
  }

  /** Forgets a created job that could not be put on record. */
  discard(job: ReportJob): void {
    this.jobs.delete(job.id);
    this.aborts.delete(job.id);
  }

  /** Jobs kept, by state (lower case), every state present. */
  counts(): Record<string, number> {
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

  get(id: string): ReportJob | undefined {
    return this.jobs.get(id);
  }

  /** Stops a queued or running job; its partial figures are dropped. */
  cancel(id: string): ReportJob | undefined {
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

  /** The finished report's figures per agency as CSV, or null before it is done. */
  csv(job: ReportJob): string | null {
    return job.result === null ? null : reportCsv(job, this.deps.directory);
  }

  /** The finished report as one self-contained HTML page with charts, or null before it is done. */
  html(job: ReportJob): string | null {
    return job.result === null ? null : reportHtml(job, this.deps.directory);
  }

  /** Waits for every queued job (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Stops every job: queued and running ones end FAILED, saying why. */
  close(): void {
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
  }

  private async run(job: ReportJob): Promise<void> {
    if (job.state !== 'QUEUED') return;
    const abort = this.aborts.get(job.id) as AbortController;
    job.state = 'RUNNING';
    job.startedAt = this.deps.now();
    const agencies = this.expand(job.spec.agencies, job.spec.from, job.spec.to);
    job.progress.agenciesTotal = agencies.length;
    // Unfinished dossiers are judged at the end of the period, or now when that is still to come.
    const end = new Date(`${job.spec.to}T23:59:59.999+07:00`);
    const periodEnd = end.getTime() > this.deps.now().getTime() ? this.deps.now() : end;
    const accumulator = new IndicatorAccumulator(this.deps.workingTime, periodEnd);
    try {
      for (const agencyCode of agencies) {
        if (abort.signal.aborted) return;
        await this.listAgency(job, agencyCode, accumulator, abort.signal);
        if (abort.signal.aborted) return;
        job.progress.agenciesDone += 1;
        this.updateProgress(job);
      }
      if (abort.signal.aborted) return;
      const result = accumulator.result();
      job.result = {
        ...result,
        complete: job.problems.length === 0,
        onTheSpotTargets: this.deps.targets.onTheSpot.map((group) => {
          const agencies = result.agencies.filter((a) =>
            IndicatorTargets.covers(group, a.agencyCode),
          );
          const received = agencies.reduce((sum, a) => sum + a.received, 0);
          const count = agencies.reduce((sum, a) => sum + a.onTheSpot, 0);
          const rate = received === 0 ? null : count / received;
          return {
            label: group.label,
            target: group.target,
            received,
            count,
            rate,
            met: rate === null ? null : rate >= group.target,
          };
        }),
      };
      job.state = 'DONE';
    } catch (error) {
      job.state = 'FAILED';
      job.problems.push(`the report failed: ${(error as Error).message}`);
      this.deps.logger.error({ report: job.id, err: (error as Error).message }, 'report failed');
    } finally {
      // cancel() may have changed the state meanwhile.
      if ((job.state as ReportState) !== 'CANCELLED') job.finishedAt = this.deps.now();
      this.aborts.delete(job.id);
    }
  }

  private async listAgency(
    job: ReportJob,
    agencyCode: string,
    accumulator: IndicatorAccumulator,
    signal: AbortSignal,
  ): Promise<void> {
    const agency = this.deps.directory.get(agencyCode);
    const route =
      agency === undefined
        ? undefined
        : resolveAgencyRoute(agency, this.deps.directory, this.deps.registry.coverage, job.spec.to);
    const runtime = route === undefined ? undefined : this.deps.registry.runtime(route.id);
    if (runtime === undefined) {
      job.problems.push(`${agencyCode}: no registered system covers it`);
      return;
    }
    if (!runtime.servesListing) {
      job.problems.push(`${agencyCode}: ${runtime.id} lists no dossiers`);
      return;
    }
    let cursor: string | null = null;
    const seenCursors = new Set<string>();
    let previousPage: string | null = null;
    do {
      const call = {
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
        requestId: `report-${job.id}`,
      };
      const page = await runtime.listDossiers(
        { agencyCode, from: job.spec.from, to: job.spec.to },
        cursor,
        call,
      );
      if (signal.aborted) return;
      if ('error' in page) {
        job.problems.push(`${agencyCode}: ${page.error.code}: ${page.error.message}`);
        return;
      }
      // A system that ignores the page asked answers the same page again: stop, do not count it twice.
      const signature = `${page.dossiers.length}:${page.dossiers[0]?.code ?? ''}:${page.dossiers.at(-1)?.code ?? ''}`;
      if (page.dossiers.length > 0 && signature === previousPage) {
        job.problems.push(
          `${agencyCode}: ${runtime.id} answered the same page twice; listing stopped`,
        );
        return;
      }
      previousPage = signature;
      if (page.unreadable > 0)
        job.problems.push(`${agencyCode}: ${page.unreadable} record(s) could not be read`);
      let outside = 0;
      for (const dossier of page.dossiers) {
        const day =
          dossier.receivedAt === null
            ? null
            : new Date(new Date(dossier.receivedAt).getTime() + 7 * 3_600_000)
                .toISOString()
                .slice(0, 10);
        if (day === null || day < job.spec.from || day > job.spec.to) outside += 1;
        else accumulator.add(dossier, agencyCode);
      }
      if (outside > 0)
        job.problems.push(
          `${agencyCode}: ${outside} listed dossier(s) were received outside the period (or undated); left out`,
        );
      job.progress.pages += 1;
      job.progress.dossiers += page.dossiers.length - outside;
      cursor = page.next;
      if (cursor !== null) {
        if (seenCursors.has(cursor)) {
          job.problems.push(`${agencyCode}: ${runtime.id} repeated a page cursor; listing stopped`);
          return;
        }
        seenCursors.add(cursor);
      }
    } while (cursor !== null);
  }

  private updateProgress(job: ReportJob): void {
    const { agenciesDone, agenciesTotal } = job.progress;
    const fraction = agenciesTotal === 0 ? 1 : agenciesDone / agenciesTotal;
    job.progress.percent = Math.round(fraction * 1000) / 10;
    const elapsed = this.deps.now().getTime() - (job.startedAt as Date).getTime();
    job.progress.etaSeconds =
      fraction === 0 ? null : Math.max(0, Math.round((elapsed / fraction - elapsed) / 1000));
  }

  /** Agency codes of the spec: exact codes, and every agency under a hierarchy key, valid in the period. */
  private expand(entries: readonly string[], from: string, to: string): string[] {
    const codes = new Set<string>();
    for (const entry of entries) {
      if (isHierarchyKey(entry)) {
        for (const agency of this.deps.directory.list({})) {
          const overlaps =
            (agency.validFrom === null || agency.validFrom <= to) &&
            (agency.validTo === null || agency.validTo >= from);
          if (overlaps && hierarchyKeys(agency.code).includes(entry)) codes.add(agency.code);
        }
      } else if (this.deps.directory.get(entry) !== undefined) {
        codes.add(this.deps.directory.get(entry)?.code as string);
      }
    }
    return [...codes].sort();
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((job) => job.finishedAt !== null);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT)))
      this.jobs.delete(job.id);
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
