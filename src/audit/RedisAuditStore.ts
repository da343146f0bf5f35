import {
  closeRedis,
  connectRedis,
  type RedisClient,
  type RedisTarget,
} from '../redis/connectRedis';
import {
  GENESIS_HASH,
  nextRecord,
  type AuditEvent,
  type AuditRecord,
  type AuditStore,
  type ChainHead,
} from './auditChain';

/**
 * The audit log for many replicas: one Redis stream per writer (`<prefix>{audit:<writer>}`, the
 * hash tag keeps a writer's stream and head in one Cluster slot), its head beside it, and the set
 * of writers. `append` returns once Redis has acknowledged the entry and the head in one
 * transaction; Redis persistence (AOF) is the deployment's part of "durable".
 */
export class RedisAuditStore implements AuditStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  private queue: Promise<unknown> = Promise.resolve();
  /** Read the head from Redis before the next append (at first, and after a failed one). */
  private resync = true;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    readonly writer: string,
  ) {
    this.redis = connectRedis(target, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
    this.redis.on('error', () => undefined);
  }

  private stream(writer: string): string {
    return `${this.prefix}{audit:${writer}}`;
  }

  append(event: AuditEvent, at: string): Promise<AuditRecord> {
    const next = this.queue.then(async () => {
      if (this.resync) {
        // A fixed writer id continues its chain; an append whose answer was lost (a timeout
        // after Redis committed it) is not written twice under the same sequence number.
        await this.redis.sadd(`${this.prefix}audit:writers`, this.writer);
        const head = await this.redis.get(`${this.stream(this.writer)}:head`);
        this.head =
          head === null ? { seq: 0, hash: GENESIS_HASH } : (JSON.parse(head) as ChainHead);
        this.resync = false;
      }
      const record = nextRecord(event, this.writer, this.head, at);
      const result = await this.redis
        .multi()
        .xadd(this.stream(this.writer), '*', 'e', JSON.stringify(record))
        .set(
          `${this.stream(this.writer)}:head`,
          JSON.stringify({ seq: record.seq, hash: record.hash }),
        )
        .exec();
      const failed = result?.find(([error]) => error !== null);
      if (result === null || failed !== undefined) {
        this.resync = true;
        throw new Error(`audit append failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
      }
      this.head = { seq: record.seq, hash: record.hash };
      return record;
    });
    this.queue = next.catch(() => {
      this.resync = true;
    });
    return next;
  }

  async readAll(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>> {
    const writers = (await this.redis.smembers(`${this.prefix}audit:writers`)).sort();
    const result = new Map<string, { records: AuditRecord[]; head: ChainHead | null }>();
    for (const writer of writers) {
      const entries = await this.redis.xrange(this.stream(writer), '-', '+');
      const records = entries.map(([, fields], index) => {
        try {
          return JSON.parse(fields[1] as string) as AuditRecord;
        } catch {
          return { writer, seq: -1, hash: `unreadable entry ${index + 1}` } as AuditRecord;
        }
      });
      const head = await this.redis.get(`${this.stream(writer)}:head`);
      result.set(writer, { records, head: head === null ? null : (JSON.parse(head) as ChainHead) });
    }
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    await closeRedis(this.redis);
  }
}
