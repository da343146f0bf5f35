import type { NationalStatusCode } from '../../connectors/model';
import { NATIONAL_STATUSES, type NationalStatusName } from './nationalStatuses';

/**
 * How long a looked-up dossier stays fresh, by its status: a returned result (10) barely changes,
 * one in processing (4) changes often. Seconds; overridable per registration (`cache.ttlSeconds`).
 */
export const DEFAULT_TTL_SECONDS: Readonly<Record<NationalStatusName | 'UNMAPPED', number>> = {
  SUBMITTED: 60,
  RECEIVED: 120,
  REJECTED: 3600,
  PROCESSING: 60,
  SUPPLEMENT_REQUESTED: 300,
  PAYMENT_REQUESTED: 300,
  WITHDRAWN: 3600,
  STOPPED: 3600,
  FINISHED: 600,
  RETURNED: 86_400,
  UNMAPPED: 60,
};

export type TtlTable = Readonly<Record<NationalStatusName | 'UNMAPPED', number>>;

export function ttlFor(status: NationalStatusCode | null, table: TtlTable): number {
  if (status === null) return table.UNMAPPED;
  return table[(NATIONAL_STATUSES[status - 1] as { name: NationalStatusName }).name];
}

/** How long answers live in the cache beyond their fresh lifetime (registration `cache`). */
export interface FreshnessPolicy {
  /** Fresh lifetime by status. */
  ttl: TtlTable;
  /** Past `ttl × hardLifetimeFactor` a value is refetched before it is served. Default 5. */
  hardLifetimeFactor: number;
  /** A value this old (since fetched) is no longer served when the upstream fails. Default 1 day. */
  maxStaleSeconds: number;
  /** How long "no such dossier" is remembered. Default 30 s. */
  notFoundTtlSeconds: number;
  /**
   * How long a lookup waits for the refetch of a value past its hard lifetime before it answers
   * that value stale and lets the refetch finish in the background. Default 1000 ms; 0 waits the
   * request's whole budget. Lookups with nothing held always have the whole budget.
   */
  softDeadlineMs: number;
}

export const DEFAULT_FRESHNESS = {
  hardLifetimeFactor: 5,
  maxStaleSeconds: 86_400,
  notFoundTtlSeconds: 30,
  softDeadlineMs: 1000,
};
