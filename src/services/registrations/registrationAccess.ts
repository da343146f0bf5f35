import type { Principal } from '../../auth/Principal';
import { hierarchyKeys, isAgencyCode } from '../../../connectors/shared/agencyCode';
import { compileDossierCodePattern } from '../../domain/dossierCodePattern';
import type { Registration } from '../../registry/Registration';
import type { RegistrationStore, StoredRegistration } from '../../registry/RegistrationStore';
import { isRegistrationId } from './registrationDocument';
import { conflict, notFound, stale, type RegistryResult } from './registrationResults';

/** What a registration claims, as access is decided on it: its id and the coverage it names. */
export interface RegistrationClaim {
  id: string;
  coverage: { units: string[]; agencies: string[]; dossierCodePattern: string | null };
}

/**
 * A stored version's claim, read leniently from its document: a version stored under older rules
 * may no longer validate, and its owner must still see it to fix it.
 */
export function storedClaim(stored: StoredRegistration): RegistrationClaim {
  const coverage = (stored.document as { coverage?: Record<string, unknown> }).coverage;
  return {
    id: stored.id,
    coverage: {
      units: stringList(coverage?.units),
      agencies: stringList(coverage?.agencies),
      dossierCodePattern:
        typeof coverage?.dossierCodePattern === 'string' ? coverage.dossierCodePattern : null,
    },
  };
}

/**
 * Whether a principal may see (and, for runtime ones, change) a connector. A province-IT key may
 * when it is one of its connectors, or all of its coverage lies within its agencies; a pattern
 * route only when the pattern is confined to that coverage (`patternProblem`), never one that
 * could match any code. Admins see everything, other roles nothing.
 */
export function visibleTo(principal: Principal, claim: RegistrationClaim): boolean {
  if (principal.role === 'admin') return true;
  if (principal.role !== 'province-it') return false;
  if (principal.connectors.includes(claim.id)) return true;
  const { units, agencies, dossierCodePattern } = claim.coverage;
  if (dossierCodePattern !== null && patternProblem(claim.coverage) !== null) return false;
  if (units.length + agencies.length === 0) return false;
  return (
    units.every((unit) => unitInScope(principal, unit)) &&
    agencies.every((code) => agencyInScope(principal, code))
  );
}

/** Why a province-IT principal may not register this coverage, or null. */
export function scopeProblem(principal: Principal, registration: Registration): string | null {
  if (principal.role === 'admin') return null;
  const { units, agencies, dossierCodePattern } = registration.coverage;
  if (dossierCodePattern !== undefined) {
    const problem = patternProblem({ units, agencies, dossierCodePattern });
    if (problem !== null) return `coverage.dossierCodePattern: ${problem}`;
  }
  const outside = [
    ...units.filter((unit) => !unitInScope(principal, unit)),
    ...agencies.filter((code) => !agencyInScope(principal, code)),
  ];
  if (outside.length > 0) {
    return `coverage: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the scope of ${principal.name} (${principal.agencies.join(', ') || 'no agencies'})`;
  }
  return null;
}

/**
 * Which stored registration a caller may read or change. Static registrations (files) are
 * reviewed deployment configuration: nobody changes them at runtime, and an id is one or the
 * other.
 */
export class RegistrationAccess {
  constructor(
    private readonly store: RegistrationStore,
    private readonly statics: readonly Registration[],
  ) {}

  /** The refusal for a change to a static registration's id, or null when the id is not one. */
  staticConflict(id: string): RegistryResult<never> | null {
    return this.statics.some((registration) => registration.id === id)
      ? conflict(`"${id}" is a static registration (a file); it cannot be changed at runtime`)
      : null;
  }

  /**
   * The latest version of a runtime registration the principal may change, provided it is still
   * the `version` the caller read. One it may not see is "not found", as one that does not exist.
   */
  async changeable(
    principal: Principal,
    id: string,
    version: number,
  ): Promise<RegistryResult<StoredRegistration>> {
    const refused = this.staticConflict(id);
    if (refused !== null) return refused;
    if (!isRegistrationId(id)) return notFound(id);
    const latest = (await this.store.history(id)).at(-1);
    if (latest === undefined || latest.deleted) return notFound(id);
    if (!visibleTo(principal, storedClaim(latest))) return notFound(id);
    if (latest.version !== version) return stale(id, version, latest.version);
    return { ok: true, value: latest };
  }

  /**
   * Whether the principal may see the latest stored version of `id`, deleted or not: the history
   * of a connector it deleted stays readable to it.
   */
  async seesLatestStored(principal: Principal, id: string): Promise<boolean> {
    const latest = (await this.store.history(id)).at(-1);
    return latest !== undefined && visibleTo(principal, storedClaim(latest));
  }
}

/**
 * Why a dossier-code pattern is not confined to its registration's coverage, or null: it must name
 * each code's agency (`(?<agency>…)`) and the registration must declare its agencies or units, so
 * that only codes naming one of them route there (CoverageIndex.matchPattern). Without both, a
 * pattern could take any code, and only an administrator may set it.
 */
function patternProblem(coverage: {
  units: readonly string[];
  agencies: readonly string[];
  dossierCodePattern: string | null | undefined;
}): string | null {
  let namesAgency: boolean;
  try {
    namesAgency = compileDossierCodePattern(coverage.dossierCodePattern ?? '').namesAgency;
  } catch {
    return 'not a pattern the gateway can run';
  }
  if (!namesAgency)
    return "a pattern set without an administrator key must name each code's agency with the group (?<agency>…); only an administrator may route codes by pattern alone";
  if (coverage.units.length + coverage.agencies.length === 0)
    return 'a pattern set without an administrator key needs coverage.agencies or coverage.units: codes route here only when their agency is one of them';
  return null;
}

function unitInScope(principal: Principal, unit: string): boolean {
  return principal.agencies.some((scope) => unit === scope || unit.startsWith(`${scope}.`));
}

function agencyInScope(principal: Principal, code: string): boolean {
  if (principal.agencies.includes(code)) return true;
  return isAgencyCode(code) && hierarchyKeys(code).some((key) => principal.agencies.includes(key));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}
