import { LRUCache } from 'lru-cache';

/**
 * Keeps an upstream answer read before a push from overwriting the pushed state in the cache.
 * Every change (a push, here or on another replica) takes the next number; a fetch notes the
 * number when it goes upstream, and caches only the codes that no change touched since.
 */
export class PushOrdering {
  /** Each changed code's number, kept longer than any fetch can take. */
  private readonly changedAt: LRUCache<string, number>;
  private sequence = 0;

  constructor(keepMs: number) {
    this.changedAt = new LRUCache({ max: 100_000, ttl: keepMs });
  }

  /** These codes of a system changed now. */
  changed(connectorId: string, codes: readonly string[]): void {
    this.sequence += 1;
    for (const code of codes) this.changedAt.set(key(connectorId, code), this.sequence);
  }

  /** Where the changes stand: a fetch notes it as it goes upstream. */
  mark(): number {
    return this.sequence;
  }

  /** Whether the code changed after `mark`: an answer read since then is older than the change. */
  changedSince(connectorId: string, code: string, mark: number): boolean {
    return (this.changedAt.get(key(connectorId, code)) ?? 0) > mark;
  }
}

function key(connectorId: string, code: string): string {
  return `${connectorId}\u0000${code}`;
}
