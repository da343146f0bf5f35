import type { ConnectorKind, Logger } from '../../../connectors/contract';
import type { Principal } from '../../auth/Principal';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import type { RegistryStore, StoredRegistration } from '../../registry/RegistryStore';
import { mapSecrets, SecretBox } from '../../registry/secretBox';
import type { NetworkPolicy } from '../../runtime/NetworkPolicy';
import type { Actor, AuditService } from '../audit/AuditService';
import { vietnamIso } from '../../domain/vietnamTime';
import { documentId, isRegistrationId, readRegistrationText } from './registrationDocument';
import { conflict, invalid, stale, type RegistryResult } from './registrationResults';
import { RegistrationAccess } from './registrationAccess';
import {
  runtimeView,
  RegistrationViews,
  type ConnectorView,
  type VersionView,
} from './registrationViews';
import { openSecrets, sealSecrets } from './registrationSecrets';
import { checkSubmission } from './checkSubmission';
import { dryRun, type ProbeReport } from './probeRegistration';
import { RegistrationRouting } from './RegistrationRouting';

export type { RegistryResult } from './registrationResults';

export interface RegistrationServiceDeps {
  store: RegistryStore;
  registry: ConnectorRegistry;
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>;
  secrets: SecretBox;
  /** Where upstreams may be (SSRF guard), checked on the names as they resolve now. */
  network: NetworkPolicy;
  audit: AuditService;
  logger: Logger;
  now: () => Date;
  /** Called with the ids whose registration is new or changed (the catalogue syncs them). */
  onChanged?: (ids: string[]) => void;
}

/**
 * Runtime registrations (ARCHITECTURE.md "Static and runtime registrations"): provincial and
 * ministry IT register, update (with the version they read), switch on and off, delete and roll
 * back their connectors without a restart. Static files stay read-only; an id belongs to one or
 * the other. Every change is validated like a file (all problems named by field path), checked
 * against every other registration (ids, coverage), limited to the caller's scope, stored with its
 * secrets sealed (AES-256-GCM), recorded in the audit log, and applied on every replica.
 */
export class RegistrationService {
  /** Quarantines being stored from this replica (`id@version`). */
  private readonly quarantining = new Set<string>();
  private readonly routing: RegistrationRouting;
  private readonly access: RegistrationAccess;
  private readonly views: RegistrationViews;

  constructor(
    private readonly deps: RegistrationServiceDeps,
    statics: readonly Registration[],
  ) {
    this.routing = new RegistrationRouting(
      { ...deps, quarantine: (id, version, reason) => void this.quarantine(id, version, reason) },
      statics,
    );
    this.access = new RegistrationAccess(deps.store, statics);
    this.views = new RegistrationViews({
      store: deps.store,
      statics,
      access: this.access,
      latest: () => this.routing.latest(),
    });
  }

  /** Loads the runtime registrations and routes to them with the static ones. */
  async start(): Promise<void> {
    await this.routing.reload();
  }

  close(): void {
    this.routing.close();
  }

  /**
   * For /readyz: runtime registrations switched on but not routed (unreadable with the configured
   * secrets keys, no longer valid, or in conflict with another), and a store that cannot be read
   * (routing then stays as it was).
   */
  health(): ReturnType<RegistrationRouting['health']> {
    return this.routing.health();
  }

  list(principal: Principal): ConnectorView[] {
    return this.views.list(principal);
  }

  get(principal: Principal, id: string): ConnectorView | null {
    return this.views.get(principal, id);
  }

  versions(principal: Principal, id: string): Promise<RegistryResult<VersionView[]>> {
    return this.views.versions(principal, id);
  }

  /** Registers a new connector from a YAML or JSON document. */
  async register(principal: Principal, text: string): Promise<RegistryResult<ConnectorView>> {
    const parsed = readRegistrationText(text);
    if (!parsed.ok) return parsed;
    const id = documentId(parsed.value);
    const refused = this.access.staticConflict(id);
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
    const current = await this.access.changeable(principal, id, version);
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
    const current = await this.access.changeable(principal, id, version);
    if (!current.ok) return current;
    return this.store(
      principal,
      { ...current.value, enabled, note: enabled ? 'enabled' : 'disabled' },
      version,
      enabled ? 'registry.enable' : 'registry.disable',
    );
  }

  async delete(
    principal: Principal,
    id: string,
    version: number,
  ): Promise<RegistryResult<ConnectorView>> {
    const current = await this.access.changeable(principal, id, version);
    if (!current.ok) return current;
    return this.store(
      principal,
      { ...current.value, enabled: false, deleted: true, note: 'deleted' },
      version,
      'registry.delete',
    );
  }

  /** A new version with the document of an earlier one (validated again, as of now). */
  async rollback(
    principal: Principal,
    id: string,
    version: number,
    toVersion: number,
  ): Promise<RegistryResult<ConnectorView>> {
    const current = await this.access.changeable(principal, id, version);
    if (!current.ok) return current;
    const target = (await this.deps.store.history(id)).find(
      (stored) => stored.version === toVersion,
    );
    if (target === undefined) return invalid([`toVersion: ${id} has no version ${toVersion}`]);
    const document = mapSecrets(target.document, (sealed) => this.deps.secrets.open(sealed));
    return this.save(principal, document as Record<string, unknown>, version, {
      action: 'registry.rollback',
      enabled: current.value.enabled,
      note: `rollback to v${toVersion}`,
      previous: null,
    });
  }

  /** A dry run (probeRegistration.ts): nothing is stored. */
  test(
    principal: Principal,
    text: string,
    codes: readonly string[],
  ): Promise<RegistryResult<ProbeReport>> {
    return dryRun(this.deps, principal, text, codes);
  }

  /**
   * Quarantines a runtime registration the gateway will not run (docs/resilience.md "Quarantine"): a new
   * version of the same document, marked with the reason, by the gateway, audited
   * (`registry.quarantine`), applied on every replica. Nothing happens when the version that was
   * stopped is no longer the one stored or served (someone fixed it meanwhile), or it already is
   * quarantined. A later version (update, rollback) clears it.
   */
  async quarantine(id: string, version: number, reason: string): Promise<void> {
    const key = `${id}@${version}`;
    if (this.quarantining.has(key)) return;
    this.quarantining.add(key);
    try {
      const history = await this.deps.store.history(id);
      const latest = history.at(-1);
      if (latest === undefined || latest.deleted || latest.quarantine) return;
      // The version stopped may be older than the one stored (a runtime is kept across versions
      // with the same settings): the latest is marked only when it is the same document, never a
      // fix saved meanwhile on another replica.
      const stopped = history.find((candidate) => candidate.version === version);
      if (
        stopped === undefined ||
        JSON.stringify(openSecrets(this.deps.secrets, stopped.document)) !==
          JSON.stringify(openSecrets(this.deps.secrets, latest.document))
      )
        return;
      const since = vietnamIso(this.deps.now());
      const written = await this.store(
        'gateway',
        {
          ...latest,
          quarantine: { reason, since },
          note: `quarantined: ${reason.length > 300 ? `${reason.slice(0, 299)}…` : reason}`,
        },
        latest.version,
        'registry.quarantine',
      );
      if (written.ok) {
        this.deps.logger.error(
          { id, version: latest.version + 1, reason },
          'registration quarantined',
        );
      }
    } catch (error) {
      // The store is away: the version stays unrouted here and is tried again at the next reload.
      this.deps.logger.error({ id, err: (error as Error).message }, 'quarantine not stored');
    } finally {
      this.quarantining.delete(key);
    }
  }

  // ——— internals ———

  /** Validates, checks scope and conflicts, seals secrets, stores, records, applies. */
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
    const checked = await checkSubmission(
      this.deps,
      principal,
      plain,
      change.previous?.document ?? null,
      {
        type: 'runtime',
        version: expectedVersion + 1,
        enabled: change.enabled,
        updatedAt: '',
        updatedBy: '',
      },
    );
    if (!checked.ok) return checked;
    const record: StoredRegistration = {
      id: checked.value.registration.id,
      version: expectedVersion + 1,
      enabled: change.enabled,
      deleted: false,
      document: sealSecrets(this.deps.secrets, checked.value.document),
      updatedAt: vietnamIso(this.deps.now()),
      updatedBy: principal.id,
      note: change.note,
      quarantine: null,
    };
    return this.store(principal, record, expectedVersion, change.action);
  }

  private async store(
    principal: Actor,
    next: StoredRegistration,
    expectedVersion: number,
    action: string,
  ): Promise<RegistryResult<ConnectorView>> {
    const record: StoredRegistration = {
      ...next,
      version: expectedVersion + 1,
      updatedAt: vietnamIso(this.deps.now()),
      updatedBy: typeof principal === 'string' ? principal : principal.id,
    };
    // Switching on, or a new version while on, must still fit among the others (a quarantined
    // one is not routed, so it takes no place).
    if (record.enabled && !record.deleted && !record.quarantine) {
      const problems = this.routing.conflicts(record);
      if (problems.length > 0) return invalid(problems);
    }
    // The change and its audit entry are written together (one script on Redis, the entry
    // written ahead on files), so no change is ever live without its entry.
    const written = await this.deps.audit.recordChange(
      principal,
      {
        action,
        operation: action.replace('registry.', ''),
        codes: [],
        scope: `${record.id} v${record.version}${record.note === null ? '' : ` (${record.note})`}`,
        purpose: null,
        outcome: 'ok',
      },
      (entry) => this.deps.store.put(record, expectedVersion, entry),
    );
    if (!written.ok) return written;
    if (!written.result.ok) return stale(record.id, expectedVersion, written.result.currentVersion);
    await this.routing.reload();
    return { ok: true, value: runtimeView(record) };
  }
}
