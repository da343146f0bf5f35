import { hash as cryptoHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../connectors/contract';
import type { ErrorCode } from '../errors/ErrorCode';
import type { ApiKeyRecord, ApiKeyStore } from './apiKeys';
import type { JwtVerifier } from './jwt';
import type { Principal } from './Principal';

/** What the caller presented. */
export interface Credentials {
  authorization?: string;
  apiKey?: string;
}

export type AuthResult =
  /** `principal` null: no credentials at all (anonymous; allowed nothing in the API). */
  | { ok: true; principal: Principal | null }
  | {
      ok: false;
      status: 401 | 503;
      code: Extract<ErrorCode, 'UNAUTHENTICATED' | 'UNAVAILABLE'>;
      message: string;
    };

/**
 * How long a checked key is trusted without asking the store again. A store shared by replicas
 * also says at once when a key changed elsewhere (`onChange`); this bounds what a missed
 * message can cost.
 */
const KEY_CACHE_MS = 10_000;

/**
 * Turns credentials into a principal: an API key (`X-Api-Key: dvck_…`, or as a bearer token) or
 * a JWT bearer token. Wrong credentials are refused (401), never treated as anonymous. Reasons are
 * logged with the key id or token subject at most, never the secret.
 */
export class Authenticator {
  /** Keys checked lately, by hash; trusted until `trustedUntil` (own clock: no LRU timers). */
  private readonly checked = new LRUCache<
    string,
    {
      principal: Principal;
      /** The answer given for it (shared: results are read, never changed). */
      result: AuthResult;
      expiresAt: number;
      trustedUntil: number;
    }
  >({ max: 10_000 });
  private lastUnavailableLog = 0;
  /** Keys forgotten so far: a check under way while one is forgotten is not trusted afterwards. */
  private forgotten = 0;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly jwt: JwtVerifier | null,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {
    // A key revoked (or changed) on another replica is forgotten here as soon as the store hears.
    keys.onChange?.((id) => this.forgetKey(id));
  }

  /**
   * The caller's principal. A key checked a moment ago is answered at once (no promise: this is
   * on every kept answer's path); anything else asks the key store or verifies the token.
   */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult> {
    const bearer =
      credentials.authorization === undefined
        ? undefined
        : /^Bearer\s+(\S+)\s*$/i.exec(credentials.authorization)?.[1];
    if (credentials.authorization !== undefined && bearer === undefined)
      return refuse('Authorization must be "Bearer <token or API key>"');
    if (bearer !== undefined && credentials.apiKey !== undefined)
      return refuse('send one credential: X-Api-Key or Authorization, not both');
    const key = credentials.apiKey ?? (bearer?.startsWith('dvck_') ? bearer : undefined);
    if (key !== undefined) {
      // One-shot hashing: no Hash object per request.
      const hash = cryptoHash('sha256', key, 'hex');
      return this.knownKey(hash) ?? this.byKey(key, hash);
    }
    if (bearer !== undefined) return this.byToken(bearer);
    return ANONYMOUS;
  }

  /**
   * A key revoked here stops working here at once; elsewhere as soon as the store announces it
   * (`onChange`), at most KEY_CACHE_MS after a missed announcement.
   */
  forgetKey(id: string): void {
    this.forgotten += 1;
    for (const [hash, entry] of this.checked.entries()) {
      if (entry.principal.id === `key:${id}`) this.checked.delete(hash);
    }
  }

  /** A key (by hash) trusted a moment ago, and not past its own expiry. */
  private knownKey(hash: string): AuthResult | undefined {
    const known = this.checked.get(hash);
    if (known === undefined) return undefined;
    const now = this.now().getTime();
    return now < known.expiresAt && now < known.trustedUntil ? known.result : undefined;
  }

  private async byKey(key: string, hash: string): Promise<AuthResult> {
    let check: Awaited<ReturnType<ApiKeyStore['check']>>;
    const forgotten = this.forgotten;
    try {
      check = await this.keys.check(key, this.now());
    } catch (error) {
      // Unreachable, not refused: the caller is told to retry, and it never counts as a refusal.
      // Logged at most once a second: an outage must not flood the logs.
      const at = Date.now();
      if (at - this.lastUnavailableLog >= 1000) {
        this.lastUnavailableLog = at;
        this.logger.error({ err: (error as Error).message }, 'API key store unavailable');
      }
      return {
        ok: false,
        status: 503,
        code: 'UNAVAILABLE',
        message: 'the API key store cannot be reached to check this key; try again shortly',
      };
    }
    if (!check.ok) {
      const id = /^dvck_([0-9a-f]{16})_/.exec(key)?.[1];
      this.logger.warn({ key: id ?? null, reason: check.reason }, 'API key refused');
      return refuse(
        check.reason === 'malformed'
          ? 'not an API key (dvck_<id>_<secret>)'
          : `API key ${check.reason === 'unknown' ? 'not recognised' : check.reason}`,
      );
    }
    const principal = keyPrincipal(check.record);
    // A key changed while it was being checked may have been revoked: answered, not remembered.
    if (forgotten !== this.forgotten) return { ok: true, principal };
    this.checked.set(hash, {
      principal,
      result: Object.freeze({ ok: true, principal }),
      expiresAt: check.record.expiresAt === null ? Infinity : Date.parse(check.record.expiresAt),
      trustedUntil: this.now().getTime() + KEY_CACHE_MS,
    });
    return { ok: true, principal };
  }

  private async byToken(token: string): Promise<AuthResult> {
    if (this.jwt === null) return refuse('bearer tokens are not configured here; use an API key');
    const check = await this.jwt.verify(token, this.now());
    if (!check.ok) {
      this.logger.warn({ reason: check.reason }, 'bearer token refused');
      return refuse(check.reason);
    }
    const { token: verified } = check;
    return {
      ok: true,
      principal: {
        id: `jwt:${verified.issuer}:${verified.subject}`,
        name: verified.name,
        role: verified.role,
        via: 'jwt',
        agencies: verified.role === 'province-it' ? verified.agencies : [],
        connectors: verified.role === 'province-it' ? verified.connectors : [],
      },
    };
  }
}

export function keyPrincipal(record: ApiKeyRecord): Principal {
  return {
    id: `key:${record.id}`,
    name: record.name,
    role: record.role,
    via: 'apiKey',
    agencies: record.role === 'province-it' ? record.agencies : [],
    connectors: record.role === 'province-it' ? record.connectors : [],
  };
}

const ANONYMOUS: AuthResult = Object.freeze({ ok: true, principal: null });

function refuse(message: string): AuthResult {
  return { ok: false, status: 401, code: 'UNAUTHENTICATED', message };
}
