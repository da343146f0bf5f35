import { LRUCache } from 'lru-cache';
import type { StateMark } from './stateMark';

/** One dossier as just read: its code and state. */
export interface Observed extends StateMark {
  code: string;
}

/**
 * What the gateway last knew of each dossier it has seen, per system (docs/decisions/0009): the
 * one place that decides whether a state is new. In process without Redis; on Redis, shared by
 * the replicas, each compare-and-set atomic, so a change seen by two replicas (or by a push and a
 * poll) is one change.
 */
export interface KnownStates {
  readonly kind: 'memory' | 'redis';
  /**
   * Says, without recording anything, whether each state is new: the full digest known before
   * (null: never seen), or `undefined` when it is the one known or older than it (`version`).
   */
  compare(
    connectorId: string,
    observed: readonly Observed[],
  ): Promise<Array<string | null | undefined>>;
  /**
   * Records each state, and says for each whether it was new, as `compare` does (a state older
   * than the one known is not recorded). Open dossiers are noted as checked at `at` (ms); settled
   * ones leave the recheck rotation.
   */
  compareAndSet(
    connectorId: string,
    observed: readonly Observed[],
    at: number,
  ): Promise<Array<string | null | undefined>>;
  /** The listing digest and version known for each code (null: never seen). */
  cores(
    connectorId: string,
    codes: readonly string[],
  ): Promise<Array<{ core: string; version: number } | null>>;
  /** Up to `limit` open dossiers of the system, the longest unchecked first. */
  dueForRecheck(connectorId: string, limit: number): Promise<string[]>;
  /** Notes the codes as checked at `at` without a state (their lookup failed). */
  touch(connectorId: string, codes: readonly string[], at: number): Promise<void>;
  /**
   * Forgets what was known of the codes and puts them first in the recheck rotation: their new
   * state could not be passed on (the outbox refused it), so the next sight is a change again.
   */
  unsee(connectorId: string, codes: readonly string[]): Promise<void>;
  /** Drops the codes (the system says they do not exist). */
  drop(connectorId: string, codes: readonly string[]): Promise<void>;
  /** How many open dossiers the system has in the rotation. */
  openCount(connectorId: string): Promise<number>;
  /**
   * Where the system's changed-since reading stands (`changes.modified`): the start (ms) of its
   * last complete read; null before the first.
   */
  mark(connectorId: string): Promise<number | null>;
  /** Moves the mark to `at` (ms), never back: a later read already moved it further. */
  setMark(connectorId: string, at: number): Promise<void>;
  close(): Promise<void>;
}

interface Known {
  full: string | null;
  core: string | null;
  version: number;
  /** When last checked (ms); undefined when settled. */
  checkedAt: number | undefined;
}

/**
 * In process, for one gateway without Redis: at most `maxEntries` dossiers, the least recently
 * seen forgotten first (a forgotten dossier's next sight counts as new).
 */
export class MemoryKnownStates implements KnownStates {
  readonly kind = 'memory' as const;
  private readonly known: LRUCache<string, Known>;
  /** Open codes per system, in the order of their last check (a Map keeps insertion order). */
  private readonly open = new Map<string, Map<string, number>>();
  /** Changed-since marks per system. */
  private readonly marks = new Map<string, number>();

  constructor(maxEntries = 500_000) {
    this.known = new LRUCache({
      max: maxEntries,
      dispose: (_value, key, reason) => {
        if (reason !== 'evict') return;
        const [connectorId, code] = split(key);
        this.open.get(connectorId)?.delete(code);
      },
    });
  }

  async compareAndSet(
    connectorId: string,
    observed: readonly Observed[],
    at: number,
  ): Promise<Array<string | null | undefined>> {
    return observed.map((state) => {
      const key = join(connectorId, state.code);
      const before = this.known.get(key);
      const verdict = judge(before, state);
      if (verdict !== undefined || before === undefined)
        this.known.set(key, {
          full: state.full,
          core: state.core,
          version: state.version,
          checkedAt: at,
        });
      // Checked now, whatever it said; an older reading does not settle a dossier.
      const rotation = this.rotation(connectorId);
      const settles = verdict !== undefined && !state.open;
      if (settles) rotation.delete(state.code);
      else if (rotation.has(state.code) || state.open) {
        rotation.delete(state.code);
        rotation.set(state.code, at);
      }
      return verdict;
    });
  }

  async compare(
    connectorId: string,
    observed: readonly Observed[],
  ): Promise<Array<string | null | undefined>> {
    return observed.map((state) => judge(this.known.peek(join(connectorId, state.code)), state));
  }

  async cores(
    connectorId: string,
    codes: readonly string[],
  ): Promise<Array<{ core: string; version: number } | null>> {
    return codes.map((code) => {
      const known = this.known.peek(join(connectorId, code));
      return known?.core == null ? null : { core: known.core, version: known.version };
    });
  }

  async dueForRecheck(connectorId: string, limit: number): Promise<string[]> {
    const rotation = this.open.get(connectorId);
    if (rotation === undefined) return [];
    return [...rotation.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([code]) => code);
  }

  async touch(connectorId: string, codes: readonly string[], at: number): Promise<void> {
    const rotation = this.rotation(connectorId);
    for (const code of codes) {
      if (!rotation.has(code)) continue;
      rotation.delete(code);
      rotation.set(code, at);
    }
  }

  async unsee(connectorId: string, codes: readonly string[]): Promise<void> {
    const rotation = this.rotation(connectorId);
    for (const code of codes) {
      this.known.set(join(connectorId, code), { full: null, core: null, version: 0, checkedAt: 0 });
      rotation.set(code, 0);
    }
  }

  async drop(connectorId: string, codes: readonly string[]): Promise<void> {
    for (const code of codes) {
      this.known.delete(join(connectorId, code));
      this.open.get(connectorId)?.delete(code);
    }
  }

  async openCount(connectorId: string): Promise<number> {
    return this.open.get(connectorId)?.size ?? 0;
  }

  async mark(connectorId: string): Promise<number | null> {
    return this.marks.get(connectorId) ?? null;
  }

  async setMark(connectorId: string, at: number): Promise<void> {
    if (at > (this.marks.get(connectorId) ?? Number.NEGATIVE_INFINITY))
      this.marks.set(connectorId, at);
  }

  async close(): Promise<void> {
    this.known.clear();
    this.open.clear();
    this.marks.clear();
  }

  private rotation(connectorId: string): Map<string, number> {
    let rotation = this.open.get(connectorId);
    if (rotation === undefined) {
      rotation = new Map();
      this.open.set(connectorId, rotation);
    }
    return rotation;
  }
}

/** The digest known before when `state` is new; undefined when it is known, or older. */
function judge(before: Known | undefined, state: Observed): string | null | undefined {
  if (before === undefined || before.full === null) return null;
  if (before.full === state.full || state.version < before.version) return undefined;
  return before.full;
}

function join(connectorId: string, code: string): string {
  return `${connectorId}\u0000${code}`;
}

function split(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
