import type { NationalStatusCode, StatusValue } from '../model';
import { canonicalAgencyCode, hierarchyKeys } from './agencyCode';

/**
 * One layer of a status table: its own entries and, when it declares them, its own lossy
 * declarations (null: those of the layer beneath).
 */
export interface StatusLayer {
  /** Upstream value (compared as trimmed text, case-insensitively) → national code. */
  map: ReadonlyMap<string, NationalStatusCode>;
  /**
   * National codes this system reports lossily, with what else each may stand for
   * (connectors/rest-json/README.md, statuses: "9 may stand for 5, 6 or 8").
   */
  lossy: ReadonlyMap<NationalStatusCode, readonly NationalStatusCode[]> | null;
}

/**
 * How a registration maps its own status vocabulary to the ten national statuses. Kept as layers,
 * resolved at lookup: a registration's tables are never copied into one another, so a document with
 * many agencies and many record tables costs their sum, not their product.
 */
export interface StatusTable {
  /**
   * Most specific first: the record's table, the agency's, the registration's own (always last,
   * its lossy always given). A value's code is that of the first layer that has it; its lossy
   * declarations those of the first layer that declares any.
   */
  layers: readonly StatusLayer[];
  /**
   * The tables of some agencies and their units (`statuses.byAgency`), by hierarchy key (`H56.12.21`)
   * or, for codes outside the standard form, the code itself; chosen by `statusTableFor`.
   */
  byAgency?: ReadonlyMap<string, StatusTable>;
  /**
   * The layers chosen by a value of the record (`statuses.byRecord`), by that value as a table key
   * (`tableKey`); put by `statusTableFor` on top of the agency's table.
   */
  byRecord?: ReadonlyMap<string, StatusLayer>;
}

/**
 * What differs from the table beneath it: entries added (or replacing those for the same value),
 * and, when given, lossy declarations replacing its own (`{}`: nothing lossy there). A
 * `statuses.byAgency` entry is one for some agencies, a `statuses.byRecord` table one for records
 * whose selected value names it.
 */
export interface StatusVariant {
  map: Record<string, number>;
  lossy?: Record<string, readonly number[]> | undefined;
}

/** One `statuses.byAgency` entry: what differs from the registration's table for some agencies. */
export interface AgencyStatuses extends StatusVariant {
  /** Agency codes or hierarchy keys; each covers its units. */
  agencies: readonly string[];
}

export const NATIONAL_STATUS_CODES: readonly NationalStatusCode[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The identity table for systems that already send national codes ("1" … "10"). */
export function nationalStatusTable(
  lossy: ReadonlyMap<NationalStatusCode, readonly NationalStatusCode[]> = new Map(),
): StatusTable {
  return {
    layers: [{ map: new Map(NATIONAL_STATUS_CODES.map((code) => [String(code), code])), lossy }],
  };
}

/**
 * A registration's tables, built once when it is read. Variants are layers: `map` and `lossy`,
 * then the agency's `byAgency` entry, then the record's `byRecord` table (so a record's table
 * wins over its agency's, which wins over the registration's). Each is built once, on its own;
 * `statusTableFor` stacks them.
 */
export function createStatusTable(
  entries: Record<string, number>,
  lossy: Record<string, readonly number[]>,
  byAgency: readonly AgencyStatuses[] = [],
  byRecord: Readonly<Record<string, StatusVariant>> = {},
): StatusTable {
  const base = layer(entries, lossy);
  const table: StatusTable = { layers: [base] };
  const values = Object.entries(byRecord);
  if (values.length > 0)
    table.byRecord = new Map(
      values.map(([value, variant]) => [tableKey(value), variantLayer(variant)]),
    );
  if (byAgency.length > 0) {
    const tables = new Map<string, StatusTable>();
    for (const variant of byAgency) {
      const agencyTable: StatusTable = { layers: [variantLayer(variant), base] };
      for (const agency of variant.agencies) tables.set(agencyKey(agency), agencyTable);
    }
    table.byAgency = tables;
  }
  return table;
}

function variantLayer(variant: StatusVariant): StatusLayer {
  return layer(variant.map, variant.lossy ?? null);
}

function layer(
  entries: Record<string, number>,
  lossy: Record<string, readonly number[]> | null,
): StatusLayer {
  return {
    map: new Map(
      Object.entries(entries).map(([raw, code]) => [tableKey(raw), code as NationalStatusCode]),
    ),
    lossy:
      lossy === null
        ? null
        : new Map(
            Object.entries(lossy).map(([code, mayBe]) => [
              Number(code) as NationalStatusCode,
              mayBe as NationalStatusCode[],
            ]),
          ),
  };
}

/** How an agency is named in `statuses.byAgency`: its most specific hierarchy key, else itself. */
export function agencyKey(agency: string): string {
  return hierarchyKeys(agency)[0] ?? canonicalAgencyCode(agency);
}

/**
 * The table for a dossier of this agency whose record selected this value (`statuses.byRecord`,
 * null when the registration selects none or the record gave none): the agency's table is that of
 * the most specific agency or unit above it declared in `statuses.byAgency`, else the
 * registration's own; the value's table on top of it, when the value names one.
 */
export function statusTableFor(
  table: StatusTable,
  agency: string | null,
  recordValue: string | null = null,
): StatusTable {
  const chosen = agencyTable(table, agency);
  if (recordValue === null || table.byRecord === undefined) return chosen;
  const key = tableKey(recordValue);
  const recordLayer = table.byRecord.get(key);
  if (recordLayer === undefined) return chosen;
  // The stack for this agency's table and this record table, made once and shared (so its
  // statuses are built once, by `mapStatus`): only the pairs dossiers meet are ever made.
  let stacks = recordStacks.get(chosen);
  if (stacks === undefined) {
    stacks = new Map();
    recordStacks.set(chosen, stacks);
  }
  let stacked = stacks.get(key);
  if (stacked === undefined) {
    stacked = { layers: [recordLayer, ...chosen.layers] };
    stacks.set(key, stacked);
  }
  return stacked;
}

const recordStacks = new WeakMap<StatusTable, Map<string, StatusTable>>();

function agencyTable(table: StatusTable, agency: string | null): StatusTable {
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
  const key = tableKey(raw);
  let code: NationalStatusCode | null = null;
  for (const layer of table.layers) {
    const found = layer.map.get(key);
    if (found !== undefined) {
      code = found;
      break;
    }
  }
  if (code === null) return { code: null, raw, lossy: true, mayBe: NO_OTHERS };
  const others = table.layers.find((layer) => layer.lossy !== null)?.lossy?.get(code);
  if (others === undefined) return { code, raw, lossy: false, mayBe: NO_OTHERS };
  const mayBe = [...new Set([code, ...others])].sort((a, b) => a - b);
  return { code, raw, lossy: true, mayBe: Object.freeze(mayBe) };
}

/** Values compare as NFC, trimmed, lower case: "Đang xử lý" sent decomposed still matches. */
export function tableKey(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase();
}
