import type { NationalDossier } from '../../../connectors/model';
import type { CachedDossier } from '../../cache/DossierCache';
import { ttlFor } from '../../domain/cachePolicy';
import { vietnamIso } from '../../domain/vietnamTime';
import { dossierKey } from '../../domain/dossierKey';
import {
  registrationVersion,
  settingsDigest,
  type Registration,
} from '../../registry/Registration';
import type { FoundEntry } from './fetchResult';

/**
 * A fetched (or pushed) dossier as a cache entry, with the lifetimes the registration's freshness
 * policy gives its status: fresh until the soft lifetime, served while refreshed until the hard
 * one, kept as a fallback as long as it may be served stale. Keyed by the dossier's key (its code,
 * upper-cased for a registration whose codes are case-insensitive: one entry per dossier); the
 * dossier keeps its code as the system wrote it.
 */
export function foundEntry(
  registration: Registration,
  dossier: NationalDossier,
  now: Date,
): { value: FoundEntry; ttlSeconds: number } {
  const soft = ttlFor(dossier.status.code, registration.ttl);
  const hard = soft * registration.freshness.hardLifetimeFactor;
  return {
    value: {
      kind: 'found',
      code: dossierKey(registration.coverage.codes, dossier.code),
      dossier,
      connectorId: registration.id,
      settings: settingsDigest(registration),
      registrationVersion: registrationVersion(registration),
      fetchedAt: vietnamIso(now),
      freshUntil: now.getTime() + soft * 1000,
      hardUntil: now.getTime() + hard * 1000,
    },
    ttlSeconds: Math.ceil(Math.max(hard, registration.freshness.maxStaleSeconds)),
  };
}

/** The system's "no such dossier" as a cache entry, remembered `notFoundTtlSeconds`. */
export function notFoundEntry(
  registration: Registration,
  code: string,
  now: Date,
): { value: CachedDossier; ttlSeconds: number } {
  const ttl = registration.freshness.notFoundTtlSeconds;
  return {
    value: {
      kind: 'notFound',
      code,
      connectorId: registration.id,
      settings: settingsDigest(registration),
      registrationVersion: registrationVersion(registration),
      fetchedAt: vietnamIso(now),
      freshUntil: now.getTime() + ttl * 1000,
    },
    ttlSeconds: ttl,
  };
}
