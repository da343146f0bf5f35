import type { DossierChange } from '../changes/DossierChange';

/** One change waiting in (or delivered from) the outbox. */
export interface OutboxEntry {
  /** The outbox's own id: a stream entry id (`<ms>-<seq>`), or `<generation>:<byte offset>`. */
  id: string;
  partition: number;
  /** When it was appended (ms since the epoch). */
  appendedAt: number;
  change: DossierChange;
  /**
   * Set when the stored change is not one the bridge can send (not JSON, or a dossier without its
   * code, status, applicant or history): why, naming fields, never values. Such an entry is
   * dead-lettered at once; `change` then holds what was stored, with `connectorId` and `code`
   * (`(unreadable)` when they were missing) for the dead letter.
   */
  unreadable?: string;
}

/** A change that was not delivered, with why. */
export interface DeadLetter {
  id: string;
  /** When it was given up (ISO 8601). */
  at: string;
  reason: string;
  attempts: number;
  change: DossierChange;
}

/** Per connector, counted by the outbox (shared by replicas with Redis). */
export interface OutboxCounts {
  appended: number;
  delivered: number;
  deadLetters: number;
  lastDeliveredAt: string | null;
}

/**
 * The durable outbox of the sync bridge. Appends are durable when they resolve; entries are
 * handed out per partition, in order, to the one process that holds the partition, and stay
 * until `settle`d (delivered, or dead-lettered with a reason).
 */
export interface Outbox {
  readonly partitions: number;
  /**
   * Appends the changes, durably, or rejects with `SyncOutboxUnavailableError` and appends none
   * of them that it could not (the caller keeps them and tries again; the idempotency key makes
   * a second append of one already appended harmless).
   */
  append(changes: readonly DossierChange[]): Promise<void>;
  /**
   * The partitions this process may deliver now, each with a signal aborted when it loses it
   * (another replica then delivers it). Takes free partitions and renews those it holds.
   */
  hold(): Promise<ReadonlyMap<number, AbortSignal>>;
  /** The oldest entries of a held partition not yet settled, in order (empty: none). */
  next(partition: number, count: number): Promise<OutboxEntry[]>;
  /**
   * Whether this process still holds the partition, asked of the store (with Redis, the lease
   * itself): checked before each send, so that a process whose lease lapsed unnoticed (an event
   * loop stalled longer than the lease) does not send after the new holder.
   */
  holds(partition: number): Promise<boolean>;
  /**
   * The entry was accepted by the sink: settled, true; or not settled, false, because the
   * partition is no longer this process's (its lease lapsed; the new holder sends the entry).
   */
  delivered(entry: OutboxEntry, at: Date): Promise<boolean>;
  /** The entry was given up: kept as a dead letter with its reason; later ones still go. Settled (true) or not ours (false), as `delivered`. */
  deadLetter(entry: OutboxEntry, reason: string, attempts: number, at: Date): Promise<boolean>;
  /** Dead letters, oldest first, given up at or after `since` when given. */
  deadLetters(since?: Date): Promise<DeadLetter[]>;
  /** Appends dead letters again (those with these ids, or all given up since) and removes them. */
  replayDead(selection: { ids?: readonly string[]; since?: Date }): Promise<number>;
  /** Appends again the changes delivered (appended) between `since` and `until` that are kept. */
  replayDelivered(since: Date, until: Date): Promise<number>;
  counts(): Promise<Map<string, OutboxCounts>>;
  /**
   * Whether a change of each dossier was ever delivered (indicator 1.4's "synced"): marked in the
   * same step as the delivery is settled, and kept.
   */
  synced(connectorId: string, codes: readonly string[]): Promise<boolean[]>;
  /**
   * When the gateway found the first change of the system this outbox delivered (ISO 8601, UTC),
   * null if none: kept with the synced marks. Dossiers received before it were never offered to
   * the sync bridge.
   */
  firstSynced(connectorId: string): Promise<string | null>;
  /** Gives up every partition held (without settling) and closes connections or files. */
  close(): Promise<void>;
}

/** The outbox cannot take changes now (Redis unreachable, disk full): keep them and retry. */
export class SyncOutboxUnavailableError extends Error {
  override readonly name = 'SyncOutboxUnavailableError';
  readonly code = 'SYNC_OUTBOX_UNAVAILABLE';
}

/**
 * The Redis outbox was made with another number of partitions: its entries and synced marks are
 * where that number put them, so the bridge refuses to start rather than strand them.
 */
export class SyncPartitionsChangedError extends Error {
  override readonly name = 'SyncPartitionsChangedError';
  readonly code = 'SYNC_PARTITIONS_CHANGED';
}
