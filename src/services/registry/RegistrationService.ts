import type { ConnectorKind, Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { Principal } from '../../auth/Principal';
import { ConnectorRuntime } from '../../runtime/ConnectorRuntime';
import { maskDossier } from '../dossiers/maskDossier';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import { crossCheck, parseRegistrationDocument } from '../../registry/loadRegistrationFiles';
import type { Registration } from '../../registry/Registration';
import type { RegistryStore, StoredRegistration } from '../../registry/RegistryStore';
import { mapSecrets, SecretBox } from '../../registry/secretBox';
import type { NetworkPolicy } from '../../runtime/NetworkPolicy';
import { coverageSchema, type Coverage } from '../../registry/registrationSchema';
import { CoverageIndex } from '../../domain/CoverageIndex';
import type { Actor, AuditService } from '../audit/AuditService';
import { vietnamIso } from '../../domain/vietnamTime';
import {
  documentId,
  isRegistrationId,
  readRegistrationText,
  validateRegistration,
} from './registrationDocument';
import { conflict, forbidden, invalid, stale, type RegistryResult } from './registrationResults';
import { RegistrationAccess, scopeProblem, storedClaim, visibleTo } from './registrationAccess';
import {
  runtimeView,
  RegistrationViews,
  type ConnectorView,
  type VersionView,
} from './registrationViews';
import { keepSecrets, openSecrets, sealSecrets } from './registrationSecrets';

export type { RegistryResult } from './registrationResults';

/** What a dry run found: the thing a provincial IT engineer iterates on until it is clean. */
export interface ProbeReport {
  connector: string;
  dossiers: Array<{ code: string; found: boolean; error: ErrorDetail | null }>;
  /** Per field of the national model: in how many of the found dossiers it has a value. */
  fieldsFilled: Array<{ field: string; filled: number; of: number }>;
  /** Raw statuses the registration's table does not map. */
  unmappedStatuses: string[];
  /** Every mapping warning, counted (dates that did not parse, text decoded from TCVN3/VNI, …). */
  warnings: Array<{ field: string; problem: string; count: number }>;
  /** The first dossier found, normalised and masked. */
  sample: NationalDossier | null;
  catalogue: { entries: number; codes: string[]; error: ErrorDetail | null } | null;
  /**
   * Evaluations of the registration's expressions stopped by a limit during the dry run, by
   * message; saved, a registration whose evaluations keep being stopped is quarantined.
   */
  expressionLimits: Array<{ limit: string; message: string; count: number }>;
}

/** Most codes one dry run may ask for. */
export const MAX_PROBE_CODES = 10;

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
/** A switched-on runtime registration that is not routed, and why. */
export interface UnroutedRegistration {
  id: string;
  version: number;
  /**
   * Sealed with a key not configured, no longer valid (e.g. a kind removed), in conflict, or
   * quarantined (expressions unsafe under the current rules, or kept stopped by their limits).
   */
  problem: 'unreadable' | 'invalid' | 'conflict' | 'quarantined';
  /** Words for the log (field paths, key ids; never a secret). */
  detail: string;
}

export class RegistrationService {
  private runtime: StoredRegistration[] = [];
  /** Switched-on runtime registrations not routed at the last reload, and why. */
  private unrouted: UnroutedRegistration[] = [];
  /** Why the last reload could not read the store; null when it could. */
  private storeError: string | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private pending = false;
  /** Quarantines being stored from this replica (`id@version`). */
  private readonly quarantining = new Set<string>();
  private readonly unsubscribe: () => void;
  private readonly access: RegistrationAccess;
  private readonly views: RegistrationViews;

  constructor(
    private readonly deps: RegistrationServiceDeps,
    private readonly statics: readonly Registration[],
  ) {
    this.access = new RegistrationAccess(deps.store, statics);
    this.views = new RegistrationViews({
      store: deps.store,
      statics,
      access: this.access,
      latest: () => this.runtime,
    });
    this.unsubscribe = deps.store.onChange(() => void this.reload());
  }

  /** Loads the runtime registrations and routes to them with the static ones. */
  async start(): Promise<void> {
    await this.reload();
  }

  close(): void {
    this.unsubscribe();
  }

  /** Reloads from the store (serialised; a change during a reload triggers one more). */
  reload(): Promise<void> {
    if (this.pending) return this.reloading;
    this.pending = true;
    this.reloading = this.reloading.then(async () => {
      this.pending = false;
      try {
        await this.apply(await this.deps.store.latest());
        this.storeError = null;
      } catch (error) {
        this.storeError = (error as Error).message;
        this.deps.logger.error({ err: this.storeError }, 'registry reload failed');
      }
    });
    return this.reloading;
  }

  /**
   * For /readyz: runtime registrations switched on but not routed (unreadable with the configured
   * secrets keys, no longer valid, or in conflict with another), and a store that cannot be read
   * (routing then stays as it was).
   */
  health(): { unrouted: readonly UnroutedRegistration[]; storeError: string | null } {
    return { unrouted: this.unrouted, storeError: this.storeError };
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

  /**
   * A dry run: the document is validated as for saving (scope, addresses), a connector is built
   * from it without registering it, and it fetches the given dossiers and the first catalogue
   * page. Nothing is stored. `********` secrets are taken from the stored connector of that id.
   */
  async test(
    principal: Principal,
    text: string,
    codes: readonly string[],
  ): Promise<RegistryResult<ProbeReport>> {
    if (codes.length > MAX_PROBE_CODES)
      return invalid([`codes: at most ${MAX_PROBE_CODES} in one dry run, got ${codes.length}`]);
    const parsed = readRegistrationText(text);
    if (!parsed.ok) return parsed;
    const id = documentId(parsed.value);
    const stored = isRegistrationId(id) ? (await this.deps.store.history(id)).at(-1) : undefined;
    const known =
      stored !== undefined && !stored.deleted && visibleTo(principal, storedClaim(stored));
    const kept = keepSecrets(this.deps.secrets, parsed.value, known ? stored.document : null);
    if (!kept.ok) return kept;
    const document = kept.value;
    const checked = validateRegistration(this.deps.kinds, document, {
      type: 'runtime',
      version: 0,
      enabled: true,
      updatedAt: '',
      updatedBy: '',
    });
    if (!checked.ok) return checked;
    const scope = scopeProblem(principal, checked.value);
    if (scope !== null) return forbidden(scope);
    const unreachable = await this.networkProblems(checked.value);
    if (unreachable.length > 0) return invalid(unreachable);
    const kind = this.deps.kinds.get(checked.value.kind) as ConnectorKind<unknown>;
    const stopped = new Map<string, ProbeReport['expressionLimits'][number]>();
    const runtime = ConnectorRuntime.create(checked.value, kind, {
      logger: this.deps.logger,
      now: this.deps.now,
      network: this.deps.network,
      onExpression: (_registration, error) => {
        if (error === null) return;
        const entry = stopped.get(error.message) ?? {
          limit: error.limit,
          message: error.message,
          count: 0,
        };
        entry.count += 1;
        stopped.set(error.message, entry);
      },
    });
    try {
      const budget = 10_000;
      const call = {
        requestId: `probe-${id}`,
        signal: AbortSignal.timeout(budget),
        deadline: Date.now() + budget,
      };
      const outcomes = codes.length === 0 ? [] : await runtime.getDossiers(codes, call);
      const found = outcomes.flatMap((outcome) =>
        outcome.kind === 'found' ? [outcome.dossier] : [],
      );
      let catalogue: ProbeReport['catalogue'] = null;
      if (runtime.servesProcedures) {
        const page = await runtime.listProcedures(null, call);
        catalogue =
          'error' in page
            ? { entries: 0, codes: [], error: page.error }
            : {
                entries: page.procedures.length,
                codes: page.procedures.slice(0, 10).map((procedure) => procedure.code),
                error: null,
              };
      }
      const warnings = new Map<string, { field: string; problem: string; count: number }>();
      for (const dossier of found) {
        for (const warning of dossier.warnings) {
          // Counted by field and problem; the value itself (maybe personal data) is not kept.
          const problem = warning.problem.replace(/"[^"]*"/g, '"…"');
          const key = `${warning.field}\u0000${problem}`;
          const entry = warnings.get(key) ?? { field: warning.field, problem, count: 0 };
          entry.count += 1;
          warnings.set(key, entry);
        }
      }
      return {
        ok: true,
        value: {
          connector: id,
          dossiers: codes.map((code, index) => {
            const outcome = outcomes[index];
            return {
              code,
              found: outcome?.kind === 'found',
              error:
                outcome?.kind === 'error'
                  ? outcome.error
                  : outcome?.kind === 'notFound'
                    ? errorDetail('DOSSIER_NOT_FOUND', `${id} has no dossier ${code}`, id)
                    : null,
            };
          }),
          fieldsFilled: fieldsFilled(found),
          unmappedStatuses: [
            ...new Set(
              found
                .filter((dossier) => dossier.status.code === null)
                .map((dossier) => dossier.status.raw ?? ''),
            ),
          ],
          warnings: [...warnings.values()],
          sample: found[0] === undefined ? null : maskDossier(found[0]),
          catalogue,
          expressionLimits: [...stopped.values()],
        },
      };
    } finally {
      await runtime.close();
    }
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
    const kept = keepSecrets(this.deps.secrets, plain, change.previous?.document ?? null);
    if (!kept.ok) return kept;
    const withSecrets = kept.value;
    const id = documentId(withSecrets);
    const checked = validateRegistration(this.deps.kinds, withSecrets, {
      type: 'runtime',
      version: expectedVersion + 1,
      enabled: change.enabled,
      updatedAt: '',
      updatedBy: '',
    });
    if (!checked.ok) return checked;
    const scope = scopeProblem(principal, checked.value);
    if (scope !== null) return forbidden(scope);
    const unreachable = await this.networkProblems(checked.value);
    if (unreachable.length > 0) return invalid(unreachable);
    const record: StoredRegistration = {
      id,
      version: expectedVersion + 1,
      enabled: change.enabled,
      deleted: false,
      document: sealSecrets(this.deps.secrets, withSecrets),
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
      const problems = this.conflicts(record);
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
    await this.reload();
    return { ok: true, value: runtimeView(record) };
  }

  /** Every upstream address of a registration, checked against the network policy. */
  private async networkProblems(registration: Registration): Promise<string[]> {
    const targets: Array<[string, string]> = [['upstream.baseUrl', registration.upstream.baseUrl]];
    const auth = registration.upstream.auth;
    if (auth.type === 'oauth2ClientCredentials')
      targets.push(['upstream.auth.tokenUrl', auth.tokenUrl]);
    const problems: string[] = [];
    for (const [path, url] of targets) {
      const refused = await this.deps.network.check(new URL(url).hostname);
      if (refused !== null) problems.push(`${path}: ${refused}`);
    }
    return problems;
  }

  /** Problems of `record` among the static and the other switched-on runtime registrations. */
  private conflicts(record: StoredRegistration): string[] {
    const read = this.read(record);
    if (!('registration' in read)) return [`(document): ${read.problem}: ${read.detail}`];
    const candidate = read.registration;
    const others = this.active().filter((registration) => registration.id !== record.id);
    // A quarantined registration is not routed, but its coverage stays its own: a new version of
    // it takes it back, and no other registration may take it meanwhile.
    const held = CoverageIndex.conflicts([
      ...this.quarantinedClaims().filter((claim) => claim.id !== record.id),
      candidate,
    ]).map(
      (conflict) =>
        `coverage: ${conflict.key} is held by the quarantined registration "${conflict.first}"`,
    );
    return [
      ...crossCheck([...others, candidate])
        .filter((problem) => problem.file.includes(record.id) || problem.path === 'coverage')
        .map((problem) => `${problem.path}: ${problem.message}`),
      ...held,
    ];
  }

  /** The coverage of the switched-on runtime registrations that are quarantined. */
  private quarantinedClaims(): Array<{ id: string; coverage: Coverage }> {
    return this.unrouted
      .filter((entry) => entry.problem === 'quarantined')
      .flatMap((entry) => {
        const stored = this.runtime.find((candidate) => candidate.id === entry.id);
        const coverage = coverageSchema.safeParse(
          (stored?.document as { coverage?: unknown } | undefined)?.coverage,
        );
        return coverage.success ? [{ id: entry.id, coverage: coverage.data }] : [];
      });
  }

  private active(): Registration[] {
    return [
      ...this.statics,
      ...this.runtime
        .filter((stored) => stored.enabled && !stored.deleted)
        .flatMap((stored) => this.toRegistration(stored) ?? []),
    ];
  }

  private toRegistration(stored: StoredRegistration): Registration | null {
    const read = this.read(stored);
    return 'registration' in read ? read.registration : null;
  }

  private read(
    stored: StoredRegistration,
  ): { registration: Registration } | Pick<UnroutedRegistration, 'problem' | 'detail'> {
    if (stored.quarantine) return { problem: 'quarantined', detail: stored.quarantine.reason };
    try {
      const document = openSecrets(this.deps.secrets, stored.document);
      const parsed = parseRegistrationDocument(
        document,
        stored.id,
        { kinds: this.deps.kinds, variables: {} },
        {
          type: 'runtime',
          version: stored.version,
          enabled: stored.enabled,
          updatedAt: stored.updatedAt,
          updatedBy: stored.updatedBy,
        },
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

  /** Routes to the static and switched-on runtime registrations that fit together. */
  private async apply(latest: StoredRegistration[]): Promise<void> {
    const before = new Map(
      this.deps.registry.registrations().map((r) => [r.id, JSON.stringify(r)]),
    );
    this.runtime = latest;
    const accepted: Registration[] = [...this.statics];
    const unrouted: UnroutedRegistration[] = [];
    for (const stored of latest) {
      if (!stored.enabled || stored.deleted) continue;
      const read = this.read(stored);
      if (!('registration' in read)) {
        unrouted.push({ id: stored.id, version: stored.version, ...read });
        continue;
      }
      // A registration racing another replica's into the same coverage: the first one wins here,
      // and the other is reported rather than half-applied.
      const problems = crossCheck([...accepted, read.registration]);
      if (problems.length > 0) {
        unrouted.push({
          id: stored.id,
          version: stored.version,
          problem: 'conflict',
          detail: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        });
        continue;
      }
      accepted.push(read.registration);
    }
    for (const problem of unrouted) {
      if (!this.unrouted.some((u) => u.id === problem.id && u.version === problem.version))
        this.deps.logger.error({ ...problem }, 'runtime registration not routed');
      // Unsafe under the current rules but not yet marked: marked once, by whichever replica
      // stores it first (the store's compare-and-set), audited there. Not awaited: storing it
      // reloads, and this is a reload.
      const stored = latest.find((candidate) => candidate.id === problem.id);
      if (problem.problem === 'quarantined' && !stored?.quarantine)
        void this.quarantine(problem.id, problem.version, `unsafe expressions: ${problem.detail}`);
    }
    this.unrouted = unrouted;
    await this.deps.registry.replaceAll(accepted);
    const changed = accepted
      .filter((registration) => before.get(registration.id) !== JSON.stringify(registration))
      .map((registration) => registration.id);
    if (changed.length > 0) this.deps.onChanged?.(changed);
  }
}

/** The national fields worth filling, and how many found dossiers have a value in each. */
function fieldsFilled(found: readonly NationalDossier[]): ProbeReport['fieldsFilled'] {
  const fields: Array<[string, (dossier: NationalDossier) => unknown]> = [
    ['procedureCode', (d) => d.procedureCode],
    ['procedureName', (d) => d.procedureName],
    ['fieldCode', (d) => d.fieldCode],
    ['fieldName', (d) => d.fieldName],
    ['agencyCode', (d) => d.agencyCode],
    ['agencyName', (d) => d.agencyName],
    ['channel', (d) => d.channel],
    ['applicant.name', (d) => d.applicant.name],
    ['applicant.type', (d) => d.applicant.type],
    ['applicant.ids', (d) => (d.applicant.ids.length > 0 ? d.applicant.ids : null)],
    ['applicant.phone', (d) => d.applicant.phone],
    ['applicant.email', (d) => d.applicant.email],
    ['applicant.address', (d) => d.applicant.address],
    ['summary', (d) => d.summary],
    ['files', (d) => (d.files.length > 0 ? d.files : null)],
    ['receivedAt', (d) => d.receivedAt],
    ['dueAt', (d) => d.dueAt],
    ['finishedAt', (d) => d.finishedAt],
    ['returnedAt', (d) => d.returnedAt],
    ['status', (d) => d.status.code],
    ['history', (d) => (d.history.length > 0 ? d.history : null)],
    ['fees', (d) => (d.fees.length > 0 ? d.fees : null)],
    ['results', (d) => (d.results.length > 0 ? d.results : null)],
    ['supplements', (d) => (d.supplements.length > 0 ? d.supplements : null)],
  ];
  return fields.map(([field, read]) => ({
    field,
    filled: found.filter((dossier) => {
      const value = read(dossier);
      return value !== null && value !== undefined && value !== '';
    }).length,
    of: found.length,
  }));
}
