import { hierarchyKeys } from '../../connectors/shared/agencyCode';

/** What a registration covers: exact agency codes, hierarchy keys, or a dossier-code pattern. */
export interface Coverage {
  agencies: readonly string[];
  units: readonly string[];
  dossierCodePattern?: string | undefined;
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
  regex: RegExp;
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

  constructor(registrations: readonly Covering[]) {
    for (const { id, coverage } of registrations) {
      for (const code of coverage.agencies)
        if (!this.exactCodes.has(code)) this.exactCodes.set(code, id);
      for (const key of coverage.units) if (!this.units.has(key)) this.units.set(key, id);
      if (coverage.dossierCodePattern !== undefined) {
        this.patterns.push({ id, regex: new RegExp(`^(?:${coverage.dossierCodePattern})$`, 'u') });
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

  /** The first registration whose dossier-code pattern matches, with its `agency` group if any. */
  matchPattern(code: string): { id: string; agencyCode: string | undefined } | undefined {
    for (const { id, regex } of this.patterns) {
      const match = regex.exec(code);
      if (match !== null) return { id, agencyCode: match.groups?.agency };
    }
    return undefined;
  }
}
