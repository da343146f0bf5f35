import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/connectRedis';
import type { DossierChange } from '../changes/DossierChange';
import {
  SyncOutboxUnavailableError,
  type DeadLetter,
  type Outbox,
  type OutboxCounts,
  type OutboxEntry,
} from './Outbox';
import { partitionOf } from './partitionOf';

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
/** Gives a lease up only if it is ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

type StreamEntry = [id: string, fields: string[] | null];

/**
 * The outbox on Redis Streams (docs/sync-bridge.md): `<prefix>sync:outbox:<p>` per partition, one
 * consumer group (`bridge`), each replica a consumer. A replica delivers a partition only while it
 * holds its lease (`<prefix>sync:lease:<p>`, SET NX PX, renewed): when it dies the lease lapses,
 * another replica takes it and claims its pending entries (XAUTOCLAIM) before reading new ones,
 * so a partition is delivered in order by one replica at a time. An entry is acknowledged (XACK)
 * only once delivered or dead-lettered (`<prefix>sync:dead`). Delivered entries stay in their
 * stream for `keepDeliveredMs`, then are trimmed (XTRIM MINID, never past the last one settled).
 * Counts per connector live in the hash `<prefix>sync:counts`.
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
  }

  private stream(partition: number): string {
    return `${this.options.keyPrefix}sync:outbox:${partition}`;
  }

  private lease(partition: number): string {
    return `${this.options.keyPrefix}sync:lease:${partition}`;
  }

  private get deadKey(): string {
    return `${this.options.keyPrefix}sync:dead`;
  }

  private get countsKey(): string {
    return `${this.options.keyPrefix}sync:counts`;
  }

  append(changes: readonly DossierChange[]): Promise<void> {
    return this.add(changes, true);
  }

  /** Appends; `counted`: as newly appended (a dead letter replayed was counted when first appended). */
  private async add(changes: readonly DossierChange[], counted: boolean): Promise<void> {
    try {
      // One connection: the XADDs of one partition reach Redis in the order given.
      await Promise.all(
        changes.map(async (change) => {
          const partition = partitionOf(change.connectorId, change.code, this.partitions);
          await this.redis.xadd(this.stream(partition), '*', 'c', JSON.stringify(change));
          if (counted)
            await this.redis.hincrby(this.countsKey, `appended:${change.connectorId}`, 1);
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
            if (renewed !== 1) this.lose(partition);
            return;
          }
          const taken = await this.redis.set(this.lease(partition), consumer, 'PX', leaseMs, 'NX');
          if (taken !== 'OK') return;
          await this.ensureGroup(partition);
          await this.claimPending(partition);
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

  /** Takes every pending entry of the group (a dead replica's) for this consumer. */
  private async claimPending(partition: number): Promise<void> {
    let cursor = '0-0';
    do {
      const answer = (await this.redis.xautoclaim(
        this.stream(partition),
        GROUP,
        this.options.consumer,
        0,
        cursor,
        'COUNT',
        500,
        'JUSTID',
      )) as [string, string[], string[]?];
      cursor = answer[0];
    } while (cursor !== '0-0');
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
    const answer = (await this.redis.xreadgroup(
      'GROUP',
      GROUP,
      this.options.consumer,
      'COUNT',
      count,
      'STREAMS',
      this.stream(partition),
      from,
    )) as Array<[string, StreamEntry[]]> | null;
    const entries: OutboxEntry[] = [];
    for (const [id, fields] of answer?.[0]?.[1] ?? []) {
      const change = fields === null ? null : parseChange(field(fields, 'c'));
      if (change === null) {
        // Trimmed or unreadable: nothing to deliver; acknowledged so that it does not block.
        await this.redis.xack(this.stream(partition), GROUP, id);
        continue;
      }
      entries.push({ id, partition, appendedAt: idTime(id), change });
    }
    return entries;
  }

  async delivered(entry: OutboxEntry, at: Date): Promise<void> {
    const stream = this.stream(entry.partition);
    await this.redis.xack(stream, GROUP, entry.id);
    const connector = entry.change.connectorId;
    // Every entry before this one is settled (a partition goes in order): trimmed past the
    // retention, never beyond this one.
    const keepFrom = Math.min(idTime(entry.id), this.options.now() - this.options.keepDeliveredMs);
    await Promise.all([
      this.redis.hincrby(this.countsKey, `delivered:${connector}`, 1),
      this.redis.hset(this.countsKey, `last:${connector}`, at.toISOString()),
      this.redis.xtrim(stream, 'MINID', '~', `${keepFrom}-0`),
    ]);
  }

  async deadLetter(entry: OutboxEntry, reason: string, attempts: number, at: Date): Promise<void> {
    await this.redis.xadd(
      this.deadKey,
      '*',
      'c',
      JSON.stringify(entry.change),
      'reason',
      reason,
      'attempts',
      String(attempts),
      'entry',
      entry.id,
      'at',
      at.toISOString(),
    );
    // Out of its stream too: what a stream keeps past its pending entries was delivered.
    await this.redis.xack(this.stream(entry.partition), GROUP, entry.id);
    await this.redis.xdel(this.stream(entry.partition), entry.id);
    await this.redis.hincrby(this.countsKey, `dead:${entry.change.connectorId}`, 1);
  }

  async deadLetters(since?: Date): Promise<DeadLetter[]> {
    const entries = (await this.redis.xrange(
      this.deadKey,
      since === undefined ? '-' : `${since.getTime()}-0`,
      '+',
    )) as StreamEntry[];
    return entries.flatMap(([id, fields]) => {
      const change = fields === null ? null : parseChange(field(fields, 'c'));
      if (change === null || fields === null) return [];
      return [
        {
          id,
          at: field(fields, 'at') ?? new Date(idTime(id)).toISOString(),
          reason: field(fields, 'reason') ?? '',
          attempts: Number(field(fields, 'attempts') ?? 0),
          change,
        },
      ];
    });
  }

  async replayDead(selection: { ids?: readonly string[]; since?: Date }): Promise<number> {
    const wanted = selection.ids === undefined ? null : new Set(selection.ids);
    const letters = (await this.deadLetters(selection.since)).filter(
      (letter) => wanted === null || wanted.has(letter.id),
    );
    for (const letter of letters) {
      await this.add([letter.change], false);
      await this.redis.xdel(this.deadKey, letter.id);
      await this.redis.hincrby(this.countsKey, `dead:${letter.change.connectorId}`, -1);
    }
    return letters.length;
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
        const change = parseChange(field(fields, 'c'));
        if (change === null) continue;
        await this.append([change]);
        replayed += 1;
      }
    }
    return replayed;
  }

  async counts(): Promise<Map<string, OutboxCounts>> {
    const raw = await this.redis.hgetall(this.countsKey);
    const counts = new Map<string, OutboxCounts>();
    const of = (connector: string) => {
      let entry = counts.get(connector);
      if (entry === undefined) {
        entry = { appended: 0, delivered: 0, deadLetters: 0, lastDeliveredAt: null };
        counts.set(connector, entry);
      }
      return entry;
    };
    for (const [name, value] of Object.entries(raw)) {
      const at = name.indexOf(':');
      const kind = name.slice(0, at);
      const connector = name.slice(at + 1);
      if (kind === 'appended') of(connector).appended = Number(value);
      else if (kind === 'delivered') of(connector).delivered = Number(value);
      else if (kind === 'dead') of(connector).deadLetters = Number(value);
      else if (kind === 'last') of(connector).lastDeliveredAt = value;
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

function parseChange(text: string | null): DossierChange | null {
  if (text === null) return null;
  try {
    const change = JSON.parse(text) as DossierChange;
    return typeof change.connectorId === 'string' && typeof change.code === 'string'
      ? change
      : null;
  } catch {
    return null;
  }
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
