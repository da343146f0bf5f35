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
  /**
   * How the agency reports statuses, when it is lossy: national code → the other codes it may
   * stand for (`{ 9: [5, 6, 8] }`: it reports 5, 6 and 8 as 9), for it and its units; whichever
   * system answers (agencyStatusMeaning.ts).
   */
  lossyStatuses?: Readonly<Record<string, readonly number[]>> | null;
}

export interface AgencyFilter {
  /** Diacritic-insensitive words that must all occur in the name or the code. */
  search?: string | undefined;
  level?: number | undefined;
  parent?: string | undefined;
  /** Only agencies valid on this date (yyyy-MM-dd). */
  activeOn?: string | undefined;
}

/** Everything a lookup reads, built from one list of agencies and replaced whole. */
interface DirectoryState {
  readonly byCode: ReadonlyMap<string, Agency>;
  readonly sorted: readonly Agency[];
  readonly folded: ReadonlyMap<string, string>;
  readonly children: ReadonlyMap<string, readonly Agency[]>;
  readonly predecessorsOf: ReadonlyMap<string, readonly Agency[]>;
  readonly hasLossyStatuses: boolean;
}

/**
 * The agency directory: temporal records with successors (the 2025 mergers closed every district
 * code and many province and ministry codes; old dossiers keep them forever). In memory; lookups
 * are by exact code after expanding short forms.
 *
 * One object for the life of the process, held by every consumer (routing, working time,
 * reports, traces, pushes): when administrators change the directory at runtime, `replace` swaps
 * its contents in one assignment, so each consumer sees the new directory at its next lookup
 * without being handed a new object, and never half of a change.
 */
export class AgencyDirectory {
  private state: DirectoryState;
  private current: object = {};

  constructor(agencies: readonly Agency[]) {
    this.state = indexAgencies(agencies);
  }

  /**
   * Swaps the contents for `agencies` (already checked whole: src/services/agencies). A
   * synchronous caller never sees a mix; `list` keeps the contents it started with.
   */
  replace(agencies: readonly Agency[]): void {
    this.state = indexAgencies(agencies);
    this.current = {};
  }

  /** Whether any agency declares `lossyStatuses` (when none does, nothing needs marking). */
  get hasLossyStatuses(): boolean {
    return this.state.hasLossyStatuses;
  }

  /** An object replaced by every `replace`: answers kept under one are stale under the next. */
  get generation(): object {
    return this.current;
  }

  get size(): number {
    return this.state.byCode.size;
  }

  get(code: string): Agency | undefined {
    return this.state.byCode.get(canonicalAgencyCode(code));
  }

  childrenOf(code: string): readonly Agency[] {
    return this.state.children.get(code) ?? [];
  }

  predecessors(code: string): readonly Agency[] {
    return this.state.predecessorsOf.get(code) ?? [];
  }

  /** Agencies matching the filter, ordered by code. */
  *list(filter: AgencyFilter): Generator<Agency> {
    const state = this.state;
    const words =
      filter.search === undefined ? [] : foldText(filter.search).split(' ').filter(Boolean);
    for (const agency of state.sorted) {
      if (filter.level !== undefined && agency.level !== filter.level) continue;
      if (filter.parent !== undefined && agency.parent !== canonicalAgencyCode(filter.parent))
        continue;
      if (filter.activeOn !== undefined && !isValidOn(agency, filter.activeOn)) continue;
      if (words.length > 0) {
        const haystack = state.folded.get(agency.code) as string;
        if (!words.every((word) => haystack.includes(word))) continue;
      }
      yield agency;
    }
  }
}

function indexAgencies(agencies: readonly Agency[]): DirectoryState {
  return {
    byCode: new Map(agencies.map((agency) => [agency.code, agency])),
    sorted: [...agencies].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    // Name, code and short form (`H56.22`) are all searchable.
    folded: new Map(
      agencies.map((agency) => [
        agency.code,
        `${foldText(agency.name)} ${agency.code.toLowerCase()} ${shortForm(agency.code).toLowerCase()}`,
      ]),
    ),
    children: groupBy(agencies, (agency) => (agency.parent === null ? [] : [agency.parent])),
    predecessorsOf: groupBy(agencies, (agency) => agency.successors.map((s) => s.code)),
    hasLossyStatuses: agencies.some((agency) => Boolean(agency.lossyStatuses)),
  };
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
