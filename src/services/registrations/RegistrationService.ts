import type { ConnectorKind, Logger } from '../../../connectors/contract';
import type { Principal } from '../../auth/Principal';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import type { RegistrationStore } from '../../registry/RegistrationStore';
import type { SecretBox } from '../../registry/secretBox';
import type { NetworkPolicy } from '../../runtime/NetworkPolicy';
import type { AuditService } from '../audit/AuditService';
import { checkConformance, type CheckOptions, type ConformanceReport } from './conformanceCheck';
import { dryRun, type ProbeReport } from './probeRegistration';
import { QuarantineMarker } from './QuarantineMarker';
import { RegistrationAccess } from './registrationAccess';
import type { RegistryResult } from './registrationResults';
import { RegistrationRouting } from './RegistrationRouting';
import { RegistrationViews, type ConnectorView, type VersionView } from './registrationViews';
import { RegistrationWrites } from './RegistrationWrites';

export type { RegistryResult } from './registrationResults';

export interface RegistrationServiceDeps {
  store: RegistrationStore;
  registry: ConnectorRegistry;
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>;
  secrets: SecretBox;
  /** Where upstreams may be (SSRF guard), checked on the names as they resolve now. */
  network: NetworkPolicy;
  audit: AuditService;
  logger: Logger;
  now: () => Date;
  /** The agency directory: a conformance check lists the agencies of a registration's units. */
  directory: AgencyDirectory;
  /** Called with the ids whose registration is new or changed (the catalogue syncs them). */
  onChanged?: (ids: string[]) => void;
}

/**
 * Runtime registrations (docs/registering.md): provincial and
 * ministry IT register, update (with the version they read), switch on and off, delete and roll
 * back their connectors without a restart. Static files stay read-only; an id belongs to one or
 * the other. Every change is validated like a file (all problems named by field path), checked
 * against every other registration (ids, coverage), limited to the caller's scope, stored with its
 * secrets sealed (AES-256-GCM), recorded in the audit log, and applied on every replica.
 *
 * The one entry point the resolvers and start-up use; each job is its own part (README.md).
 */
export class RegistrationService {
  private readonly routing: RegistrationRouting;
  private readonly views: RegistrationViews;
  private readonly writes: RegistrationWrites;
  private readonly quarantines: QuarantineMarker;
  /** Registration ids with a conformance check under way on this replica. */
  private readonly checking = new Set<string>();

  constructor(
    private readonly deps: RegistrationServiceDeps,
    statics: readonly Registration[],
  ) {
    this.routing = new RegistrationRouting(
      {
        ...deps,
        quarantine: (id, version, reason) => void this.quarantine(id, version, reason),
      },
      statics,
    );
    const access = new RegistrationAccess(deps.store, statics);
    this.views = new RegistrationViews({
      store: deps.store,
      statics,
      access,
      latest: () => this.routing.latest(),
    });
    this.writes = new RegistrationWrites({ ...deps, access, routing: this.routing });
    this.quarantines = new QuarantineMarker({ ...deps, routing: this.routing });
  }

  /** Loads the runtime registrations and routes to them with the static ones. */
  async start(): Promise<void> {
    await this.routing.reload();
  }

  close(): void {
    this.routing.close();
  }

  /** For /readyz: what is switched on but not routed, and whether the store can be read. */
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

  register(principal: Principal, text: string): Promise<RegistryResult<ConnectorView>> {
    return this.writes.register(principal, text);
  }

  update(
    principal: Principal,
    id: string,
    version: number,
    text: string,
  ): Promise<RegistryResult<ConnectorView>> {
    return this.writes.update(principal, id, version, text);
  }

  setEnabled(
    principal: Principal,
    id: string,
    version: number,
    enabled: boolean,
  ): Promise<RegistryResult<ConnectorView>> {
    return this.writes.setEnabled(principal, id, version, enabled);
  }

  delete(
    principal: Principal,
    id: string,
    version: number,
  ): Promise<RegistryResult<ConnectorView>> {
    return this.writes.delete(principal, id, version);
  }

  rollback(
    principal: Principal,
    id: string,
    version: number,
    toVersion: number,
  ): Promise<RegistryResult<ConnectorView>> {
    return this.writes.rollback(principal, id, version, toVersion);
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
   * A conformance check against the live system (conformanceCheck.ts): a verdict per check,
   * nothing stored; one at a time per registration id.
   */
  check(
    principal: Principal,
    text: string,
    options: CheckOptions,
  ): Promise<RegistryResult<ConformanceReport>> {
    return checkConformance(this.deps, principal, text, options, this.checking);
  }

  /** Marks a stored version quarantined (QuarantineMarker.ts); QuarantineWatch asks for it. */
  quarantine(id: string, version: number, reason: string): Promise<void> {
    return this.quarantines.quarantine(id, version, reason);
  }
}
