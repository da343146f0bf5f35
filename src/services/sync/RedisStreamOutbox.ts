import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/connectRedis';
import type { DossierChange } from '../changes/DossierChange';
import {
  SyncOutboxUnavailableError,
  SyncPartitionsChangedError,
  type DeadLetter,
  type Outbox,
  type OutboxCounts,
  type OutboxEntry,
} from './Outbox';
import { partitionOf } from './partitionOf';
import { readChange } from './readChange';

export interface RedisStreamOutboxOptions {
  target: RedisTarget;
  keyPrefix: string;
  /** Streams the changes are spread over (by dossier). Default 16. */
  partitions: number;
  /** This replica's name in the consumer group (unique per process). */
  consumer: string;
  /** A partition's lease: renewed every third of it; another replica takes over when it lapses. */
  leaseMs: number;
  /** Delivered entries are kept this long (for `replay --since`), then trimmed. */
  keepDeliveredMs: number;
  now: () => number;
}

const GROUP = 'bridge';

/** Renews a lease only while it is still ours. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Takes a lease that is free or already ours. */
const TAKE = `if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
/** Gives a lease up only if it is ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Appends one change and counts it (KEYS: stream, counts; ARGV: change, connector, counted). */
const APPEND = `local id = redis.call('XADD', KEYS[1], '*', 'c', ARGV[1])
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[2], 'appended:' .. ARGV[2], 1) end
return id`;
/**
 * Settles a delivered entry once, and marks its dossier synced and, the first time, when the
 * connector's first delivered change was found (KEYS: stream, counts, synced, lease; ARGV: group,
 * id, connector, at, min id, code, lease token, found at). Only while the lease is ours (else 0,
 * nothing done: the new holder sends it again).
 */
const DELIVERED = `if redis.call('GET', KEYS[4]) ~= ARGV[7] then return 0 end
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'delivered:' .. ARGV[3], 1)
  redis.call('HSET', KEYS[2], 'last:' .. ARGV[3], ARGV[4])
  redis.call('HSETNX', KEYS[2], 'first:' .. ARGV[3], ARGV[8])
  redis.call('HSETNX', KEYS[3], ARGV[3] .. ':' .. ARGV[6], ARGV[4])
end
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[5])
return 1`;
/**
 * Moves an entry to the dead letters once (KEYS: stream, counts, dead, lease; ARGV: group, id,
 * connector, change, reason, attempts, at, lease token); out of its stream, which keeps only
 * delivered ones. Only while the lease is ours (else 0, nothing done).
 */
const DEAD = `if redis.call('GET', KEYS[4]) ~= ARGV[8] then return 0 end
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XADD', KEYS[3], '*', 'c', ARGV[4], 'reason', ARGV[5], 'attempts', ARGV[6], 'entry', ARGV[2], 'at', ARGV[7])
  redis.call('HINCRBY', KEYS[2], 'dead:' .. ARGV[3], 1)
end
redis.call('XDEL', KEYS[1], ARGV[2])
return 1`;
/**
 * Reads entries for this consumer only while the lease is ours (KEYS: stream, lease; ARGV: group,
 * consumer, count, from): 0 when it is not, so that a replica whose lease lapsed unnoticed reads
 * nothing more into its own pending list (which the new holder would not look at).
 */
const READ = `if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
return redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], ARGV[4])`;
/** Records the number of partitions at first start, and answers the one recorded. */
const PARTITIONS = `redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`;
/** Puts a dead letter back in its stream once (KEYS: dead, stream, counts; ARGV: id, change, connector). */
const REPLAY_DEAD = `if redis.call('XDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'c', ARGV[2])
  redis.call('HINCRBY', KEYS[3], 'dead:' .. ARGV[3], -1)
  return 1
end
return 0`;

type StreamEntry = [id: string, fields: string[] | null];

/** When the gateway found the change (ISO 8601, UTC, comparable as text). */
function foundAt(entry: OutboxEntry): string {
  const at = Date.parse(entry.change.detectedAt);
  return Number.isNaN(at) ? new Date(0).toISOString() : new Date(at).toISOString();
}

/**
 * The outbox on Redis Streams (docs/sync-bridge.md): `<prefix>sync:outbox:{<p>}` per partition,
 * one consumer group (`bridge`), each replica a consumer. A replica delivers a partition only
 * while it holds its lease (`<prefix>sync:lease:{<p>}`, SET NX PX, renewed): when it dies the
 * lease lapses, another replica takes it and claims its pending entries (XAUTOCLAIM) before
 * reading new ones, so a partition is delivered in order by one replica at a time. An entry is
 * acknowledged (XACK) only once delivered, or moved to `<prefix>sync:dead:{<p>}` with its reason;
 * the acknowledgement and the counts (`<prefix>sync:counts:{<p>}`) are one script, so a Redis
 * that dies between them cannot leave the counts wrong. Delivered entries stay in their stream
 * for `keepDeliveredMs`, then are trimmed (XTRIM MINID, never past the last one settled).
 *
 * Redis must persist (AOF, `appendfsync everysec` or `always`) for the outbox to survive a Redis
 * restart: without persistence a restart loses every change not yet delivered.
 */
export class RedisStreamOutbox implements Outbox {
  readonly partitions: number;
  private readonly redis: RedisClient;
  private readonly held = new Map<number, AbortController>();
  /** Partitions whose own pending entries must be read again before new ones. */
  private readonly pendingFirst = new Set<number>();
  private readonly groupsReady = new Set<number>();
  private closed = false;
  /** Connected at least once: a connection lost since fails appends at once. */
  private connectedOnce = false;
  /** The partition count recorded in Redis was found to be this one's. */
  private partitionsChecked = false;

  /**
   * Opens the outbox and checks its partition count against the one recorded in Redis (rejects
   * with `SyncPartitionsChangedError` when they differ). Redis unreachable now is no reason to
   * fail: the check is made again before the first append or hold.
   */
  static async open(options: RedisStreamOutboxOptions): Promise<RedisStreamOutbox> {
    const outbox = new RedisStreamOutbox(options);
    try {
      await outbox.checkPartitions();
    } catch (error) {
      if (error instanceof SyncPartitionsChangedError) {
        await outbox.close();
        throw error;
      }
    }
    return outbox;
  }

  constructor(private readonly options: RedisStreamOutboxOptions) {
    this.partitions = options.partitions;
    // Commands fail within 3 s when Redis is away (append says so at once; nothing waits forever).
    this.redis = connectRedis(options.target, {
      commandTimeout: 3000,
      maxRetriesPerRequest: 1,
      stopRetrying: () => this.closed,
    });
    this.redis.on('error', () => {
      // Reconnects by itself; failures surface on the commands.
    });
    this.redis.on('ready', () => {
      this.connectedOnce = true;
    });
  }

  /**
   * A partition's keys share a Cluster slot (the `{p}` hash tag), so that settling an entry and
   * counting it are one script.
   */
  private stream(partition: number): string {
    return `${this.options.keyPrefix}sync:outbox:{${partition}}`;
  }

  private lease(partition: number): string {
    return `${this.options.keyPrefix}sync:lease:{${partition}}`;
  }

  private dead(partition: number): string {
    return `${this.options.keyPrefix}sync:dead:{${partition}}`;
  }

  private counted(partition: number): string {
    return `${this.options.keyPrefix}sync:counts:{${partition}}`;
  }

  /** Dossiers ever delivered, `<connector>:<code>` → when first (the partition's slot). */
  private syncedKey(partition: number): string {
    return `${this.options.keyPrefix}sync:synced:{${partition}}`;
  }

  /** `<prefix>sync:partitions`: the partition count the outbox was first started with. */
  private partitionsKey(): string {
    return `${this.options.keyPrefix}sync:partitions`;
  }

  /**
   * The entries, dead letters and synced marks are where the partition count put them: another
   * count would strand them (and deliver a dossier's changes from two streams, out of order).
   */
  private async checkPartitions(): Promise<void> {
    if (this.partitionsChecked) return;
    const recorded = String(
      await this.redis.eval(PARTITIONS, 1, this.partitionsKey(), String(this.partitions)),
    );
    if (recorded !== String(this.partitions))
      throw new SyncPartitionsChangedError(
        `SYNC_PARTITIONS is ${this.partitions} but the sync outbox in Redis (${this.partitionsKey()}) was made with ${recorded}: set SYNC_PARTITIONS=${recorded}, or deliver everything with the old count and delete the outbox's keys first (docs/sync-bridge.md, "Changing SYNC_PARTITIONS")`,
      );
    this.partitionsChecked = true;
  }

  append(changes: readonly DossierChange[]): Promise<void> {
    return this.add(changes, true);
  }

  /** Appends; `counted`: as newly appended (a replayed dead letter was counted when first). */
  private async add(changes: readonly DossierChange[], counted: boolean): Promise<void> {
    // Lost since it connected: said at once rather than after the reconnect attempts (the first
    // connection is waited for, within the command timeout).
    if (this.connectedOnce && this.redis.status !== 'ready')
      throw new SyncOutboxUnavailableError(
        `the sync outbox (Redis) did not take ${changes.length} change(s): Redis is not connected (${this.redis.status})`,
      );
    try {
      await this.checkPartitions();
    } catch (error) {
      if (error instanceof SyncPartitionsChangedError) throw error;
      throw new SyncOutboxUnavailableError(
        `the sync outbox (Redis) did not take ${changes.length} change(s): ${(error as Error).message}`,
      );
    }
    try {
      // One connection: the changes of one partition reach Redis in the order given.
      await Promise.all(
        changes.map((change) => {
          const partition = partitionOf(change.connectorId, change.code, this.partitions);
          return this.redis.eval(
            APPEND,
            2,
            this.stream(partition),
            this.counted(partition),
            JSON.stringify(change),
            change.connectorId,
            counted ? '1' : '0',
          );
        }),
      );
    } catch (error) {
      throw new SyncOutboxUnavailableError(
        `the sync outbox (Redis) did not take ${changes.length} change(s): ${(error as Error).message}`,
      );
    }
  }

  async hold(): Promise<ReadonlyMap<number, AbortSignal>> {
    const { consumer, leaseMs } = this.options;
    await this.checkPartitions();
    await Promise.all(
      Array.from({ length: this.partitions }, async (_, partition) => {
        const mine = this.held.get(partition);
        try {
          if (mine !== undefined) {
            const renewed = await this.redis.eval(
              RENEW,
              1,
              this.lease(partition),
              consumer,
              leaseMs,
            );
            if (renewed !== 1) {
              this.lose(partition);
              return;
            }
            // Entries another consumer read and left (a replica whose lease lapsed while it was
            // reading): taken, and read again before new ones.
            if ((await this.claimPending(partition, leaseMs)) > 0) this.pendingFirst.add(partition);
            return;
          }
          // Free, or still ours (this replica gave the partition up, e.g. its group was lost).
          const taken = await this.redis.eval(TAKE, 1, this.lease(partition), consumer, leaseMs);
          if (taken !== 1) return;
          await this.ensureGroup(partition);
          await this.claimPending(partition, 0);
          this.held.set(partition, new AbortController());
          this.pendingFirst.add(partition);
        } catch {
          // Redis away: what cannot be renewed is given up (its in-flight delivery is aborted).
          this.lose(partition);
        }
      }),
    );
    return new Map([...this.held].map(([partition, held]) => [partition, held.signal]));
  }

  private lose(partition: number): void {
    this.held.get(partition)?.abort();
    this.held.delete(partition);
  }

  private async ensureGroup(partition: number): Promise<void> {
    if (this.groupsReady.has(partition)) return;
    try {
      // From the start: entries appended before the group existed are delivered too.
      await this.redis.xgroup('CREATE', this.stream(partition), GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.groupsReady.add(partition);
  }

  /**
   * Takes the group's pending entries idle at least `minIdleMs` (a dead or stale replica's) for
   * this consumer; how many.
   */
  private async claimPending(partition: number, minIdleMs: number): Promise<number> {
    let cursor = '0-0';
    let claimed = 0;
    do {
      const answer = (await this.redis.xautoclaim(
        this.stream(partition),
        GROUP,
        this.options.consumer,
        minIdleMs,
        cursor,
        'COUNT',
        500,
        'JUSTID',
      )) as [string, string[], string[]?];
      cursor = answer[0];
      claimed += answer[1].length;
    } while (cursor !== '0-0');
    return claimed;
  }

  async holds(partition: number): Promise<boolean> {
    if (!this.held.has(partition)) return false;
    const holder = await this.redis.get(this.lease(partition));
    if (holder === this.options.consumer) return true;
    this.lose(partition);
    return false;
  }

  async next(partition: number, count: number): Promise<OutboxEntry[]> {
    try {
      if (this.pendingFirst.has(partition)) {
        const pending = await this.read(partition, count, '0');
        if (pending.length > 0) return pending;
        this.pendingFirst.delete(partition);
      }
      const fresh = await this.read(partition, count, '>');
      if (fresh.length > 0) this.pendingFirst.add(partition);
      return fresh;
    } catch (error) {
      // Redis restarted without the group (no persistence): made again at the next hold.
      if (String((error as Error).message).includes('NOGROUP')) {
        this.groupsReady.delete(partition);
        this.lose(partition);
        return [];
      }
      throw error;
    }
  }

  private async read(partition: number, count: number, from: string): Promise<OutboxEntry[]> {
    const answer = (await this.redis.eval(
      READ,
      2,
      this.stream(partition),
      this.lease(partition),
      GROUP,
      this.options.consumer,
      count,
      from,
    )) as Array<[string, StreamEntry[]]> | null | 0;
    if (answer === 0) {
      // The lease lapsed: another replica holds the partition now.
      this.lose(partition);
      return [];
    }
    const entries: OutboxEntry[] = [];
    for (const [id, fields] of answer?.[0]?.[1] ?? []) {
      if (fields === null) {
        // Deleted (a settled dead letter): nothing to deliver; acknowledged so that it does not block.
        await this.redis.xack(this.stream(partition), GROUP, id);
        continue;
      }
      // An unreadable change is handed out too, marked: it is dead-lettered with its reason.
      const read = readChange(field(fields, 'c') ?? '');
      entries.push({ id, partition, appendedAt: idTime(id), ...read });
    }
    return entries;
  }

  async delivered(entry: OutboxEntry, at: Date): Promise<boolean> {
    // Every entry before this one is settled (a partition goes in order): trimmed past the
    // retention, never beyond this one.
    const keepFrom = Math.min(idTime(entry.id), this.options.now() - this.options.keepDeliveredMs);
    const settled = await this.redis.eval(
      DELIVERED,
      4,
      this.stream(entry.partition),
      this.counted(entry.partition),
      this.syncedKey(entry.partition),
      this.lease(entry.partition),
      GROUP,
      entry.id,
      entry.change.connectorId,
      at.toISOString(),
      `${keepFrom}-0`,
      entry.change.code,
      this.options.consumer,
      foundAt(entry),
    );
    return this.ours(entry.partition, settled);
  }

  /** A settling script's answer: 1 settled; 0 the lease is not ours (the partition is lost). */
  private ours(partition: number, answer: unknown): boolean {
    if (answer === 1) return true;
    this.lose(partition);
    return false;
  }

  async firstSynced(connectorId: string): Promise<string | null> {
    let first: string | null = null;
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const at = await this.redis.hget(this.counted(partition), `first:${connectorId}`);
      if (at !== null && (first === null || at < first)) first = at;
    }
    return first;
  }

  async synced(connectorId: string, codes: readonly string[]): Promise<boolean[]> {
    const byPartition = new Map<number, number[]>();
    codes.forEach((code, index) => {
      const partition = partitionOf(connectorId, code, this.partitions);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), index]);
    });
    const flags = codes.map(() => false);
    await Promise.all(
      [...byPartition].map(async ([partition, indexes]) => {
        const values = await this.redis.hmget(
          this.syncedKey(partition),
          ...indexes.map((index) => `${connectorId}:${codes[index] as string}`),
        );
        values.forEach((value, i) => {
          if (value !== null) flags[indexes[i] as number] = true;
        });
      }),
    );
    return flags;
  }

  async deadLetter(
    entry: OutboxEntry,
    reason: string,
    attempts: number,
    at: Date,
  ): Promise<boolean> {
    const settled = await this.redis.eval(
      DEAD,
      4,
      this.stream(entry.partition),
      this.counted(entry.partition),
      this.dead(entry.partition),
      this.lease(entry.partition),
      GROUP,
      entry.id,
      entry.change.connectorId,
      JSON.stringify(entry.change),
      reason,
      String(attempts),
      at.toISOString(),
      this.options.consumer,
    );
    return this.ours(entry.partition, settled);
  }

  /** Dead letters of every partition, oldest first; ids are `<partition>/<stream id>`. */
  async deadLetters(since?: Date): Promise<DeadLetter[]> {
    const all: Array<DeadLetter & { order: number }> = [];
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const entries = (await this.redis.xrange(
        this.dead(partition),
        since === undefined ? '-' : `${since.getTime()}-0`,
        '+',
      )) as StreamEntry[];
      for (const [id, fields] of entries) {
        if (fields === null) continue;
        // Listed even when unreadable (its connector and code then say `(unreadable)`).
        const { change } = readChange(field(fields, 'c') ?? '');
        all.push({
          id: `${partition}/${id}`,
          at: field(fields, 'at') ?? new Date(idTime(id)).toISOString(),
          reason: field(fields, 'reason') ?? '',
          attempts: Number(field(fields, 'attempts') ?? 0),
          change,
          order: idTime(id),
        });
      }
    }
    return all.sort((a, b) => a.order - b.order).map(({ order: _order, ...letter }) => letter);
  }

  async replayDead(selection: { ids?: readonly string[]; since?: Date }): Promise<number> {
    const wanted = selection.ids === undefined ? null : new Set(selection.ids);
    const letters = (await this.deadLetters(selection.since)).filter(
      (letter) => wanted === null || wanted.has(letter.id),
    );
    let replayed = 0;
    for (const letter of letters) {
      const slash = letter.id.indexOf('/');
      const partition = Number(letter.id.slice(0, slash));
      replayed += Number(
        await this.redis.eval(
          REPLAY_DEAD,
          3,
          this.dead(partition),
          this.stream(partition),
          this.counted(partition),
          letter.id.slice(slash + 1),
          JSON.stringify(letter.change),
          letter.change.connectorId,
        ),
      );
    }
    return replayed;
  }

  async replayDelivered(since: Date, until: Date): Promise<number> {
    let replayed = 0;
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const stream = this.stream(partition);
      const groups = (await this.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
      const group = groups.map(pairs).find((info) => info.name === GROUP);
      if (group === undefined) continue;
      const lastRead = String(group['last-delivered-id'] ?? '0-0');
      const pending = new Set(
        ((await this.redis.xpending(stream, GROUP, '-', '+', 100_000)) as Array<[string]>).map(
          ([id]) => id,
        ),
      );
      const entries = (await this.redis.xrange(
        stream,
        `${since.getTime()}-0`,
        `${until.getTime()}-0`,
      )) as StreamEntry[];
      for (const [id, fields] of entries) {
        // Only what was settled: read by the group and no longer pending.
        if (compareIds(id, lastRead) > 0 || pending.has(id) || fields === null) continue;
        const read = readChange(field(fields, 'c') ?? '');
        if ('unreadable' in read) continue;
        await this.append([read.change]);
        replayed += 1;
      }
    }
    return replayed;
  }

  async counts(): Promise<Map<string, OutboxCounts>> {
    const counts = new Map<string, OutboxCounts>();
    const of = (connector: string) => {
      let entry = counts.get(connector);
      if (entry === undefined) {
        entry = { appended: 0, delivered: 0, deadLetters: 0, lastDeliveredAt: null };
        counts.set(connector, entry);
      }
      return entry;
    };
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const raw = await this.redis.hgetall(this.counted(partition));
      for (const [name, value] of Object.entries(raw)) {
        const at = name.indexOf(':');
        const kind = name.slice(0, at);
        const entry = of(name.slice(at + 1));
        if (kind === 'appended') entry.appended += Number(value);
        else if (kind === 'delivered') entry.delivered += Number(value);
        else if (kind === 'dead') entry.deadLetters += Number(value);
        else if (kind === 'last' && (entry.lastDeliveredAt ?? '') < value)
          entry.lastDeliveredAt = value;
      }
    }
    return counts;
  }

  async close(): Promise<void> {
    this.closed = true;
    const partitions = [...this.held.keys()];
    for (const partition of partitions) this.lose(partition);
    // Given up at once, so that another replica takes over without waiting for the lease to lapse.
    await Promise.all(
      partitions.map((partition) =>
        this.redis
          .eval(RELEASE, 1, this.lease(partition), this.options.consumer)
          .catch(() => undefined),
      ),
    );
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** Drops the connection without giving anything up: a replica that dies (tests). */
  crash(): void {
    this.closed = true;
    for (const held of this.held.values()) held.abort();
    this.held.clear();
    this.redis.disconnect();
  }
}

function field(fields: string[], name: string): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
  return null;
}

/** The ms part of a stream id. */
function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

function pairs(list: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}
