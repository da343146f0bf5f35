import type { NationalStatusCode, StatusValue } from '../model';
import { canonicalAgencyCode, hierarchyKeys } from './agencyCode';

/** How a registration maps its own status vocabulary to the ten national statuses. */
export interface StatusTable {
  /** Upstream value (compared as trimmed text, case-insensitively) → national code. */
  map: ReadonlyMap<string, NationalStatusCode>;
  /**
   * National codes this system reports lossily, with what else each may stand for
   * (connectors/rest-json/README.md, statuses: "9 may stand for 5, 6 or 8").
   */
  lossy: ReadonlyMap<NationalStatusCode, readonly NationalStatusCode[]>;
  /**
   * The tables of some agencies and their units (`statuses.byAgency`), by hierarchy key (`H56.12.21`)
   * or, for codes outside the standard form, the code itself; chosen by `statusTableFor`.
   */
  byAgency?: ReadonlyMap<string, StatusTable>;
}

/** One `statuses.byAgency` entry: what differs from the registration's table for some agencies. */
export interface AgencyStatuses {
  /** Agency codes or hierarchy keys; each covers its units. */
  agencies: readonly string[];
  /** Entries added to the registration's table, or replacing its entries for the same value. */
  map: Record<string, number>;
  /** When given, replaces the registration's lossy declarations (`{}`: nothing lossy there). */
  lossy?: Record<string, readonly number[]> | undefined;
}

export const NATIONAL_STATUS_CODES: readonly NationalStatusCode[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The identity table for systems that already send national codes ("1" … "10"). */
export function nationalStatusTable(
  lossy: ReadonlyMap<NationalStatusCode, readonly NationalStatusCode[]> = new Map(),
): StatusTable {
  return { map: new Map(NATIONAL_STATUS_CODES.map((code) => [String(code), code])), lossy };
}

export function createStatusTable(
  entries: Record<string, number>,
  lossy: Record<string, readonly number[]>,
  byAgency: readonly AgencyStatuses[] = [],
): StatusTable {
  const table: StatusTable = {
    map: new Map(
      Object.entries(entries).map(([raw, code]) => [tableKey(raw), code as NationalStatusCode]),
    ),
    lossy: new Map(
      Object.entries(lossy).map(([code, mayBe]) => [
        Number(code) as NationalStatusCode,
        mayBe as NationalStatusCode[],
      ]),
    ),
  };
  if (byAgency.length === 0) return table;
  const tables = new Map<string, StatusTable>();
  for (const variant of byAgency) {
    const own = createStatusTable({ ...entries, ...variant.map }, variant.lossy ?? lossy);
    for (const agency of variant.agencies) tables.set(agencyKey(agency), own);
  }
  return { ...table, byAgency: tables };
}

/** How an agency is named in `statuses.byAgency`: its most specific hierarchy key, else itself. */
export function agencyKey(agency: string): string {
  return hierarchyKeys(agency)[0] ?? canonicalAgencyCode(agency);
}

/**
 * The table for a dossier of this agency: that of the most specific agency or unit above it
 * declared in `statuses.byAgency`, else the registration's own.
 */
export function statusTableFor(table: StatusTable, agency: string | null): StatusTable {
  const tables = table.byAgency;
  if (tables === undefined || agency === null) return table;
  for (const key of hierarchyKeys(agency)) {
    const found = tables.get(key);
    if (found !== undefined) return found;
  }
  return tables.get(canonicalAgencyCode(agency)) ?? table;
}

/**
 * Maps one upstream status; an unmapped value keeps its raw text and is marked lossy. The values
 * a table meets are few and repeat on every history step: each is built once per table and shared,
 * frozen (a bulk answer's dossiers then hold one object per status, not one per step).
 */
export function mapStatus(raw: string, table: StatusTable): StatusValue {
  let seen = mappedStatuses.get(table);
  if (seen === undefined) {
    seen = new Map();
    mappedStatuses.set(table, seen);
  }
  let status = seen.get(raw);
  if (status === undefined) {
    status = Object.freeze(buildStatus(raw, table));
    // A system sending endless different values is not remembered past this many.
    if (seen.size < MAX_REMEMBERED_STATUSES) seen.set(raw, status);
  }
  return status;
}

const MAX_REMEMBERED_STATUSES = 1000;
const NO_OTHERS: readonly NationalStatusCode[] = Object.freeze([]);
const mappedStatuses = new WeakMap<StatusTable, Map<string, StatusValue>>();

function buildStatus(raw: string, table: StatusTable): StatusValue {
  const code = table.map.get(tableKey(raw)) ?? null;
  if (code === null) return { code: null, raw, lossy: true, mayBe: NO_OTHERS };
  const others = table.lossy.get(code);
  if (others === undefined) return { code, raw, lossy: false, mayBe: NO_OTHERS };
  const mayBe = [...new Set([code, ...others])].sort((a, b) => a - b);
  return { code, raw, lossy: true, mayBe: Object.freeze(mayBe) };
}

/** Values compare as NFC, trimmed, lower case: "Đang xử lý" sent decomposed still matches. */
export function tableKey(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase();
}
