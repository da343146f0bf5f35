import type { ReportResult } from './reportResult';

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
  /** The figures, once done (reportResult.ts). */
  result: ReportResult | null;
  /** Agencies that could not be listed, and why. */
  problems: string[];
}

/** A job's progress before its first page. */
export function noProgress(agenciesTotal = 0): ReportJob['progress'] {
  return { agenciesTotal, agenciesDone: 0, pages: 0, dossiers: 0, percent: 0, etaSeconds: null };
}

/**
 * Where report jobs wait, run and are kept: in this process (the embedded default), or on Redis
 * through BullMQ, shared by the replicas and resumable after a restart.
 */
export interface ReportQueue {
  readonly kind: 'in-process' | 'redis';
  /** Puts a new job on the queue (after its audit entry is written). */
  add(job: ReportJob): Promise<void>;
  get(id: string): Promise<ReportJob | undefined>;
  /** Jobs of one principal still queued or running. */
  pending(principalId: string): Promise<number>;
  /** Stops a queued or running job; its partial figures are dropped. */
  cancel(id: string): Promise<ReportJob | undefined>;
  /** Jobs kept, by state (lower case). */
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
