import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets of runtime registrations at rest: AES-256-GCM with a random 96-bit IV per value and the
 * key id in the sealed text (`enc:v1:<kid>:<iv>:<tag>:<ciphertext>`, base64url), so keys can be
 * rotated: new values are sealed with the current key, old ones open with any listed key, and
 * `npm run connectors -- reencrypt` re-seals everything with the current one.
 */
export class SecretBox {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly currentKid: string,
  ) {}

  /**
   * Keys as `kid:base64` separated by commas or new lines, the current (sealing) one first; a
   * single bare base64 key is kid `k1`. Each key is 32 bytes.
   */
  static fromText(text: string): SecretBox {
    const entries = text
      .split(/[\n,]/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line, index) => {
        const match = /^([A-Za-z0-9_-]{1,32}):(.+)$/.exec(line);
        const [kid, encoded] = match === null ? [`k${index + 1}`, line] : [match[1], match[2]];
        const key = Buffer.from(encoded as string, 'base64');
        if (key.length !== 32)
          throw new Error(`secrets key ${kid}: expected 32 bytes in base64, got ${key.length}`);
        return [kid as string, key] as const;
      });
    if (entries.length === 0) throw new Error('no secrets key given');
    return new SecretBox(new Map(entries), entries[0]?.[0] as string);
  }

  /** A new random key, as `kid:base64`. */
  static generateKeyText(kid = 'k1'): string {
    return `${kid}:${randomBytes(32).toString('base64')}`;
  }

  seal(plain: string): string {
    const key = this.keys.get(this.currentKid) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The key id is authenticated too: a value cannot be moved to another key's slot.
    cipher.setAAD(Buffer.from(this.currentKid, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url'));
    return `enc:v1:${this.currentKid}:${parts.join(':')}`;
  }

  open(sealed: string): string {
    const match = /^enc:v1:([A-Za-z0-9_-]+):([\w-]+):([\w-]+):([\w-]*)$/.exec(sealed);
    if (match === null) throw new Error('not a sealed secret');
    const [, kid, iv, tag, body] = match as unknown as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (key === undefined) throw new Error(`sealed with key ${kid}, which is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }

  static isSealed(value: string): boolean {
    return value.startsWith('enc:v1:');
  }

  /** The key a value was sealed with. */
  static kidOf(sealed: string): string | null {
    return /^enc:v1:([A-Za-z0-9_-]+):/.exec(sealed)?.[1] ?? null;
  }
}

/**
 * Which fields of a registration document are secrets: upstream API key values, passwords, bearer
 * tokens, client secrets, push secrets, wherever they sit (kinds written as code name theirs the
 * same way); `upstream.auth` may be one credential or a list (`upstream.auth[1].value`).
 */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  const last = path.at(-1);
  if (typeof last !== 'string') return false;
  if (/^(password|clientSecret|secret|apiKey|token|privateKey)$/i.test(last)) return true;
  if (path[0] !== 'upstream' || path[1] !== 'auth' || last !== 'value') return false;
  return path.length === 3 || (path.length === 4 && typeof path[2] === 'number');
}

/** Applies `change` to every secret string in a document (a deep copy). */
export function mapSecrets(
  document: unknown,
  change: (value: string, path: readonly (string | number)[]) => string,
  path: (string | number)[] = [],
): unknown {
  if (Array.isArray(document))
    return document.map((item, index) => mapSecrets(item, change, [...path, index]));
  if (document !== null && typeof document === 'object') {
    return Object.fromEntries(
      Object.entries(document).map(([key, value]) => [
        key,
        mapSecrets(value, change, [...path, key]),
      ]),
    );
  }
  if (typeof document === 'string' && isSecretPath(path)) return change(document, path);
  return document;
}

export const REDACTED = '********';
