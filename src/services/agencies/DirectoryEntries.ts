import type { Logger } from '../../../connectors/contract';
import { canonicalAgencyCode, isAgencyCode } from '../../../connectors/shared/agencyCode';
import type { Principal } from '../../auth/Principal';
import type { Agency, AgencyDirectory } from '../../domain/AgencyDirectory';
import { vietnamIso } from '../../domain/vietnamTime';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type {
  RegistrationStore,
  StoreNamespace,
  StoredRegistration,
} from '../../registry/RegistrationStore';
import type { AuditService } from '../audit/AuditService';
import { entryDocument, entryYaml, readAgencyEntry } from './agencyEntry';
import {
  invalidEntry,
  noRuntimeEntry,
  staleEntry,
  storeUnavailable,
  type DirectoryResult,
} from './directoryResults';
import {
  describeProblems,
  effectiveDirectory,
  withChange,
  type UnappliedEntry,
} from './effectiveDirectory';

/**
 * Where the runtime entries live: the registry's store, in a namespace of its own (the folder
 * `<REGISTRY_DIR>/directory/`, or the Redis keys `<prefix>directory:{registry}:…`), one id per
 * agency code.
 */
export const DIRECTORY_NAMESPACE: StoreNamespace = { name: 'directory', isId: isAgencyCode };

/** Longest note an administrator may give a change (it goes into the audit log). */
export const MAX_NOTE_LENGTH = 500;

/** Where an agency's entry comes from, and the version to send with the next change of it. */
export interface EntryOrigin {
  origin: 'FILE' | 'RUNTIME';
  /** The latest stored version of the code's runtime entry (deleted or not); 0 when none. */
  version: number;
}

/** One stored version of a runtime entry, as the API shows it. */
export interface EntryVersionView {
  code: string;
  version: number;
  deleted: boolean;
  updatedAt: string;
  updatedBy: string;
  note: string | null;
  /** The entry as YAML. */
  entry: string;
}

export interface DirectoryEntriesDeps {
  store: RegistrationStore;
  /** The one directory object every consumer holds; its contents are replaced on a change. */
  directory: AgencyDirectory;
  /** The agencies of the directory file (AGENCY_DIRECTORY), checked whole at start. */
  file: readonly Agency[];
  audit: AuditService;
  logger: Logger;
  now: () => Date;
}

/**
 * The agency directory at runtime (docs/directory.md): administrators add and change entries
 * through the API, each a versioned record in the registry's store with its audit entry, as
 * registrations are. An entry replaces the file's entry of its code or adds a new code; deleting
 * it brings the file's entry back (or removes the code). A change is refused, naming every
 * problem, unless the whole directory still holds with it. On every change, here or on another
 * replica (the store's onChange: Redis pub/sub, and a reload every 30 s), the directory in effect
 * is built again and swapped into the one `AgencyDirectory` object all consumers hold; a store
 * that cannot be read leaves the directory as it was (health says so).
 */
export class DirectoryEntries {
  /** The latest stored version of every code, deletions included, as of the last reload. */
  private latest = new Map<string, StoredRegistration>();
  private applied = new Set<string>();
  private unapplied: UnappliedEntry[] = [];
  private appliedAgencies: Agency[] = [];
  private storeError: string | null = null;
  /** What the directory was last built from: the applied entries' codes and versions. */
  private signature = '[]';
  private reloading: Promise<void> = Promise.resolve();
  private pending = false;
  private readonly fileByCode: ReadonlyMap<string, Agency>;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: DirectoryEntriesDeps) {
    this.fileByCode = new Map(deps.file.map((agency) => [agency.code, agency]));
    this.unsubscribe = deps.store.onChange(() => void this.reload());
  }

  /** Reads the runtime entries and applies them (a store that cannot be read: the file only). */
  start(): Promise<void> {
    return this.reload();
  }

  close(): void {
    this.unsubscribe();
  }

  /** Builds the directory in effect again from the store (serialised; one more if asked meanwhile). */
  reload(): Promise<void> {
    if (this.pending) return this.reloading;
    this.pending = true;
    this.reloading = this.reloading.then(async () => {
      this.pending = false;
      try {
        this.apply(await this.deps.store.latest());
        this.storeError = null;
      } catch (error) {
        this.storeError = (error as Error).message;
        this.deps.logger.error(
          { err: this.storeError },
          'agency directory reload failed; the directory stays as it was',
        );
      }
    });
    return this.reloading;
  }

  /** For /readyz: runtime entries not in effect, and whether the store could be read. */
  health(): { unapplied: readonly UnappliedEntry[]; storeError: string | null } {
    return { unapplied: this.unapplied, storeError: this.storeError };
  }

  /** The runtime entries in effect (the report worker applies them over its copy of the file). */
  runtimeAgencies(): Agency[] {
    return this.appliedAgencies;
  }

  /** Where the entry of `code` in effect comes from, as of the last reload. */
  origin(code: string): EntryOrigin {
    return {
      origin: this.applied.has(code) ? 'RUNTIME' : 'FILE',
      version: this.latest.get(code)?.version ?? 0,
    };
  }

  /** Every stored version of a code's runtime entry, oldest first. */
  async versions(code: string): Promise<DirectoryResult<EntryVersionView[]>> {
    const canonical = checkedCode(code);
    if (!canonical.ok) return canonical;
    let history: StoredRegistration[];
    try {
      history = await this.deps.store.history(canonical.value);
    } catch (error) {
      return this.unreadable(error);
    }
    return {
      ok: true,
      value: history.map((stored) => ({
        code: stored.id,
        version: stored.version,
        deleted: stored.deleted,
        updatedAt: stored.updatedAt,
        updatedBy: stored.updatedBy,
        note: stored.note,
        entry: documentYaml(stored),
      })),
    };
  }

  /**
   * Puts an entry (YAML or JSON text of one agency): the next version of its code's runtime
   * entry, `version` being the latest the caller read (0: the code has none yet).
   */
  async put(
    principal: Principal,
    text: string,
    version: number,
    note: string | null,
  ): Promise<DirectoryResult<Agency>> {
    const refused = checkChange(principal, version, note);
    if (refused !== null) return refused;
    const entry = readAgencyEntry(text);
    if (!entry.ok) return entry;
    const agency = entry.value;
    const record = await this.prepare(principal, agency.code, version, note, { put: agency });
    if (!record.ok) return record;
    const written = await this.record(principal, 'directory.put', {
      ...record.value,
      document: entryDocument(agency),
    });
    if (!written.ok) return written;
    return { ok: true, value: this.deps.directory.get(agency.code) ?? agency };
  }

  /**
   * Deletes a code's runtime entry (a tombstone version): the file's entry of the code is in
   * effect again, or the code leaves the directory. Answers the agency now in effect, or null.
   */
  async delete(
    principal: Principal,
    code: string,
    version: number,
    note: string | null,
  ): Promise<DirectoryResult<Agency | null>> {
    const refused = checkChange(principal, version, note);
    if (refused !== null) return refused;
    const canonical = checkedCode(code);
    if (!canonical.ok) return canonical;
    const record = await this.prepare(principal, canonical.value, version, note, {
      remove: canonical.value,
      fallback: this.fileByCode.get(canonical.value) ?? null,
    });
    if (!record.ok) return record;
    const written = await this.record(principal, 'directory.delete', {
      ...record.value,
      deleted: true,
      note: record.value.note ?? 'deleted',
    });
    if (!written.ok) return written;
    return { ok: true, value: this.deps.directory.get(canonical.value) ?? null };
  }

  /**
   * The version a change of `code` makes, if the change may be made: the caller read the code's
   * latest stored version (read now from the store, not as of the last reload), a deletion has a
   * runtime entry to delete, and the directory in effect, built from the store's latest entries,
   * still holds with the change (every problem named by agency code and field).
   */
  private async prepare(
    principal: Principal,
    code: string,
    version: number,
    note: string | null,
    change: Parameters<typeof withChange>[1],
  ): Promise<DirectoryResult<StoredRegistration>> {
    let latest: StoredRegistration[];
    try {
      latest = await this.deps.store.latest();
    } catch (error) {
      return this.unreadable(error);
    }
    const current = latest.find((stored) => stored.id === code);
    if ('remove' in change && (current === undefined || current.deleted))
      return noRuntimeEntry(code);
    if ((current?.version ?? 0) !== version)
      return staleEntry(code, version, current?.version ?? 0);
    const problems = describeProblems(
      withChange(effectiveDirectory(this.deps.file, latest).agencies, change),
    );
    if (problems.length > 0) return invalidEntry(problems);
    return {
      ok: true,
      value: {
        id: code,
        version: version + 1,
        enabled: true,
        deleted: false,
        document: current?.document ?? {},
        updatedAt: vietnamIso(this.deps.now()),
        updatedBy: principal.id,
        note: note === null || note.trim() === '' ? null : note.trim().normalize('NFC'),
        quarantine: null,
      },
    };
  }

  /** Stores the version with its audit entry (both or neither), then applies it here. */
  private async record(
    principal: Principal,
    action: 'directory.put' | 'directory.delete',
    record: StoredRegistration,
  ): Promise<DirectoryResult<null>> {
    const written = await this.deps.audit.recordChange(
      principal,
      {
        action,
        operation: action.replace('directory.', ''),
        codes: [],
        scope: `${record.id} v${record.version}${record.note === null ? '' : ` (${record.note})`}`,
        purpose: null,
        outcome: 'ok',
      },
      (entry) => this.deps.store.put(record, record.version - 1, entry),
    );
    if (!written.ok) return written;
    if (!written.result.ok)
      return staleEntry(record.id, record.version - 1, written.result.currentVersion);
    await this.reload();
    return { ok: true, value: null };
  }

  /** Applies the store's latest entries: the directory is replaced only when they changed. */
  private apply(latest: StoredRegistration[]): void {
    const built = effectiveDirectory(this.deps.file, latest);
    for (const entry of built.unapplied) {
      if (!this.unapplied.some((u) => u.code === entry.code && u.version === entry.version))
        this.deps.logger.error({ ...entry }, 'agency directory entry not applied');
    }
    this.latest = new Map(latest.map((stored) => [stored.id, stored]));
    this.unapplied = built.unapplied;
    const signature = JSON.stringify(
      [...built.applied.values()].map(({ stored }) => [stored.id, stored.version]),
    );
    if (signature === this.signature) return;
    this.signature = signature;
    this.applied = new Set(built.applied.keys());
    this.appliedAgencies = [...built.applied.values()].map(({ agency }) => agency);
    this.deps.directory.replace(built.agencies);
    this.deps.logger.info(
      { agencies: built.agencies.length, runtimeEntries: built.applied.size },
      'agency directory applied',
    );
  }

  private unreadable(error: unknown): {
    ok: false;
    error: ReturnType<typeof storeUnavailable>['error'];
  } {
    this.deps.logger.error({ err: (error as Error).message }, 'agency directory store unreadable');
    return storeUnavailable();
  }
}

/** Only administrators change the directory (the schema says so too); a note fits the audit log. */
function checkChange(
  principal: Principal,
  version: number,
  note: string | null,
): { ok: false; error: ErrorDetail } | null {
  if (principal.role !== 'admin')
    return {
      ok: false,
      error: errorDetail('FORBIDDEN', 'only an administrator changes the agency directory'),
    };
  if (!Number.isInteger(version) || version < 0)
    return invalidEntry([`version: the latest version you read, 0 or more; got ${version}`]);
  if (note !== null && note.length > MAX_NOTE_LENGTH)
    return invalidEntry([`note: at most ${MAX_NOTE_LENGTH} characters, got ${note.length}`]);
  return null;
}

function checkedCode(code: string): DirectoryResult<string> {
  if (!isAgencyCode(code))
    return {
      ok: false,
      error: errorDetail(
        'BAD_USER_INPUT',
        `${JSON.stringify(code.slice(0, 60))} is not an agency code: digits, A–Z and dots, e.g. 000.00.01.H56 or H56.01`,
      ),
    };
  return { ok: true, value: canonicalAgencyCode(code) };
}

/** A stored version's entry as YAML (as stored, when it no longer reads as an entry). */
function documentYaml(stored: StoredRegistration): string {
  const read = readAgencyEntry(JSON.stringify(stored.document));
  return read.ok ? entryYaml(read.value) : `${JSON.stringify(stored.document, null, 2)}\n`;
}
