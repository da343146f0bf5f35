import { stringify as stringifyYaml } from 'yaml';
import type { Principal } from '../../auth/Principal';
import type { Registration } from '../../registry/Registration';
import type {
  RegistrationQuarantine,
  RegistrationStore,
  StoredRegistration,
} from '../../registry/RegistrationStore';
import { mapSecrets, REDACTED } from '../../registry/secretBox';
import { storedClaim, visibleTo, type RegistrationAccess } from './registrationAccess';
import { isRegistrationId } from './registrationDocument';
import { notFound, type RegistryResult } from './registrationResults';

/** A registration as a caller may see it: secrets never leave the gateway. */
export interface ConnectorView {
  id: string;
  name: string;
  kind: string;
  origin: 'FILE' | 'RUNTIME';
  version: number | null;
  enabled: boolean;
  coverage: {
    units: string[];
    agencies: string[];
    dossierCodePattern: string | null;
    /** `coverage.codes.caseInsensitive`. */
    codesCaseInsensitive: boolean;
  };
  /** The document as YAML, secrets shown as `********`. */
  document: string;
  updatedAt: string | null;
  updatedBy: string | null;
  /** Set when the gateway will not run this version (docs/resilience.md "Quarantine"); a new version clears it. */
  quarantine: RegistrationQuarantine | null;
}

/** One version of a runtime registration's history, secrets shown as `********`. */
export interface VersionView {
  version: number;
  enabled: boolean;
  deleted: boolean;
  updatedAt: string;
  updatedBy: string;
  note: string | null;
  document: string;
}

/**
 * What the API shows a caller of the registrations: only those it may see (registrationAccess.ts),
 * static and runtime ones in one list by id, runtime ones as of the last reload.
 */
export class RegistrationViews {
  constructor(
    private readonly parts: {
      store: RegistrationStore;
      statics: readonly Registration[];
      access: RegistrationAccess;
      /** The latest stored version of every runtime registration, as of the last reload. */
      latest: () => readonly StoredRegistration[];
    },
  ) {}

  list(principal: Principal): ConnectorView[] {
    const runtime = this.parts
      .latest()
      .filter((stored) => !stored.deleted)
      .map((stored) => runtimeView(stored));
    const statics = this.parts.statics.map((registration) => staticView(registration));
    return [...statics, ...runtime]
      .filter((view) => visibleTo(principal, view))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  get(principal: Principal, id: string): ConnectorView | null {
    return this.list(principal).find((view) => view.id === id) ?? null;
  }

  /** Every stored version of a connector the principal may see, or once saw before deleting it. */
  async versions(principal: Principal, id: string): Promise<RegistryResult<VersionView[]>> {
    if (!isRegistrationId(id)) return notFound(id);
    if (
      this.get(principal, id) === null &&
      !(await this.parts.access.seesLatestStored(principal, id))
    )
      return notFound(id);
    const history = await this.parts.store.history(id);
    return {
      ok: true,
      value: history.map((stored) => ({
        version: stored.version,
        enabled: stored.enabled,
        deleted: stored.deleted,
        updatedAt: stored.updatedAt,
        updatedBy: stored.updatedBy,
        note: stored.note,
        document: redactedYaml(stored.document),
      })),
    };
  }
}

/** A stored version as the API shows it; its document may no longer validate, so read leniently. */
export function runtimeView(stored: StoredRegistration): ConnectorView {
  const document = stored.document as {
    name?: unknown;
    kind?: unknown;
    coverage?: { codes?: { caseInsensitive?: unknown } };
  };
  return {
    id: stored.id,
    name: typeof document.name === 'string' ? document.name : stored.id,
    kind: typeof document.kind === 'string' ? document.kind : '',
    origin: 'RUNTIME',
    version: stored.version,
    enabled: stored.enabled,
    coverage: {
      ...storedClaim(stored).coverage,
      codesCaseInsensitive: document.coverage?.codes?.caseInsensitive === true,
    },
    document: redactedYaml(stored.document),
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
    quarantine: stored.quarantine ?? null,
  };
}

/** A registration file: shown by name and coverage; its text stays on disk, only its file is named. */
function staticView(registration: Registration): ConnectorView {
  return {
    id: registration.id,
    name: registration.name,
    kind: registration.kind,
    origin: 'FILE',
    version: null,
    enabled: true,
    coverage: {
      units: [...registration.coverage.units],
      agencies: [...registration.coverage.agencies],
      dossierCodePattern: registration.coverage.dossierCodePattern ?? null,
      codesCaseInsensitive: registration.coverage.codes?.caseInsensitive === true,
    },
    document: `# ${registration.origin.type === 'file' ? registration.origin.file.split('/').pop() : registration.id}: a static registration, read-only at runtime\n`,
    updatedAt: null,
    updatedBy: null,
    quarantine: null,
  };
}

function redactedYaml(document: Record<string, unknown>): string {
  return stringifyYaml(mapSecrets(document, () => REDACTED));
}
