import { createHash } from 'node:crypto';
import type { RuntimeRegistration } from '../runtime/ConnectorRuntime';
import type { FreshnessPolicy, TtlTable } from '../domain/cachePolicy';
import type { Coverage } from './registrationSchema';

/** A validated connector registration: the gateway's envelope plus the kind's parsed config. */
export interface Registration {
  id: string;
  kind: string;
  name: string;
  description: string | undefined;
  coverage: Coverage;
  /** Where and how the system is called (the runtime's part). */
  upstream: RuntimeRegistration['upstream'];
  /** Fresh lifetime per status, defaults filled in. */
  ttl: TtlTable;
  /** Lifetimes beyond freshness: revalidation, fallback on failure, "not found". */
  freshness: Omit<FreshnessPolicy, 'ttl'>;
  /** Status pushes, when the system sends them. */
  push: { secret: string; codes: string | undefined; records: string | undefined } | undefined;
  /** How the gateway polls the system for changes (docs/changes.md); absent: it does not. */
  changes: RegistrationChanges | undefined;
  /** Output of the kind's config schema. */
  config: unknown;
  /**
   * The kind's config as written, variables resolved: plain data, from which another thread (the
   * report worker) parses `config` again, since parsed configs hold class instances (time zones,
   * maps) that do not cross threads.
   */
  configInput?: unknown;
  /** Where the registration came from; static files are read-only at runtime. */
  origin: RegistrationOrigin;
}

export interface RegistrationChanges {
  everySeconds: number;
  listing: { days: number } | undefined;
  recheck: { perPoll: number } | undefined;
  /** The dossiers changed since the last complete read, less the overlap. */
  modified: { overlapSeconds: number } | undefined;
}

export type RegistrationOrigin =
  | { type: 'file'; file: string }
  /** Registered at runtime (the registry store): its version, and whether it is switched on. */
  | { type: 'runtime'; version: number; enabled: boolean; updatedAt: string; updatedBy: string };

/** Where a registration came from, for messages: its file, or `runtime <id> v<version>`. */
export function originLabel(registration: Pick<Registration, 'id' | 'origin'>): string {
  return registration.origin.type === 'file'
    ? registration.origin.file
    : `runtime registration ${registration.id} v${registration.origin.version}`;
}

const digests = new WeakMap<Registration, string>();

/**
 * What a registration's settings come to, whatever its origin (a new version number alone does
 * not count): the same settings, the same digest. The registry keeps a runtime whose settings did
 * not change; cache entries carry the digest of the settings that mapped them, so a dossier is
 * never answered by a mapping that no longer answers.
 */
export function settingsDigest(registration: Registration): string {
  let digest = digests.get(registration);
  if (digest === undefined) {
    const { origin: _origin, ...settings } = registration;
    digest = createHash('sha256').update(JSON.stringify(settings)).digest('base64url').slice(0, 22);
    digests.set(registration, digest);
  }
  return digest;
}

/**
 * Whether the gateway follows a system's changes (docs/changes.md): it pushes, or its
 * registration says how to poll it.
 */
export function followsChanges(registration: Pick<Registration, 'push' | 'changes'>): boolean {
  return registration.push !== undefined || registration.changes !== undefined;
}

/** A runtime registration's version; null for one from a file. */
export function registrationVersion(registration: Pick<Registration, 'origin'>): number | null {
  return registration.origin.type === 'runtime' ? registration.origin.version : null;
}
