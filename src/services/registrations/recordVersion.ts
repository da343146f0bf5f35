import type { Registration } from '../../registry/Registration';
import type { RegistrationStore, StoredRegistration } from '../../registry/RegistrationStore';
import { vietnamIso } from '../../domain/vietnamTime';
import type { Actor, AuditService } from '../audit/AuditService';
import type { RegistrationRouting } from './RegistrationRouting';
import { invalid, stale, type RegistryResult } from './registrationResults';
import { runtimeView, type ConnectorView } from './registrationViews';

export interface RecordVersionDeps {
  store: RegistrationStore;
  audit: AuditService;
  routing: RegistrationRouting;
}

/** The version a change makes, when and by whom. */
export type VersionStamp = Pick<StoredRegistration, 'version' | 'updatedAt' | 'updatedBy'>;

/**
 * Taken once per write, before anything reads it: the document is validated as this version
 * (its routing origin), and the record stored is this version.
 */
export function stampVersion(actor: Actor, expectedVersion: number, now: Date): VersionStamp {
  return {
    version: expectedVersion + 1,
    updatedAt: vietnamIso(now),
    updatedBy: typeof actor === 'string' ? actor : actor.id,
  };
}

/**
 * Every change of a runtime registration ends here, whoever makes it (a caller, or the gateway
 * quarantining): the new version, stamped (stampVersion), must still fit among the routed ones,
 * is stored only if the latest is still the one before it (compare-and-set across replicas),
 * together with its audit entry, and is routed here before the caller is answered. `validated`
 * is the registration a write validated the document into (it is not read again).
 */
export async function recordVersion(
  deps: RecordVersionDeps,
  actor: Actor,
  record: StoredRegistration,
  action: string,
  validated: Registration | null = null,
): Promise<RegistryResult<ConnectorView>> {
  const expectedVersion = record.version - 1;
  // Switching on, or a new version while on, must still fit among the others (a quarantined
  // one is not routed, so it takes no place). Read once: the registration the write validated,
  // else the stored document (switching on).
  const routed =
    record.enabled && !record.deleted && !record.quarantine
      ? validated !== null
        ? { registration: validated }
        : deps.routing.read(record)
      : null;
  if (routed !== null) {
    const problems = deps.routing.conflicts(record, routed);
    if (problems.length > 0) return invalid(problems);
  }
  // Routing keeps the read for the reload that routes the version; kept before the store can
  // announce the version, since the reload the announcement starts may run before this one.
  if (routed !== null) deps.routing.remember(record, routed);
  // The change and its audit entry are written together (one script on Redis, the entry
  // written ahead on files), so no change is ever live without its entry.
  const written = await deps.audit.recordChange(
    actor,
    {
      action,
      operation: action.replace('registry.', ''),
      codes: [],
      scope: `${record.id} v${record.version}${record.note === null ? '' : ` (${record.note})`}`,
      purpose: null,
      outcome: 'ok',
    },
    (entry) => deps.store.put(record, expectedVersion, entry),
  );
  if (routed !== null && !(written.ok && written.result.ok)) deps.routing.forget(record);
  if (!written.ok) return written;
  if (!written.result.ok) return stale(record.id, expectedVersion, written.result.currentVersion);
  await deps.routing.reload();
  return { ok: true, value: runtimeView(record) };
}
