import type { NationalStatusCode } from '../../../connectors/model';
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
