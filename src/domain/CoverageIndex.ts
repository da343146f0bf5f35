import {
  canonicalAgencyCode,
  hierarchyKeys,
  isAgencyCode,
} from '../../connectors/shared/agencyCode';
import { compileDossierCodePattern, type DossierCodePattern } from './dossierCodePattern';
import { upperCaseCode, type CodeCase } from './dossierKey';

/** What a registration covers: exact agency codes, hierarchy keys, or a dossier-code pattern. */
export interface Coverage {
  agencies: readonly string[];
  units: readonly string[];
  dossierCodePattern?: string | undefined;
  /** How the registration reads the case of its codes; absent: letter for letter. */
  codes?: CodeCase | undefined;
}

interface Covering {
  id: string;
  coverage: Coverage;
}

export interface CoverageConflict {
  key: string;
  first: string;
  second: string;
}

interface Pattern {
  id: string;
  pattern: DossierCodePattern;
  /** The registration's agencies and units, when it declares any: the codes it may be given. */
  within: Coverage | null;
}

/**
 * Which registration covers which agency. Exact codes and hierarchy keys live in maps, so a lookup
 * costs one probe per hierarchy level whatever the number of registrations. Dossier-code patterns,
 * for systems with non-standard codes, are tried in order and only for codes outside the standard
 * form.
 */
export class CoverageIndex {
  private readonly exactCodes = new Map<string, string>();
  private readonly units = new Map<string, string>();
  private readonly patterns: Pattern[] = [];
  private readonly codeCases = new Map<string, CodeCase>();

  constructor(registrations: readonly Covering[]) {
    for (const { id, coverage } of registrations) {
      if (coverage.codes !== undefined) this.codeCases.set(id, coverage.codes);
      for (const code of coverage.agencies)
        if (!this.exactCodes.has(code)) this.exactCodes.set(code, id);
      for (const key of coverage.units) if (!this.units.has(key)) this.units.set(key, id);
      if (coverage.dossierCodePattern !== undefined) {
        this.patterns.push({
          id,
          pattern: compileDossierCodePattern(
            coverage.dossierCodePattern,
            coverage.codes?.caseInsensitive === true,
          ),
          within: coverage.agencies.length + coverage.units.length > 0 ? coverage : null,
        });
      }
    }
  }

  /** Coverage keys claimed twice: each is one registration's, and a second claim is refused. */
  static conflicts(registrations: readonly Covering[]): CoverageConflict[] {
    const conflicts: CoverageConflict[] = [];
    const owners = new Map<string, string>();
    for (const { id, coverage } of registrations) {
      const keys = [
        ...coverage.agencies.map((code) => `agency ${code}`),
        ...coverage.units.map((key) => `unit ${key}`),
      ];
      for (const key of keys) {
        const first = owners.get(key);
        if (first !== undefined && first !== id) conflicts.push({ key, first, second: id });
        else owners.set(key, id);
      }
    }
    return conflicts;
  }

  /** How a registration reads the case of its codes (undefined: letter for letter). */
  codeCase(id: string): CodeCase | undefined {
    return this.codeCases.get(id);
  }

  /** The registration listing this exact agency code. */
  exact(agencyCode: string): string | undefined {
    return this.exactCodes.get(agencyCode);
  }

  /** The registration covering the code's most specific hierarchy key. */
  byHierarchy(agencyCode: string): string | undefined {
    for (const key of hierarchyKeys(agencyCode)) {
      const id = this.units.get(key);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /**
   * The first registration whose dossier-code pattern matches the whole code, with the agency its
   * `agency` group names (standard form). A registration that declares agencies or units is given
   * only the codes whose named agency is among them (or their units): a pattern set with a
   * province-IT key cannot reach codes outside that key's scope. The pattern of a registration
   * whose codes are case-insensitive matches letters in either case, and its agency is read
   * upper-cased.
   */
  matchPattern(code: string): { id: string; agencyCode: string | undefined } | undefined {
    for (const { id, pattern, within } of this.patterns) {
      const match = pattern.match(code);
      if (match === null) continue;
      if (match.agency === undefined) return { id, agencyCode: undefined };
      const named =
        this.codeCases.get(id)?.caseInsensitive === true
          ? upperCaseCode(match.agency)
          : match.agency;
      const agencyCode = isAgencyCode(named) ? canonicalAgencyCode(named) : named;
      if (within !== null && !covers(within, agencyCode)) continue;
      return { id, agencyCode };
    }
    return undefined;
  }
}

/** Whether an agency is one of the coverage's codes or a unit below one of its hierarchy keys. */
function covers(coverage: Coverage, agencyCode: string): boolean {
  return (
    coverage.agencies.includes(agencyCode) ||
    hierarchyKeys(agencyCode).some((key) => coverage.units.includes(key))
  );
}
