import { createHash } from 'node:crypto';

/**
 * The audit log (ARCHITECTURE.md "Audit scope"): who read personal data unmasked, auditors'
 * cross-agency reads, every key, registry or configuration change. Each replica writes its own
 * chain (writer id + sequence); each entry's hash covers its content and the previous hash, so an
 * edited, deleted or reordered entry breaks the chain, and the head (the last sequence and hash,
 * kept apart and logged) shows a truncated one.
 */
export interface AuditEvent {
  /** Principal id (`key:…`, `jwt:…`, `cli`, `gateway`). */
  who: string;
  name: string;
  role: string;
  /** `read.unmasked`, `read.crossAgency`, `key.create`, `key.revoke`, `gateway.start`, … */
  action: string;
  /** The GraphQL operation name and field (`LookupForInspection/dossiers`), or the command. */
  operation: string | null;
  /** Dossier codes read (never personal data). */
  codes: string[];
  /** Other scope: a key id, registration ids, agency scope. */
  scope: string | null;
  /** The purpose the caller stated, for unmasked reads. */
  purpose: string | null;
  /** What happened: `ok`, `refused: …`, or counts (`found 3, errors 1`). */
  outcome: string;
}

export interface AuditRecord extends AuditEvent {
  writer: string;
  seq: number;
  /** ISO 8601, +07:00. */
  at: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of a record: SHA-256 over its fields in a fixed order, and the previous hash. */
/** The next record of `writer`'s chain after `head`: numbered, linked and hashed. */
export function nextRecord(
  event: AuditEvent,
  writer: string,
  head: ChainHead,
  at: string,
): AuditRecord {
  const unsigned = { ...event, writer, seq: head.seq + 1, at, prevHash: head.hash };
  return { ...unsigned, hash: recordHash(unsigned) };
}

export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  const fields = [
    record.writer,
    record.seq,
    record.at,
    record.who,
    record.name,
    record.role,
    record.action,
    record.operation,
    record.codes,
    record.scope,
    record.purpose,
    record.outcome,
    record.prevHash,
  ];
  return createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex');
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Problems in one writer's chain, in words; empty when it verifies. */
export function verifyChain(
  writer: string,
  records: readonly AuditRecord[],
  head: ChainHead | null,
): string[] {
  const problems: string[] = [];
  let previous: ChainHead = { seq: 0, hash: GENESIS_HASH };
  records.forEach((record, index) => {
    const where = `entry ${index + 1} (seq ${record.seq})`;
    if (record.writer !== writer)
      problems.push(`${where}: written by ${record.writer}, not ${writer}`);
    if (record.seq !== previous.seq + 1)
      problems.push(
        `${where}: expected seq ${previous.seq + 1} (an entry is missing or out of order)`,
      );
    if (record.prevHash !== previous.hash)
      problems.push(`${where}: does not follow the entry before it (deleted or reordered)`);
    const { hash, ...rest } = record;
    if (recordHash(rest) !== hash) problems.push(`${where}: its content was changed`);
    previous = { seq: record.seq, hash };
  });
  if (head === null) {
    if (records.length > 0) problems.push('no head: the chain cannot be checked for truncation');
    // Readers list a writer only where one announced itself (the writers' set) or left a file: a
    // writer with nothing at all had its whole chain deleted, or died between announcing itself
    // and its first entry. Either way the log cannot vouch for it.
    else
      problems.push(
        'listed as a writer, but it has no entries and no head: its chain was deleted (or it stopped before its first entry)',
      );
  } else if (head.seq > previous.seq) {
    problems.push(
      `the head says seq ${head.seq}, the chain ends at seq ${previous.seq}: entries were removed from the end`,
    );
  } else if (head.seq < previous.seq) {
    problems.push(
      `the head is behind the chain (seq ${head.seq} of ${previous.seq}): written before a crash, or the head was replaced`,
    );
  } else if (head.hash !== previous.hash) {
    problems.push(`the last entry is not the one the head names: the chain was rewritten`);
  }
  return problems;
}

export interface AuditFilter {
  who?: string;
  action?: string;
  operation?: string;
  code?: string;
  /** ISO 8601 bounds, inclusive. */
  from?: string;
  to?: string;
}

export function matches(record: AuditRecord, filter: AuditFilter): boolean {
  if (filter.who !== undefined && record.who !== filter.who) return false;
  if (filter.action !== undefined && record.action !== filter.action) return false;
  if (filter.operation !== undefined && !(record.operation ?? '').includes(filter.operation))
    return false;
  if (filter.code !== undefined && !record.codes.includes(filter.code)) return false;
  const at = Date.parse(record.at);
  if (filter.from !== undefined && at < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && at > Date.parse(filter.to)) return false;
  return true;
}

/** Where audit records live. */
export interface AuditStore {
  readonly kind: 'file' | 'redis';
  readonly writer: string;
  /** Appends and returns once the record is durable. */
  append(event: AuditEvent, at: string): Promise<AuditRecord>;
  /** Every writer's records, in sequence order per writer. */
  readAll(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>>;
  close(): Promise<void>;
}
