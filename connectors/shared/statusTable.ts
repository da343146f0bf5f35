import type { NationalStatusCode, StatusValue } from '../model';

/** How a registration maps its own status vocabulary to the ten national statuses. */
export interface StatusTable {
  /** Upstream value (compared as trimmed text, case-insensitively) → national code. */
  map: ReadonlyMap<string, NationalStatusCode>;
  /**
   * National codes this system reports lossily, with what else each may stand for
   * (connectors/rest-json/README.md, statuses: "9 may stand for 5, 6 or 8").
   */
  lossy: ReadonlyMap<NationalStatusCode, readonly NationalStatusCode[]>;
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
): StatusTable {
  return {
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
