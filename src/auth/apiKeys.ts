import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { z } from 'zod';
import { replaceFile } from '../platform/replaceFile';
import { vietnamIso } from '../domain/vietnamTime';
import { ROLES, type Role } from './roles';

/**
 * API keys: `dvck_<id>_<secret>`. Only the SHA-256 of the secret is stored (the secret has 256 bits
 * of entropy, so a plain hash is enough; no password stretching needed); the whole key is shown
 * once, when created. Keys can expire and be revoked.
 */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  agencies: string[];
  connectors: string[];
  /** SHA-256 of the secret part, hex. */
  secretHash: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export type PublicApiKey = Omit<ApiKeyRecord, 'secretHash'>;

export interface NewApiKey {
  name: string;
  role: Role;
  agencies?: readonly string[];
  connectors?: readonly string[];
  expiresAt?: string | null;
  createdBy: string;
}

/** A stored record, checked whole: a record that does not match is never used. */
export const recordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: z.string().min(1).max(200),
  role: z.enum(ROLES),
  agencies: z.array(z.string()),
  connectors: z.array(z.string()),
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const KEY_FORMAT = /^dvck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Why a presented key is not valid, or its record. */
export type KeyCheck =
  | { ok: true; record: ApiKeyRecord }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

/** Where keys live: one JSON file on one machine, a Redis hash for many replicas. */
export interface ApiKeyStore {
  readonly kind: 'file' | 'memory' | 'redis';
  create(input: NewApiKey, now: Date): Promise<{ key: string; record: ApiKeyRecord }>;
  /** Checks a presented key: format, known id, secret, not revoked, not expired. */
  check(presented: string, now: Date): Promise<KeyCheck>;
  revoke(id: string, now: Date): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  /**
   * Calls `listener` with the id of each key changed elsewhere (another replica, the command
   * line), so that what was trusted of it is forgotten at once. Stores shared by replicas only.
   */
  onChange?(listener: (id: string) => void): () => void;
  close(): Promise<void>;
}

/** A new key: its id and secret, and the record (hash only) to store. */
export function newKey(input: NewApiKey, now: Date): { key: string; record: ApiKeyRecord } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return {
    key: `dvck_${id}_${secret}`,
    record: {
      id,
      name: input.name,
      role: input.role,
      agencies: [...(input.agencies ?? [])],
      connectors: [...(input.connectors ?? [])],
      secretHash: hashSecret(secret),
      createdAt: vietnamIso(now),
      createdBy: input.createdBy,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    },
  };
}

/** Checks a presented secret against a record (constant-time), then revocation and expiry. */
export function checkAgainst(
  record: ApiKeyRecord | undefined,
  secret: string,
  now: Date,
): KeyCheck {
  if (record === undefined) return { ok: false, reason: 'unknown' };
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(record.secretHash, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored))
    return { ok: false, reason: 'unknown' };
  if (record.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime())
    return { ok: false, reason: 'expired' };
  return { ok: true, record };
}

/** `dvck_<id>_<secret>` → its id and secret, or null when it is not shaped like a key. */
export function parseKey(presented: string): { id: string; secret: string } | null {
  const match = KEY_FORMAT.exec(presented);
  return match === null ? null : { id: match[1] as string, secret: match[2] as string };
}

/**
 * Keys in a JSON file (`API_KEYS_FILE`), written whole to a temporary file, fsynced and renamed, so a crash
 * never leaves half a file; or only in memory (the embedded default's demo keys) when no path.
 * The file is read again when it changes (a key made with `npm run keys` while the gateway runs is
 * accepted within a second); changes re-read it first, so the gateway and the CLI do not undo
 * each other's keys.
 */
export class FileApiKeyStore implements ApiKeyStore {
  readonly kind: 'file' | 'memory';
  private records = new Map<string, ApiKeyRecord>();
  /** Identity of the file version in memory (inode, size, mtime). */
  private loaded = '';
  private checkedAt = 0;
  /** Changes made by this process, one at a time. */
  private changing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly path: string | null) {
    this.kind = path === null ? 'memory' : 'file';
  }

  /** Opens the file (a missing file is an empty store; an unreadable one is an error). */
  static async open(path: string | null): Promise<FileApiKeyStore> {
    const store = new FileApiKeyStore(path);
    await store.reload(true);
    return store;
  }

  create(input: NewApiKey, now: Date) {
    return this.change(() => {
      const created = newKey(input, now);
      this.records.set(created.record.id, created.record);
      return { result: created, changed: true };
    });
  }

  async check(presented: string, now: Date): Promise<KeyCheck> {
    const parsed = parseKey(presented);
    if (parsed === null) return { ok: false, reason: 'malformed' };
    await this.reload(false);
    return checkAgainst(this.records.get(parsed.id), parsed.secret, now);
  }

  revoke(id: string, now: Date): Promise<ApiKeyRecord | null> {
    return this.change(() => {
      const record = this.records.get(id);
      if (record === undefined) return { result: null, changed: false };
      if (record.revokedAt !== null) return { result: record, changed: false };
      const revoked = { ...record, revokedAt: vietnamIso(now) };
      this.records.set(id, revoked);
      return { result: revoked, changed: true };
    });
  }

  async list(): Promise<ApiKeyRecord[]> {
    await this.reload(true);
    return [...this.records.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async close(): Promise<void> {
    await this.changing.catch(() => undefined);
  }

  /**
   * Read, change, write under a lock on the file (proper-lockfile), so that the gateway and the
   * command line never undo each other's changes.
   */
  private change<T>(apply: () => { result: T; changed: boolean }): Promise<T> {
    const run = this.changing.then(async () => {
      const path = this.path;
      if (path === null) return apply().result;
      await mkdir(dirname(path), { recursive: true });
      const release = await lock(path, {
        realpath: false,
        stale: 10_000,
        retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
      });
      try {
        await this.reload(true);
        const { result, changed } = apply();
        if (changed) await this.write(path);
        return result;
      } finally {
        await release();
      }
    });
    this.changing = run.catch(() => undefined);
    return run;
  }

  /** Replaces the file atomically and durably (fsynced temporary file, rename, fsynced folder). */
  private async write(path: string): Promise<void> {
    const text = `${JSON.stringify({ keys: [...this.records.values()] }, null, 2)}\n`;
    await replaceFile(path, text);
    this.loaded = stamp(await stat(path));
  }

  /** Reads the file again if it changed (looked at most once a second unless `now`). */
  private async reload(now: boolean): Promise<void> {
    const path = this.path;
    if (path === null) return;
    if (!now && Date.now() - this.checkedAt < 1000) return;
    this.checkedAt = Date.now();
    let current: string;
    try {
      current = stamp(await stat(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (current === this.loaded) return;
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${path} is not an API key file: not JSON`);
    }
    const parsed = z.object({ keys: z.array(recordSchema) }).safeParse(json);
    if (!parsed.success) throw new Error(`${path} is not an API key file: ${parsed.error.message}`);
    this.records = new Map(parsed.data.keys.map((record) => [record.id, record]));
    this.loaded = current;
  }
}

function stamp(stats: { ino: number; size: number; mtimeMs: number }): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** What may be shown of a key: everything but its hash. */
export function publicKey(record: ApiKeyRecord): PublicApiKey {
  const { secretHash: _secretHash, ...rest } = record;
  return rest;
}
