import type { CachedDossier } from '../../cache/DossierCache';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { Registration } from '../../registry/Registration';

export type FoundEntry = Extract<CachedDossier, { kind: 'found' }>;

/** Why an answer is not the upstream's current word: the failure that made the gateway fall back. */
export interface Staleness {
  reason: string;
  /** When the value needed a refetch it could not get (its hard lifetime's end), ISO 8601 +07:00. */
  since: string;
}

/** One code's answer from DossierFetcher: a dossier with where it came from, or why there is none. */
export type FetchResult =
  | { ok: true; entry: FoundEntry; cached: boolean; stale: Staleness | null }
  | { ok: false; error: ErrorDetail };

/** The answer for a code the system says it does not hold (asked just now, or remembered). */
export function notFound(registration: Registration, code: string): ErrorDetail {
  return errorDetail(
    'DOSSIER_NOT_FOUND',
    `${registration.name} has no dossier ${code}`,
    registration.id,
  );
}
