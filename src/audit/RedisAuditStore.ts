import {
  closeRedis,
  connectRedis,
  type RedisClient,
  type RedisTarget,
} from '../redis/connectRedis';
import {
  ChainMovedError,
  GENESIS_HASH,
  NOT_APPLIED,
  nextRecord,
  UNRECORDED_CHANGE,
  type AuditEvent,
  type AuditRecord,
  type AuditStore,
  type ChainHead,
  type ChangeEntry,
} from './auditChain';

/** One writer's chain: where its stream, head and listing are, and what this process knows of it. */
interface Chain {
  writer: string;
  stream: string;
  head: string;
  /** The set listing the writer; `inSlot`: in the stream's slot, so written with each entry. */
  writers: string;
  inSlot: boolean;
  /** The head as stored (`''`: none yet), compared by the registry's script before it appends. */
  headText: string;
  queue: Promise<unknown>;
  /** Read the head from Redis before the next append (at first, and after a failed one). */
  resync: boolean;
  /** Listed in `writers` by this process (an own chain is listed after its first entry). */
  listed: boolean;
}

/**
 * The audit log for many replicas: one Redis stream per writer, its head beside it, and the set of
 * writers. Each process writes two chains:
 * - its own (`<writer>`, stream `<prefix>{audit:<writer>}`; the hash tag keeps a writer's stream
 *   and head in one Cluster slot), listed in `<prefix>audit:writers`, for reads, keys and starts;
 * - its registry changes (`<writer>/registry`, stream `<prefix>{registry}:audit:<writer>`), in the
 *   registry's own slot and listed in `<prefix>{registry}:audit:writers`, so that the registry's
 *   compare-and-set script writes a change and its entry in one atomic step (issue 17 §3): Redis
 *   has no transaction across Cluster slots, and Lua no SHA-256, so the entry is chained here and
 *   the script only checks the chain's head is still the one it was chained on.
 * `append` returns once Redis has acknowledged the entry and the head in one transaction; Redis
 * persistence (AOF) is the deployment's part of "durable".
 */
export class RedisAuditStore implements AuditStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private readonly own: Chain;
  private readonly registry: Chain;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    readonly writer: string,
  ) {
    this.redis = connectRedis(target, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
    this.redis.on('error', () => undefined);
    this.own = this.chain(writer, false);
    this.registry = this.chain(`${writer}/registry`, true);
  }

  private chain(writer: string, registry: boolean): Chain {
    const stream = registry
      ? `${this.prefix}{registry}:audit:${writer}`
      : `${this.prefix}{audit:${writer}}`;
    return {
      writer,
      stream,
      head: `${stream}:head`,
      writers: registry ? this.registryWriters : this.ownWriters,
      inSlot: registry,
      headText: '',
      queue: Promise.resolve(),
      resync: true,
      listed: false,
    };
  }

  private get ownWriters(): string {
    return `${this.prefix}audit:writers`;
  }

  private get registryWriters(): string {
    return `${this.prefix}{registry}:audit:writers`;
  }

  append(event: AuditEvent, at: string): Promise<AuditRecord> {
    return this.serial(this.own, async () => {
      const record = nextRecord(event, this.own.writer, this.currentHead(this.own), at);
      await this.write(this.own, record);
      return record;
    });
  }

  appendWithChange<T extends { ok: boolean }>(
    event: AuditEvent,
    at: string,
    change: (entry: ChangeEntry) => Promise<T>,
  ): Promise<{ result: T; record: AuditRecord | null }> {
    const chain = this.registry;
    return this.serial(chain, async () => {
      for (let attempt = 1; ; attempt += 1) {
        const record = nextRecord(event, chain.writer, this.currentHead(chain), at);
        const newHead = JSON.stringify({ seq: record.seq, hash: record.hash });
        let how: 'script' | 'ahead' | null = null;
        try {
          const result = await change({
            record,
            inScript: () => {
              how = 'script';
              const { stream, head, writers, headText } = chain;
              return { stream, head, writers, expectedHead: headText, newHead };
            },
            writeAhead: async () => {
              await this.write(chain, record);
              how = 'ahead';
            },
          });
          if (result.ok && how === null) throw new Error(UNRECORDED_CHANGE);
          if (result.ok && how === 'script') chain.headText = newHead;
          if (!result.ok && how === 'ahead') {
            const note = { ...event, outcome: NOT_APPLIED };
            await this.write(chain, nextRecord(note, chain.writer, this.currentHead(chain), at));
          }
          return { result, record: result.ok ? record : null };
        } catch (error) {
          // After a script that failed or timed out, the head in Redis is what counts.
          chain.resync = true;
          if (!(error instanceof ChainMovedError) || attempt === 2) throw error;
          await this.resync(chain);
        }
      }
    });
  }

  async readAll(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>> {
    const own = await this.redis.smembers(this.ownWriters);
    const listed = [
      ...own.map((writer) => this.chain(writer, false)),
      ...(await this.unlistedChains(new Set(own))),
      ...(await this.redis.smembers(this.registryWriters)).map((writer) =>
        this.chain(writer, true),
      ),
    ].sort((a, b) => (a.writer < b.writer ? -1 : 1));
    const result = new Map<string, { records: AuditRecord[]; head: ChainHead | null }>();
    for (const chain of listed) {
      const entries = await this.redis.xrange(chain.stream, '-', '+');
      const records = entries.map(([, fields], index) => {
        try {
          return JSON.parse(fields[1] as string) as AuditRecord;
        } catch {
          return {
            writer: chain.writer,
            seq: -1,
            hash: `unreadable entry ${index + 1}`,
          } as AuditRecord;
        }
      });
      const head = await this.redis.get(chain.head);
      result.set(chain.writer, {
        records,
        head: head === null ? null : (JSON.parse(head) as ChainHead),
      });
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([this.own.queue, this.registry.queue]);
    await closeRedis(this.redis);
  }

  /** Runs `work` after every earlier append to `chain`, on a head read again after a failure. */
  private serial<T>(chain: Chain, work: () => Promise<T>): Promise<T> {
    const next = chain.queue.then(async () => {
      if (chain.resync) await this.resync(chain);
      return work();
    });
    chain.queue = next.catch(() => {
      chain.resync = true;
    });
    return next;
  }

  /**
   * Lists the writer and reads its head. A fixed writer id continues its chain; an append whose
   * answer was lost (a timeout after Redis committed it) is not written twice under one number.
   */
  private async resync(chain: Chain): Promise<void> {
    chain.headText = (await this.redis.get(chain.head)) ?? '';
    chain.resync = false;
  }

  private currentHead(chain: Chain): ChainHead {
    return chain.headText === ''
      ? { seq: 0, hash: GENESIS_HASH }
      : (JSON.parse(chain.headText) as ChainHead);
  }

  /** Appends `record` and sets the head in one transaction (one slot). */
  private async write(chain: Chain, record: AuditRecord): Promise<void> {
    const newHead = JSON.stringify({ seq: record.seq, hash: record.hash });
    const transaction = this.redis
      .multi()
      .xadd(chain.stream, '*', 'e', JSON.stringify(record))
      .set(chain.head, newHead);
    if (chain.inSlot) transaction.sadd(chain.writers, chain.writer);
    const result = await transaction.exec();
    const failed = result?.find(([error]) => error !== null);
    if (result === null || failed !== undefined) {
      chain.resync = true;
      throw new Error(`audit append failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    }
    chain.headText = newHead;
    // An own chain is listed once it has an entry (its set is in another slot): a process killed
    // before its first entry leaves no listed writer without a chain, and one killed between the
    // two leaves a chain that `readAll` still finds (unlistedChains).
    if (!chain.inSlot && !chain.listed) {
      await this.redis.sadd(chain.writers, chain.writer);
      chain.listed = true;
    }
  }

  /** Own chains whose stream exists but whose writer is not listed (found by a key scan). */
  private async unlistedChains(listed: ReadonlySet<string>): Promise<Chain[]> {
    const pattern = `${this.prefix}{audit:*}`;
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
    const writers = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          if (key.endsWith(':head')) continue;
          const writer = key.slice(`${this.prefix}{audit:`.length, -1);
          if (!listed.has(writer)) writers.add(writer);
        }
      } while (cursor !== '0');
    }
    return [...writers].map((writer) => this.chain(writer, false));
  }
}
