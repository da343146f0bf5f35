import { foldText } from '../../connectors/shared/text';
import { canonicalAgencyCode, shortForm } from '../../connectors/shared/agencyCode';
import type { AgencyTier } from './agencyTier';

/** Đơn vị kế thừa — where a closed agency's work went, from a date, optionally for part of it. */
export interface Successor {
  code: string;
  /** First day the successor holds the work (yyyy-MM-dd). */
  from: string;
  /** Which part of the work, when it was split (e.g. among several communes). */
  scope: string | null;
}

/** One agency in the temporal directory. */
export interface Agency {
  code: string;
  name: string;
  /** Administrative level within its hierarchy: 1 ministry or province, 2 department or district, 3, 4. */
  level: number;
  /** The tier reports group it under, when given; else `agencyTier` decides. */
  tier?: AgencyTier | null;
  parent: string | null;
  /** First day the code is valid (yyyy-MM-dd), or null when unknown. */
  validFrom: string | null;
  /** Last day the code is valid (yyyy-MM-dd), or null while it is in use. */
  validTo: string | null;
  successors: Successor[];
  /** Office hours of its own (`HH:mm` pairs), or null: its parent's, else the default. */
  officeHours?: Array<[string, string]> | null;
}

export interface AgencyFilter {
  /** Diacritic-insensitive words that must all occur in the name or the code. */
  search?: string | undefined;
  level?: number | undefined;
  parent?: string | undefined;
  /** Only agencies valid on this date (yyyy-MM-dd). */
  activeOn?: string | undefined;
}

/**
 * The agency directory: temporal records with successors (the 2025 mergers closed every district
 * code and many province and ministry codes; old dossiers keep them forever). In memory; lookups
 * are by exact code after expanding short forms.
 */
export class AgencyDirectory {
  private readonly byCode: ReadonlyMap<string, Agency>;
  private readonly sorted: readonly Agency[];
  private readonly folded: ReadonlyMap<string, string>;
  private readonly children: ReadonlyMap<string, readonly Agency[]>;
  private readonly predecessorsOf: ReadonlyMap<string, readonly Agency[]>;

  constructor(agencies: readonly Agency[]) {
    this.byCode = new Map(agencies.map((agency) => [agency.code, agency]));
    this.sorted = [...agencies].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    // Name, code and short form (`H56.22`) are all searchable.
    this.folded = new Map(
      agencies.map((agency) => [
        agency.code,
        `${foldText(agency.name)} ${agency.code.toLowerCase()} ${shortForm(agency.code).toLowerCase()}`,
      ]),
    );
    this.children = groupBy(agencies, (agency) => (agency.parent === null ? [] : [agency.parent]));
    this.predecessorsOf = groupBy(agencies, (agency) => agency.successors.map((s) => s.code));
  }

  get size(): number {
    return this.byCode.size;
  }

  get(code: string): Agency | undefined {
    return this.byCode.get(canonicalAgencyCode(code));
  }

  childrenOf(code: string): readonly Agency[] {
    return this.children.get(code) ?? [];
  }

  predecessors(code: string): readonly Agency[] {
    return this.predecessorsOf.get(code) ?? [];
  }

  /** Agencies matching the filter, ordered by code. */
  *list(filter: AgencyFilter): Generator<Agency> {
    const words =
      filter.search === undefined ? [] : foldText(filter.search).split(' ').filter(Boolean);
    for (const agency of this.sorted) {
      if (filter.level !== undefined && agency.level !== filter.level) continue;
      if (filter.parent !== undefined && agency.parent !== canonicalAgencyCode(filter.parent))
        continue;
      if (filter.activeOn !== undefined && !isValidOn(agency, filter.activeOn)) continue;
      if (words.length > 0) {
        const haystack = this.folded.get(agency.code) as string;
        if (!words.every((word) => haystack.includes(word))) continue;
      }
      yield agency;
    }
  }
}

/** Whether the agency's code is valid on a date (yyyy-MM-dd); ISO dates compare as text. */
export function isValidOn(agency: Agency, date: string): boolean {
  return (
    (agency.validFrom === null || agency.validFrom <= date) &&
    (agency.validTo === null || date <= agency.validTo)
  );
}

function groupBy(
  agencies: readonly Agency[],
  keys: (agency: Agency) => string[],
): Map<string, Agency[]> {
  const groups = new Map<string, Agency[]>();
  for (const agency of agencies) {
    for (const key of keys(agency)) {
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [agency]);
      else group.push(agency);
    }
  }
  return groups;
}
