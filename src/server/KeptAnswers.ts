import { LRUCache } from 'lru-cache';
import type { CachedDossier } from '../cache/DossierCache';
import type { Principal } from '../auth/Principal';

/**
 * What one request's answer was made of, collected while it executes (the dossier lookup, the
 * timeliness resolver and the server's plugin report here). An answer can be kept as bytes only
 * when every part of it can be checked again cheaply: dossiers served from the cache (so the bytes
 * say `cached: true` and the entry's `fetchedAt`), no errors, nothing audited or unmasked, and
 * nothing that changes with the clock before `validUntil`.
 */
export class KeptAnswerRecord {
  cacheable = true;
  /** Until when (ms since the epoch) nothing in the answer changes with the clock alone. */
  validUntil = Number.POSITIVE_INFINITY;
  /** The cache entries the answer was made from, by code. */
  readonly entries: Array<{ code: string; entry: CachedDossier }> = [];
  /** Root field and operation type, for the request metrics of a later hit. */
  labels: { type: string; field: string } | null = null;

  /** A dossier answered: keepable only when served as is from the cache. */
  dossier(code: string, entry: CachedDossier, cached: boolean, stale: boolean): void {
    if (!cached || stale) this.cacheable = false;
    else this.entries.push({ code, entry });
  }

  /** Something in the answer changes at `ms` (a due date passing, the day changing). */
  until(ms: number): void {
    if (ms < this.validUntil) this.validUntil = ms;
  }

  /** The answer cannot be kept (an error, an audited read, a value that changes every moment). */
  refuse(): void {
    this.cacheable = false;
  }
}

interface KeptAnswer {
  status: number;
  /** Apollo's headers and the length, as `writeHead` takes them (name, value, name, value…). */
  rawHeaders: string[];
  body: Buffer;
  entries: Array<{ code: string; entry: CachedDossier }>;
  validUntil: number;
  /** The routing generation it was answered under (a registration change makes a new one). */
  generation: object;
  labels: { type: string; field: string };
}

export interface KeptAnswersOptions {
  /** Most answers kept. */
  maxEntries: number;
  /** Most bytes of answers kept. */
  maxBytes: number;
  /** This process's cache entry for a code right now (no I/O), to check an answer still holds. */
  peek(code: string): CachedDossier | undefined;
  /** The current routing generation: an object replaced whenever registrations change. */
  generation(): object;
  now(): number;
}

/**
 * Serialized answers of dossier lookups per caller scope (issue 10): the portal asks the same few
 * codes again and again, and once a dossier is in the cache its answer is the same bytes until the
 * cache entry changes, registrations change, or the clock crosses a boundary the answer depends
 * on. Kept per request text (exact body, content type and Accept) and per principal scope (who,
 * which role, which agencies and systems), so masking and scope are those of the request that
 * made the bytes. Every hit is checked against the live cache entries it was made from (identity,
 * freshness), so a refresh, a push or an eviction makes the next request go the whole way again.
 *
 * Kept by request body first, then by scope and headers (each a short string): one key of both
 * would be a new string the length of the body per request, copied and hashed in full.
 *
 * Authentication, rate limiting and request metrics run for every request before the lookup here;
 * only answers that need no audit entry are ever kept.
 */
export interface KeptAnswerKey {
  /** The request body, exactly as received. */
  body: string;
  /** Who asks (principal scope), what answer type (Accept) and how the body is written. */
  scope: string;
}

/** A principal's scope as key text, made once per principal object (principals are immutable). */
const scopes = new WeakMap<Principal, string>();

export class KeptAnswers {
  /** By request body: the answers kept for it, by scope. */
  private readonly answers: LRUCache<string, Map<string, KeptAnswer>>;
  /** Answers kept, over every body (at most `maxEntries`). */
  private kept = 0;

  constructor(private readonly options: KeptAnswersOptions) {
    this.answers = new LRUCache<string, Map<string, KeptAnswer>>({
      maxSize: options.maxBytes,
      sizeCalculation: (variants, body) => sizeOf(body, variants),
      dispose: (variants) => {
        this.kept -= variants.size;
      },
    });
  }

  /** The key of a request: who asks (scope) and exactly what. */
  static key(
    principal: Principal,
    accept: string,
    contentType: string,
    body: string,
  ): KeptAnswerKey {
    let scope = scopes.get(principal);
    if (scope === undefined) {
      scope = `${principal.id}\n${principal.role}\n${principal.agencies.join(',')}\n${principal.connectors.join(',')}`;
      scopes.set(principal, scope);
    }
    return { body, scope: `${scope}\n${accept}\n${contentType}` };
  }

  /** A kept answer that still holds, or undefined. */
  get(key: KeptAnswerKey): KeptAnswer | undefined {
    const variants = this.answers.get(key.body);
    const stored = variants?.get(key.scope);
    if (variants === undefined || stored === undefined) return undefined;
    const now = this.options.now();
    let holds = now < stored.validUntil && stored.generation === this.options.generation();
    for (let i = 0; holds && i < stored.entries.length; i += 1) {
      const { code, entry } = stored.entries[i] as { code: string; entry: CachedDossier };
      holds = this.options.peek(code) === entry && now < entry.freshUntil;
    }
    if (!holds) {
      if (variants.size === 1) this.answers.delete(key.body);
      else {
        // Its bytes stay counted until the body's answers are set again: evicted early, not late.
        variants.delete(key.scope);
        this.kept -= 1;
      }
      return undefined;
    }
    return stored;
  }

  /** Keeps an answer when its record allows it. */
  set(
    key: KeptAnswerKey,
    record: KeptAnswerRecord,
    generation: object,
    response: { status: number; headers: Array<[string, string]>; body: string },
  ): void {
    if (!record.cacheable || record.labels === null || response.status !== 200) return;
    const now = this.options.now();
    let validUntil = record.validUntil;
    for (const { entry } of record.entries) validUntil = Math.min(validUntil, entry.freshUntil);
    if (validUntil <= now) return;
    const body = Buffer.from(response.body);
    // A new map, set again: the body's size is counted anew (the one it replaces is disposed).
    const variants = new Map(this.answers.peek(key.body));
    variants.delete(key.scope); // set again below: the newest last
    variants.set(key.scope, {
      status: response.status,
      rawHeaders: [...response.headers.flat(), 'content-length', String(body.length)],
      body,
      entries: record.entries,
      validUntil,
      generation,
      labels: record.labels,
    });
    // One body's answers alone within both bounds, its oldest scopes going first (else the whole
    // body would be evicted, the answer just made with it).
    for (const scope of variants.keys()) {
      if (
        variants.size <= this.options.maxEntries &&
        sizeOf(key.body, variants) <= this.options.maxBytes
      )
        break;
      variants.delete(scope);
    }
    if (variants.size === 0) return;
    this.answers.set(key.body, variants);
    if (this.answers.peek(key.body) !== variants) return;
    this.kept += variants.size;
    // Then the least recently used other bodies, as many as the entry bound needs.
    while (this.kept > this.options.maxEntries && this.answers.size > 1) this.answers.pop();
  }

  /** The routing generation now: taken before a request executes, stored with its answer. */
  generation(): object {
    return this.options.generation();
  }
}

/** What a body's answers count against the byte bound. */
function sizeOf(body: string, variants: ReadonlyMap<string, KeptAnswer>): number {
  let size = body.length + 200;
  for (const [scope, stored] of variants) size += scope.length + stored.body.length + 200;
  return size;
}
