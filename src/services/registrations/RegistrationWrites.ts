import type { Principal } from '../../auth/Principal';
import type { StoredRegistration } from '../../registry/RegistrationStore';
import { mapSecrets } from '../../registry/secretBox';
import { checkSubmission, type SubmissionDeps } from './checkSubmission';
import { recordVersion, stampVersion, type RecordVersionDeps } from './recordVersion';
import type { RegistrationAccess } from './registrationAccess';
import {
  documentId,
  isRegistrationId,
  readRegistrationText,
  runtimeOrigin,
} from './registrationDocument';
import { conflict, invalid, type RegistryResult } from './registrationResults';
import { sealSecrets } from './registrationSecrets';
import type { ConnectorView } from './registrationViews';

export interface RegistrationWritesDeps extends SubmissionDeps, RecordVersionDeps {
  access: RegistrationAccess;
  now: () => Date;
}

/**
 * The changes a caller makes to runtime registrations: register, update (with the version read),
 * switch on and off, delete, roll back. A document is checked like a dry run (checkSubmission.ts),
 * stored with its secrets sealed, and recorded with its audit entry (recordVersion.ts).
 */
export class RegistrationWrites {
  constructor(private readonly deps: RegistrationWritesDeps) {}

  /** Registers a new connector from a YAML or JSON document. */
  async register(principal: Principal, text: string): Promise<RegistryResult<ConnectorView>> {
    const parsed = readRegistrationText(text);
    if (!parsed.ok) return parsed;
    const id = documentId(parsed.value);
    const refused = this.deps.access.staticConflict(id);
    if (refused !== null) return refused;
    const history = isRegistrationId(id) ? await this.deps.store.history(id) : [];
    const latest = history.at(-1);
    if (latest !== undefined && !latest.deleted)
      return conflict(`a connector "${id}" exists (version ${latest.version}); update it instead`);
    return this.save(principal, parsed.value, latest?.version ?? 0, {
      action: 'registry.create',
      enabled: true,
      note: latest === undefined ? null : `registered again after v${latest.version}`,
      previous: null,
    });
  }

  /** Replaces a connector's document; `version` is the one the caller read. */
  async update(
    principal: Principal,
    id: string,
    version: number,
    text: string,
  ): Promise<RegistryResult<ConnectorView>> {
    const current = await this.deps.access.changeable(principal, id, version);
    if (!current.ok) return current;
    const parsed = readRegistrationText(text);
    if (!parsed.ok) return parsed;
    if (parsed.value.id !== id)
      return invalid([`id: the document says "${String(parsed.value.id)}", not "${id}"`]);
    return this.save(principal, parsed.value, version, {
      action: 'registry.update',
      enabled: current.value.enabled,
      note: null,
      previous: current.value,
    });
  }

  async setEnabled(
    principal: Principal,
    id: string,
    version: number,
    enabled: boolean,
  ): Promise<RegistryResult<ConnectorView>> {
    return this.amend(
      principal,
      id,
      version,
      { enabled, note: enabled ? 'enabled' : 'disabled' },
      enabled ? 'registry.enable' : 'registry.disable',
    );
  }

  async delete(
    principal: Principal,
    id: string,
    version: number,
  ): Promise<RegistryResult<ConnectorView>> {
    return this.amend(
      principal,
      id,
      version,
      { enabled: false, deleted: true, note: 'deleted' },
      'registry.delete',
    );
  }

  /** The current version with `changes`, stamped and recorded as the next one. */
  private async amend(
    principal: Principal,
    id: string,
    version: number,
    changes: { enabled: boolean; deleted?: boolean; note: string },
    action: Parameters<typeof recordVersion>[3],
  ): Promise<RegistryResult<ConnectorView>> {
    const current = await this.deps.access.changeable(principal, id, version);
    if (!current.ok) return current;
    return recordVersion(
      this.deps,
      principal,
      { ...current.value, ...stampVersion(principal, version, this.deps.now()), ...changes },
      action,
    );
  }

  /** A new version with the document of an earlier one (validated again, as of now). */
  async rollback(
    principal: Principal,
    id: string,
    version: number,
    toVersion: number,
  ): Promise<RegistryResult<ConnectorView>> {
    const current = await this.deps.access.changeable(principal, id, version);
    if (!current.ok) return current;
    const target = (await this.deps.store.history(id)).find(
      (stored) => stored.version === toVersion,
    );
    if (target === undefined) return invalid([`toVersion: ${id} has no version ${toVersion}`]);
    // A secret of that version that cannot be opened (sealed with a key no longer configured, or
    // stored unsealed by an earlier gateway) refuses the rollback, naming it: never a crash.
    const unopened: string[] = [];
    const document = mapSecrets(target.document, (sealed, path) => {
      try {
        return this.deps.secrets.open(sealed);
      } catch (error) {
        unopened.push(`${path.join('.')} (${(error as Error).message})`);
        return sealed;
      }
    });
    if (unopened.length > 0)
      return invalid(
        unopened.map(
          (secret) =>
            `toVersion: the secret ${secret} of v${toVersion} cannot be opened; update ${id} with the secret written out instead`,
        ),
      );
    return this.save(principal, document as Record<string, unknown>, version, {
      action: 'registry.rollback',
      enabled: current.value.enabled,
      note: `rollback to v${toVersion}`,
      previous: null,
    });
  }

  /** Checks a document (secrets, validation, scope, addresses), seals its secrets and records it. */
  private async save(
    principal: Principal,
    plain: Record<string, unknown>,
    expectedVersion: number,
    change: {
      action: string;
      enabled: boolean;
      note: string | null;
      previous: StoredRegistration | null;
    },
  ): Promise<RegistryResult<ConnectorView>> {
    const stamp = stampVersion(principal, expectedVersion, this.deps.now());
    const checked = await checkSubmission(
      this.deps,
      principal,
      plain,
      change.previous?.document ?? null,
      runtimeOrigin({ ...stamp, enabled: change.enabled }),
    );
    if (!checked.ok) return checked;
    const record: StoredRegistration = {
      id: checked.value.registration.id,
      version: stamp.version,
      enabled: change.enabled,
      deleted: false,
      document: sealSecrets(this.deps.secrets, checked.value.document),
      updatedAt: stamp.updatedAt,
      updatedBy: stamp.updatedBy,
      note: change.note,
      quarantine: null,
    };
    return recordVersion(this.deps, principal, record, change.action, checked.value.registration);
  }
}
