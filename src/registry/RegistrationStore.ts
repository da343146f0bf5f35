import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { z } from 'zod';
import { ChainMovedError, type ChangeEntry } from '../audit/auditChain';
import { replaceFile } from '../platform/replaceFile';
import {
  closeRedis,
  connectRedis,
  type RedisClient,
  type RedisTarget,
} from '../redis/connectRedis';

/**
 * One version of a runtime registration as stored: the document as submitted (YAML/JSON parsed
 * to a value) with its secrets sealed, and who changed it. Versions only grow; a deletion is a
 * version too (a tombstone), so history and rollback survive it. A runtime entry of the agency
 * directory (namespace `directory`, src/services/agencies) is stored the same way: its id is the
 * agency code, its document one entry of the directory file, `enabled` always true.
 */
export interface StoredRegistration {
  id: string;
  version: number;
  enabled: boolean;
  deleted: boolean;
  document: Record<string, unknown>;
  updatedAt: string;
  updatedBy: string;
  /** `rollback to v3`, `disabled`, … */
  note: string | null;
  /**
   * Set by the gateway on a version it will not run (docs/resilience.md "Quarantine"): its expressions are
   * unsafe under the current rules, or kept reaching their limits. A later version clears it.
   */
  quarantine?: RegistrationQuarantine | null;
}

/** Why and since when a registration version is quarantined. */
export interface RegistrationQuarantine {
  reason: string;
  since: string;
}

const storedSchema = z.object({
  id: z.string(),
  version: z.number().int().min(1),
  enabled: z.boolean(),
  deleted: z.boolean(),
  document: z.record(z.string(), z.unknown()),
  updatedAt: z.string(),
  updatedBy: z.string(),
  note: z.string().nullable(),
  quarantine: z.object({ reason: z.string(), since: z.string() }).nullable().optional(),
});

export type PutResult = { ok: true } | { ok: false; currentVersion: number };

/**
 * Which records a store keeps. Runtime registrations are the default; another kind of versioned
 * record (the agency directory's runtime entries, src/services/agencies) lives beside them in a
 * namespace of its own: the folder `<folder>/<name>/`, or the keys `<prefix><name>:{registry}:…`
 * with the channel `<prefix><name>:registry-changed` (the `{registry}` hash tag stays, so a change
 * and its audit entry are still one script in one Cluster slot).
 */
export interface StoreNamespace {
  /** Empty for registrations; else a lower-case word. */
  name: string;
  /** Which ids the namespace holds; a put of another id throws (a caller checks first). */
  isId(id: string): boolean;
}

/** Runtime registrations: ids of lower-case letters, digits and dashes. */
export const REGISTRATIONS: StoreNamespace = {
  name: '',
  isId: (id) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(id),
};

/** Where runtime registrations live: files on one machine, Redis for many replicas. */
export interface RegistrationStore {
  readonly kind: 'file' | 'redis';
  /** The latest version of every id, deletions included (the caller drops them). */
  latest(): Promise<StoredRegistration[]>;
  history(id: string): Promise<StoredRegistration[]>;
  /**
   * Stores `record` (version = `expectedVersion` + 1) only if the latest stored version is still
   * `expectedVersion` (0: none), together with its audit entry (`entry`, from
   * AuditStore.appendWithChange), and returns once both are durable; otherwise nothing is
   * written. No change is ever live without its entry: on Redis with the audit log there, the
   * change and the entry are one script; elsewhere the entry is written ahead of the change.
   */
  put(record: StoredRegistration, expectedVersion: number, entry: ChangeEntry): Promise<PutResult>;
  /** Called after any change, here or on another replica (and periodically, to reconcile). */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Files on one machine: `<folder>/<id>.json` holds every version; a change takes a lock on the
 * file (proper-lockfile), writes a temporary file, fsyncs it, renames it over, and fsyncs the
 * folder, so an acknowledged change survives a crash and a half-written one never appears.
 */
export class FileRegistrationStore implements RegistrationStore {
  readonly kind = 'file' as const;
  private readonly listeners = new Set<() => void>();
  /** Changes made by another process (the command line) are picked up on this beat. */
  private readonly reconcile: NodeJS.Timeout;

  private constructor(
    private readonly folder: string,
    private readonly namespace: StoreNamespace,
    reconcileMs = 30_000,
  ) {
    this.reconcile = setInterval(() => {
      for (const listener of this.listeners) listener();
    }, reconcileMs);
    this.reconcile.unref();
  }

  /**
   * `folder` is the registry's folder; a namespace other than registrations is a folder in it,
   * made by its first change (until then the registry's folder holds nothing of it).
   */
  static async open(
    folder: string,
    namespace: StoreNamespace = REGISTRATIONS,
  ): Promise<FileRegistrationStore> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return new FileRegistrationStore(
      namespace.name === '' ? folder : join(folder, namespace.name),
      namespace,
    );
  }

  async latest(): Promise<StoredRegistration[]> {
    let names: string[];
    try {
      names = (await readdir(this.folder)).filter((name) => name.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const result: StoredRegistration[] = [];
    for (const name of names) {
      const versions = await this.read(join(this.folder, name));
      const last = versions.at(-1);
      if (last !== undefined) result.push(last);
    }
    return result;
  }

  async history(id: string): Promise<StoredRegistration[]> {
    return this.read(this.file(id));
  }

  async put(
    record: StoredRegistration,
    expectedVersion: number,
    entry: ChangeEntry,
  ): Promise<PutResult> {
    const file = this.file(record.id);
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const release = await lock(file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 50, minTimeout: 10, maxTimeout: 200 },
    });
    try {
      const versions = await this.read(file);
      const current = versions.at(-1)?.version ?? 0;
      if (current !== expectedVersion) return { ok: false, currentVersion: current };
      // Write-ahead, with the lock held: the entry is durable before the change can be seen.
      await entry.writeAhead();
      await replaceFile(file, `${JSON.stringify({ versions: [...versions, record] }, null, 2)}\n`);
    } finally {
      await release();
    }
    for (const listener of this.listeners) listener();
    return { ok: true };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.reconcile);
    this.listeners.clear();
  }

  private file(id: string): string {
    if (!this.namespace.isId(id))
      throw new Error(`not an id of ${this.namespace.name || 'registration'}: ${id}`);
    return join(this.folder, `${id}.json`);
  }

  private async read(file: string): Promise<StoredRegistration[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return z.object({ versions: z.array(storedSchema) }).parse(JSON.parse(text)).versions;
  }
}

/**
 * Atomically: compare the latest version; with an audit entry (KEYS 3–5: its chain's stream, head
 * and writers' set, all in the `{registry}` slot), check the chain's head is still the one the
 * entry was chained on (-2 if not), append the entry and move the head; then store the record,
 * append it to history, tell everyone. Nothing is written unless all of it is.
 */
const PUT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local version = 0
if current then version = cjson.decode(current).version end
if version ~= tonumber(ARGV[2]) then return version end
if #KEYS == 5 then
  local head = redis.call('GET', KEYS[4]) or ''
  if head ~= ARGV[5] then return -2 end
  redis.call('XADD', KEYS[3], '*', 'e', ARGV[6])
  redis.call('SET', KEYS[4], ARGV[7])
  redis.call('SADD', KEYS[5], ARGV[8])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return -1
`;

/**
 * Redis for many replicas: the latest versions in one hash, each id's history in a list (hash tag
 * `{registry}`, one Cluster slot), a compare-and-set script, and a pub/sub channel that tells every
 * replica to reload; every 30 s each replica reloads anyway, in case it missed a message.
 */
export class RedisRegistrationStore implements RegistrationStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly listeners = new Set<() => void>();
  private readonly reconcile: NodeJS.Timeout;
  private readonly prefix: string;

  /** `prefix` is the deployment's key prefix; a namespace other than registrations extends it. */
  constructor(
    target: RedisTarget,
    prefix: string,
    private readonly namespace: StoreNamespace = REGISTRATIONS,
    reconcileMs = 30_000,
  ) {
    this.prefix = namespace.name === '' ? prefix : `${prefix}${namespace.name}:`;
    this.redis = connectRedis(target, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
    this.subscriber = connectRedis(target, { maxRetriesPerRequest: null });
    this.redis.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber.on('message', () => this.notify());
    // After a reconnect the subscription is back, but messages sent meanwhile are lost: reload.
    this.subscriber.on('ready', () => this.notify());
    this.reconcile = setInterval(() => this.notify(), reconcileMs);
    this.reconcile.unref();
  }

  private get latestKey(): string {
    return `${this.prefix}{registry}:latest`;
  }

  private historyKey(id: string): string {
    return `${this.prefix}{registry}:history:${id}`;
  }

  private get channel(): string {
    return `${this.prefix}registry-changed`;
  }

  async latest(): Promise<StoredRegistration[]> {
    const values = await this.redis.hvals(this.latestKey);
    return values
      .map((text) => storedSchema.parse(JSON.parse(text)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async history(id: string): Promise<StoredRegistration[]> {
    const values = await this.redis.lrange(this.historyKey(id), 0, -1);
    return values.map((text) => storedSchema.parse(JSON.parse(text)));
  }

  async put(
    record: StoredRegistration,
    expectedVersion: number,
    entry: ChangeEntry,
  ): Promise<PutResult> {
    if (!this.namespace.isId(record.id))
      throw new Error(`not an id of ${this.namespace.name || 'registration'}: ${record.id}`);
    const keys = [this.latestKey, this.historyKey(record.id)];
    const args = [record.id, String(expectedVersion), JSON.stringify(record), this.channel];
    const audit = entry.inScript();
    if (audit !== null) {
      // The audit log is on this Redis (the configuration gives both one target): one script.
      keys.push(audit.stream, audit.head, audit.writers);
      args.push(
        audit.expectedHead,
        JSON.stringify(entry.record),
        audit.newHead,
        entry.record.writer,
      );
    } else {
      // The audit log is elsewhere (AUDIT_DIR): the entry goes first, then the change; a change
      // lost to another replica in between is followed by an entry saying so.
      const current = await this.redis.hget(this.latestKey, record.id);
      const version = current === null ? 0 : storedSchema.parse(JSON.parse(current)).version;
      if (version !== expectedVersion) return { ok: false, currentVersion: version };
      await entry.writeAhead();
    }
    const result = (await this.redis.eval(PUT_SCRIPT, keys.length, ...keys, ...args)) as number;
    if (result === -2) throw new ChainMovedError();
    if (result !== -1) return { ok: false, currentVersion: result };
    this.notify();
    return { ok: true };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.reconcile);
    this.listeners.clear();
    this.subscriber.disconnect();
    await closeRedis(this.redis);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
