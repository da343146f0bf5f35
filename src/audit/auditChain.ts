import { createHash } from 'node:crypto';

/**
 * The audit log (docs/access.md, the audit log): who read personal data unmasked, auditors'
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

/**
 * The audit entry of a change that must never be live without it (a registry change), handed to
 * the store that makes the change (RegistrationStore.put). The store either writes `record` in the
 * same atomic step as the change, at the keys `inScript()` gives (the audit log and the registry on
 * one Redis), or, where it cannot, calls `writeAhead()` once it knows it will write the change
 * (lock held, version checked) and before writing it.
 */
export interface ChangeEntry {
  readonly record: AuditRecord;
  /**
   * Where the entry goes in Redis, all in the registry's Cluster slot (`{registry}`): its chain's
   * stream and head, the head the chain must still have (`''`: none yet) and the new one, and the
   * set listing the chain's writer. Null when the audit log is not in Redis. Calling it commits
   * the store to writing the entry with the change.
   */
  inScript(): {
    stream: string;
    head: string;
    writers: string;
    expectedHead: string;
    newHead: string;
  } | null;
  /** Appends the entry durably now, ahead of the change. */
  writeAhead(): Promise<void>;
}

/** The outcome of an entry that follows one written ahead of a change that was then not made. */
export const NOT_APPLIED = 'not applied: the change was not made (changed meanwhile)';

/** A store reported a change made without using its entry: a defect, never to pass silently. */
export const UNRECORDED_CHANGE =
  'the registry store reported a change without writing its audit entry';

/**
 * Thrown by a store's atomic step when the chain's head in Redis is not the one the entry was
 * prepared on (another process with the same writer id, or an answer lost after a commit): the
 * entry is prepared again on the head as it is.
 */
export class ChainMovedError extends Error {
  constructor() {
    super('the audit chain moved since this entry was prepared');
  }
}

/** Where audit records live. */
export interface AuditStore {
  readonly kind: 'file' | 'redis';
  readonly writer: string;
  /** Appends and returns once the record is durable. */
  append(event: AuditEvent, at: string): Promise<AuditRecord>;
  /**
   * Appends `event` as the entry of the change `change` makes (see {@link ChangeEntry}): the chain
   * advances only when the change reports it was made (`ok`), so no change is live without its
   * entry. An entry written ahead for a change that was then not made (another replica changed it
   * first) is followed by an entry saying so (`outcome: not applied`). Returns the change's answer
   * and the entry written with it (null when it was not made).
   */
  appendWithChange<T extends { ok: boolean }>(
    event: AuditEvent,
    at: string,
    change: (entry: ChangeEntry) => Promise<T>,
  ): Promise<{ result: T; record: AuditRecord | null }>;
  /** Every writer's records, in sequence order per writer. */
  readAll(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>>;
  close(): Promise<void>;
}
