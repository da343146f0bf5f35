import type { ConnectorKind } from '../../../connectors/contract';
import { parseRegistrationDocument } from '../../registry/loadRegistrationFiles';
import type { Registration } from '../../registry/Registration';
import type { StoredRegistration } from '../../registry/RegistrationStore';
import type { SecretBox } from '../../registry/secretBox';
import { runtimeOrigin } from './registrationDocument';
import { openSecrets } from './registrationSecrets';

/** A stored version as routing reads it: the registration, or why it cannot be routed. */
export type StoredRead =
  | { registration: Registration }
  | {
      /**
       * Sealed with a key not configured, no longer valid (e.g. a kind removed), or quarantined
       * (marked so, or expressions unsafe under the current rules).
       */
      problem: 'unreadable' | 'invalid' | 'quarantined';
      /** Words for the log (field paths, key ids; never a secret). */
      detail: string;
    };

/**
 * Reads stored versions for routing (secrets opened, validated under the current rules), each
 * version once. A read depends on nothing but the version's content (the kinds, the expression
 * rules and the secrets keys are fixed for the life of the process), so it is kept by that
 * content for as long as the version is the latest: a reload (on every change on any replica,
 * and on the store's reconcile beat) reads only what is new, and the version a write has just
 * validated is not read again.
 */
export class StoredReads {
  /** By readKey: the latest versions as of the last reload, and versions stored here since. */
  private reads = new Map<string, { id: string; version: number; read: StoredRead }>();

  constructor(
    private readonly kinds: ReadonlyMap<string, ConnectorKind<unknown>>,
    private readonly secrets: SecretBox,
  ) {}

  /** The read kept for this version, or a new one (not kept: the version may never be stored). */
  read(stored: StoredRegistration): StoredRead {
    return this.reads.get(readKey(stored))?.read ?? this.readAnew(stored);
  }

  /**
   * Keeps the read of a version this replica is storing (the registration its write validated),
   * for the reload that routes it. Not when the document would read back from the store
   * differently: JSON has no NaN, ±Infinity or -0, which a YAML document may hold.
   */
  remember(stored: StoredRegistration, read: StoredRead): void {
    if (readsBackFromJson(stored.document))
      this.reads.set(readKey(stored), { id: stored.id, version: stored.version, read });
  }

  /** Drops a read remembered for a version that was then not stored. */
  forget(stored: StoredRegistration): void {
    this.reads.delete(readKey(stored));
  }

  /**
   * Reads the switched-on versions of a reload, from what is kept or anew, and keeps those reads
   * alone, with the versions being stored here that the reload does not show yet (its list was
   * read before they were stored).
   */
  readLatest(latest: readonly StoredRegistration[]): Map<StoredRegistration, StoredRead> {
    const reads = new Map<StoredRegistration, StoredRead>();
    const kept = new Map<string, { id: string; version: number; read: StoredRead }>();
    for (const stored of latest) {
      if (!stored.enabled || stored.deleted) continue;
      const key = readKey(stored);
      const read = this.reads.get(key)?.read ?? this.readAnew(stored);
      reads.set(stored, read);
      kept.set(key, { id: stored.id, version: stored.version, read });
    }
    const versions = new Map(latest.map((stored) => [stored.id, stored.version]));
    for (const [key, entry] of this.reads) {
      if (entry.version > (versions.get(entry.id) ?? 0)) kept.set(key, entry);
    }
    this.reads = kept;
    return reads;
  }

  private readAnew(stored: StoredRegistration): StoredRead {
    if (stored.quarantine) return { problem: 'quarantined', detail: stored.quarantine.reason };
    try {
      const document = openSecrets(this.secrets, stored.document);
      const parsed = parseRegistrationDocument(
        document,
        stored.id,
        { kinds: this.kinds, variables: {} },
        runtimeOrigin(stored),
      );
      if (parsed.ok) return { registration: parsed.registration };
      // Saved before the current expression rules: quarantined, not merely invalid.
      const unsafe = parsed.problems.filter((p) => p.unsafeExpression === true);
      return {
        problem: unsafe.length > 0 ? 'quarantined' : 'invalid',
        detail: (unsafe.length > 0 ? unsafe : parsed.problems)
          .map((p) => `${p.path || '(document)'}: ${p.message}`)
          .join('; '),
      };
    } catch (error) {
      // Never the secret itself: the box names the key id it lacks or the failed check.
      return { problem: 'unreadable', detail: (error as Error).message };
    }
  }
}

/** Everything a read depends on: the document and the version's origin and quarantine. */
function readKey(stored: StoredRegistration): string {
  const { id, version, enabled, updatedAt, updatedBy, quarantine, document } = stored;
  return JSON.stringify([id, version, enabled, updatedAt, updatedBy, quarantine ?? null, document]);
}

function readsBackFromJson(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(readsBackFromJson);
  if (value !== null && typeof value === 'object')
    return Object.values(value).every(readsBackFromJson);
  return true;
}
