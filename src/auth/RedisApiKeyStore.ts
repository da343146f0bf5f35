import type { Logger } from '../../connectors/contract';
import { vietnamIso } from '../domain/vietnamTime';
import { connectRedis, type RedisClient, type RedisTarget } from '../redis/connectRedis';
import { GuardedRedis } from '../redis/GuardedRedis';
import {
  checkAgainst,
  newKey,
  parseKey,
  recordSchema,
  type ApiKeyRecord,
  type ApiKeyStore,
  type KeyCheck,
  type NewApiKey,
} from './apiKeys';

export interface RedisApiKeyStoreOptions {
  /**
   * How often the whole store is read again into the local copy, so that a change whose pub/sub
   * message was missed is seen by then. Default 10 000 ms.
   */
  reloadMs?: number;
  /** Where an unreachable store and records that fail verification are reported. Default: nowhere. */
  logger?: Logger;
}

/** What a replica's copy of the key store holds, for readiness. */
export interface KeyCopyStatus {
  /** Keys in the copy (revoked ones included: they must stay refused). */
  keys: number;
  /** When the copy last matched the whole store; null before the first complete read. */
  copiedAt: Date | null;
}

/**
 * Keys in one Redis hash shared by every replica (`<prefix>apikeys`: id → record JSON, the
 * secret's SHA-256 only), and in each replica a local copy of it that presented keys are checked
 * against, so that a Redis outage does not stop authenticated traffic (issue 17).
 *
 * The copy is verified (every record parsed whole against the record schema and stored under its
 * own id; one that fails is left out and reported by id) and kept current three ways: a change
 * made through any store is published on `<prefix>apikeys-changed` and read again by every
 * replica at once; the whole hash is read again every `reloadMs`, after the subscription comes
 * back and when the Redis circuit closes again. A revocation, once in the copy, is never undone
 * by a read that predates it. While Redis is away the copy answers alone: what was in Redis
 * `reloadMs` before the outage began is in it (normally everything, through pub/sub); a key not
 * in it cannot be checked and the caller is told the store is unreachable (thrown), never that
 * the key is refused. Creating or revoking a key needs Redis and fails fast without it.
 */
export class RedisApiKeyStore implements ApiKeyStore {
  readonly kind = 'redis' as const;
  private readonly redis: GuardedRedis;
  private readonly owned: boolean;
  private readonly subscriber: RedisClient;
  private readonly hash: string;
  private readonly channel: string;
  private readonly logger: Logger | null;
  private copy = new Map<string, ApiKeyRecord>();
  private copiedAt: Date | null = null;
  private readonly reloader: NodeJS.Timeout;
  private readonly stopFollowingCircuit: () => void;
  /** The first read of the whole store (settled either way): checks wait for it. */
  private readonly first: Promise<unknown>;
  private readonly listeners = new Set<(id: string) => void>();
  /** Ids of stored records that failed verification, reported once each. */
  private readonly reported = new Set<string>();
  private unreachableSince: number | null = null;

  /**
   * @param redis the gateway's guarded connection, or a target (a connection of its own, closed
   * with the store: the command-line tools)
   */
  constructor(
    redis: RedisTarget | GuardedRedis,
    prefix: string,
    options: RedisApiKeyStoreOptions = {},
  ) {
    const adopted = GuardedRedis.adopt(redis);
    this.redis = adopted.redis;
    this.owned = adopted.owned;
    this.hash = `${prefix}apikeys`;
    this.channel = `${prefix}apikeys-changed`;
    this.logger = options.logger ?? null;
    // A subscribed connection can do nothing else; it waits for Redis and resubscribes by itself.
    this.subscriber = connectRedis(this.redis.target, { maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined);
    this.subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber.on('message', (_channel: string, id: string) => void this.refresh(id));
    // Messages sent while the subscription was down are lost: read everything again.
    this.subscriber.on('ready', () => void this.load());
    this.stopFollowingCircuit = this.redis.onRecovered(() => void this.load());
    this.reloader = setInterval(() => void this.load(), options.reloadMs ?? 10_000);
    this.reloader.unref();
    this.first = this.redis
      .ready()
      .catch(() => undefined)
      .then(() => this.load());
  }

  async create(input: NewApiKey, now: Date) {
    await this.first;
    const created = newKey(input, now);
    await this.redis.run((redis) =>
      redis.hset(this.hash, created.record.id, JSON.stringify(created.record)),
    );
    this.apply(created.record.id, created.record);
    await this.announce(created.record.id);
    return created;
  }

  async check(presented: string, now: Date): Promise<KeyCheck> {
    const parsed = parseKey(presented);
    if (parsed === null) return { ok: false, reason: 'malformed' };
    await this.first;
    const copied = this.copy.get(parsed.id);
    if (copied !== undefined) return checkAgainst(copied, parsed.secret, now);
    // Not in the copy: made a moment ago elsewhere (its message not here yet), or no key at all.
    // Redis says which; when it cannot be asked this throws: unreachable, not refused.
    return checkAgainst(await this.fetch(parsed.id), parsed.secret, now);
  }

  async revoke(id: string, now: Date): Promise<ApiKeyRecord | null> {
    await this.first;
    const record = await this.fetch(id);
    if (record === undefined) return null;
    if (record.revokedAt !== null) return record;
    const revoked = { ...record, revokedAt: vietnamIso(now) };
    await this.redis.run((redis) => redis.hset(this.hash, id, JSON.stringify(revoked)));
    this.apply(id, revoked);
    await this.announce(id);
    return revoked;
  }

  /** Every stored key, read from Redis (the copy is refreshed with it). */
  async list(): Promise<ApiKeyRecord[]> {
    await this.first;
    const all = await this.readAll();
    this.replaceCopy(all);
    return [...all.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  onChange(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The local copy's size and age (readiness shows them). */
  localCopy(): KeyCopyStatus {
    return { keys: this.copy.size, copiedAt: this.copiedAt };
  }

  /**
   * Reads the whole store into the copy now. Resolves false, keeping the copy as it is, when Redis
   * cannot be asked (logged once per outage).
   */
  async reload(): Promise<boolean> {
    await this.first;
    return this.load();
  }

  private async load(): Promise<boolean> {
    let all: Map<string, ApiKeyRecord>;
    try {
      all = await this.readAll();
    } catch (error) {
      this.unreachable(error as Error);
      return false;
    }
    this.replaceCopy(all);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.reloader);
    this.stopFollowingCircuit();
    this.listeners.clear();
    this.subscriber.disconnect();
    if (this.owned) await this.redis.close();
  }

  /** The whole hash, verified record by record. */
  private async readAll(): Promise<Map<string, ApiKeyRecord>> {
    const stored = await this.redis.run((redis) => redis.hgetall(this.hash));
    if (this.unreachableSince !== null) {
      this.logger?.info(
        { seconds: Math.round((Date.now() - this.unreachableSince) / 1000) },
        'API key store reachable again; local copy reloaded',
      );
      this.unreachableSince = null;
    }
    const all = new Map<string, ApiKeyRecord>();
    for (const [id, text] of Object.entries(stored)) {
      const record = this.verify(id, text);
      if (record !== undefined) all.set(id, record);
    }
    return all;
  }

  /** One key from Redis into the copy (undefined: no such key). Throws when Redis cannot be asked. */
  private async fetch(id: string): Promise<ApiKeyRecord | undefined> {
    const text = await this.redis.run((redis) => redis.hget(this.hash, id));
    const record = text === null ? undefined : this.verify(id, text);
    this.apply(id, record);
    return record;
  }

  /** A change announced by a store (this replica's included): read that key again. */
  private async refresh(id: string): Promise<void> {
    if (!/^[0-9a-f]{16}$/.test(id)) return;
    // Not reachable now: the next complete read brings the change.
    await this.fetch(id).catch(() => undefined);
  }

  private async announce(id: string): Promise<void> {
    // A message lost here is made up for by the other replicas' next complete read.
    await this.redis.run((redis) => redis.publish(this.channel, id)).catch(() => undefined);
  }

  /** Replaces the copy by a complete read, keeping revocations it predates. */
  private replaceCopy(all: ReadonlyMap<string, ApiKeyRecord>): void {
    const previous = this.copy;
    const next = new Map<string, ApiKeyRecord>();
    for (const [id, record] of all) next.set(id, keepRevocation(previous.get(id), record));
    this.copy = next;
    this.copiedAt = new Date();
    for (const [id, record] of next) {
      if (JSON.stringify(previous.get(id)) !== JSON.stringify(record)) this.changed(id);
    }
    for (const id of previous.keys()) if (!next.has(id)) this.changed(id);
  }

  /** One key's record into the copy (undefined: gone from the store). */
  private apply(id: string, record: ApiKeyRecord | undefined): void {
    const previous = this.copy.get(id);
    if (record === undefined) {
      if (previous === undefined) return;
      this.copy.delete(id);
    } else {
      const kept = keepRevocation(previous, record);
      if (JSON.stringify(previous) === JSON.stringify(kept)) return;
      this.copy.set(id, kept);
    }
    this.changed(id);
  }

  private changed(id: string): void {
    for (const listener of this.listeners) listener(id);
  }

  /** A stored record, or undefined (reported once) when it is not a whole record under its own id. */
  private verify(id: string, text: string): ApiKeyRecord | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = recordSchema.safeParse(json);
    if (parsed.success && parsed.data.id === id) return parsed.data;
    if (!this.reported.has(id)) {
      this.reported.add(id);
      this.logger?.warn(
        { key: id.slice(0, 16) },
        'stored API key record is not valid (or not under its own id); it is not used',
      );
    }
    return undefined;
  }

  private unreachable(error: Error): void {
    if (this.unreachableSince !== null) return;
    this.unreachableSince = Date.now();
    this.logger?.warn(
      {
        err: error.message,
        keys: this.copy.size,
        copiedAt: this.copiedAt === null ? null : vietnamIso(this.copiedAt),
      },
      'API key store unreachable; checking keys against the local copy',
    );
  }
}

/** A revocation already seen stays: a read that predates it never brings the key back. */
function keepRevocation(previous: ApiKeyRecord | undefined, next: ApiKeyRecord): ApiKeyRecord {
  return previous !== undefined && previous.revokedAt !== null && next.revokedAt === null
    ? { ...next, revokedAt: previous.revokedAt }
    : next;
}
