import { mkdirSync } from 'node:fs';
import { open, readFile, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../../platform/replaceFile';
import type { DossierChange } from '../changes/DossierChange';
import {
  SyncOutboxUnavailableError,
  type DeadLetter,
  type Outbox,
  type OutboxCounts,
  type OutboxEntry,
} from './Outbox';
import { readChange, type ReadChange } from './readChange';

/** A file of delivered entries is started afresh past this size, once everything is settled. */
const COMPACT_BYTES = 8 * 1024 * 1024;

interface FileEntry extends OutboxEntry {
  /** Byte offset just past its line. */
  end: number;
}

interface State {
  generation: number;
  /** Byte offset of the first line not settled. */
  offset: number;
  counts: Record<string, Omit<OutboxCounts, 'appended'>>;
}

/**
 * The outbox without Redis (the embedded default, one process; docs/sync-bridge.md): in `dir`,
 * `outbox-<generation>.jsonl` holds one change per line, appended and fsynced before `append`
 * resolves; `state.json` holds the offset of the first line not settled (replaced atomically at
 * each settle), so a process killed with -9 delivers again at most the one change it was
 * delivering. A line cut short by a kill mid-append was never acknowledged and is dropped.
 * Dead letters go to `dead.jsonl`. Once every line is settled and the file is past 8 MB it is
 * started afresh (the delivered lines, kept for `replay --since` until then, go). One partition:
 * changes go in the order appended, and a change being retried holds back those after it.
 * `lock` names the process using the folder; a second live process is refused.
 */
export class FileOutbox implements Outbox {
  readonly partitions = 1;
  private readonly queue: FileEntry[] = [];
  private readonly controller = new AbortController();
  private chain: Promise<unknown> = Promise.resolve();
  /** Dossiers ever delivered, `<connector>\u0000<code>` (kept in `synced.jsonl`). */
  private readonly syncedDossiers = new Set<string>();
  /** Per connector, when a change of it was first delivered (the first mark in `synced.jsonl`). */
  private readonly firstDelivered = new Map<string, string>();

  private constructor(
    private readonly dir: string,
    private state: State,
    private handle: FileHandle,
    private size: number,
  ) {}

  static async open(dir: string): Promise<FileOutbox> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await takeLock(dir);
    const state = await readState(dir);
    // A newer generation whose state was never written is empty: removed, as are older ones.
    for (const name of await readdir(dir)) {
      const match = /^outbox-(\d+)\.jsonl$/.exec(name);
      if (match !== null && Number(match[1]) !== state.generation) await rm(join(dir, name));
    }
    const path = outboxFile(dir, state.generation);
    const handle = await open(path, 'a+', 0o600);
    const text = await readFile(path);
    // A last line without its newline was cut short by a kill mid-append: never acknowledged.
    const whole = text.lastIndexOf(0x0a) + 1;
    if (whole < text.length) {
      await handle.truncate(whole);
      await handle.sync();
    }
    const outbox = new FileOutbox(dir, state, handle, whole);
    for (const line of await readLines<{ c?: unknown; d?: unknown; at?: unknown; found?: unknown }>(
      join(dir, 'synced.jsonl'),
    ))
      if (typeof line.c === 'string' && typeof line.d === 'string') {
        outbox.syncedDossiers.add(syncedKey(line.c, line.d));
        const found = typeof line.found === 'string' ? line.found : line.at;
        if (typeof found === 'string' && !outbox.firstDelivered.has(line.c))
          outbox.firstDelivered.set(line.c, found);
      }
    let start = Math.min(state.offset, whole);
    while (start < whole) {
      const end = text.indexOf(0x0a, start) + 1;
      const line = parseLine(text.subarray(start, end - 1).toString('utf8'));
      // An unreadable line is queued too, marked: it is dead-lettered with its reason.
      if (line !== null)
        outbox.queue.push({
          id: `${state.generation}:${start}`,
          partition: 0,
          appendedAt: line.at,
          ...line.read,
          end,
        });
      start = end;
    }
    return outbox;
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  append(changes: readonly DossierChange[]): Promise<void> {
    return this.locked(async () => {
      const at = Date.now();
      let offset = this.size;
      const entries: FileEntry[] = [];
      const lines = changes.map((change) => {
        const line = `${JSON.stringify({ at, change })}\n`;
        const end = offset + Buffer.byteLength(line);
        entries.push({
          id: `${this.state.generation}:${offset}`,
          partition: 0,
          appendedAt: at,
          change,
          end,
        });
        offset = end;
        return line;
      });
      try {
        await this.handle.write(lines.join(''));
        await this.handle.datasync();
      } catch (error) {
        await this.handle.truncate(this.size).catch(() => undefined);
        throw new SyncOutboxUnavailableError(
          `the sync outbox (${this.dir}) did not take ${changes.length} change(s): ${(error as Error).message}`,
        );
      }
      this.size = offset;
      this.queue.push(...entries);
    });
  }

  async hold(): Promise<ReadonlyMap<number, AbortSignal>> {
    return this.controller.signal.aborted ? new Map() : new Map([[0, this.controller.signal]]);
  }

  async next(_partition: number, count: number): Promise<OutboxEntry[]> {
    return this.queue.slice(0, count);
  }

  async holds(_partition: number): Promise<boolean> {
    return !this.controller.signal.aborted;
  }

  async delivered(entry: OutboxEntry, at: Date): Promise<boolean> {
    const { connectorId, code, detectedAt } = entry.change;
    const key = syncedKey(connectorId, code);
    // When the gateway found the change: the first one delivered says since when it follows.
    const foundMs = Date.parse(detectedAt);
    const found = new Date(Number.isNaN(foundMs) ? 0 : foundMs).toISOString();
    await this.settle(
      entry,
      (counts) => {
        counts.delivered += 1;
        counts.lastDeliveredAt = at.toISOString();
      },
      // Marked before the entry is settled: a kill in between leaves it marked and sent again.
      async () => {
        if (this.syncedDossiers.has(key)) return;
        const synced = await open(join(this.dir, 'synced.jsonl'), 'a', 0o600);
        try {
          await synced.write(
            `${JSON.stringify({ c: connectorId, d: code, at: at.toISOString(), found })}\n`,
          );
          await synced.datasync();
        } finally {
          await synced.close();
        }
        this.syncedDossiers.add(key);
        if (!this.firstDelivered.has(connectorId)) this.firstDelivered.set(connectorId, found);
      },
    );
    return true;
  }

  async firstSynced(connectorId: string): Promise<string | null> {
    return this.firstDelivered.get(connectorId) ?? null;
  }

  async synced(connectorId: string, codes: readonly string[]): Promise<boolean[]> {
    return codes.map((code) => this.syncedDossiers.has(syncedKey(connectorId, code)));
  }

  async deadLetter(
    entry: OutboxEntry,
    reason: string,
    attempts: number,
    at: Date,
  ): Promise<boolean> {
    const letter: DeadLetter = {
      id: entry.id,
      at: at.toISOString(),
      reason,
      attempts,
      change: entry.change,
    };
    await this.settle(
      entry,
      (counts) => {
        counts.deadLetters += 1;
      },
      async () => {
        const dead = await open(join(this.dir, 'dead.jsonl'), 'a', 0o600);
        try {
          await dead.write(`${JSON.stringify(letter)}\n`);
          await dead.datasync();
        } finally {
          await dead.close();
        }
      },
    );
    return true;
  }

  private settle(
    entry: OutboxEntry,
    count: (counts: Omit<OutboxCounts, 'appended'>) => void,
    first?: () => Promise<void>,
  ): Promise<void> {
    return this.locked(async () => {
      const head = this.queue[0];
      if (head === undefined || head.id !== entry.id)
        throw new Error(`sync outbox: ${entry.id} is not the next entry to settle`);
      await first?.();
      const connector = entry.change.connectorId;
      const counts = (this.state.counts[connector] ??= {
        delivered: 0,
        deadLetters: 0,
        lastDeliveredAt: null,
      });
      count(counts);
      this.state.offset = head.end;
      await replaceFile(join(this.dir, 'state.json'), JSON.stringify(this.state));
      this.queue.shift();
      if (this.queue.length === 0 && this.size > COMPACT_BYTES) await this.compact();
    });
  }

  /** Starts a new, empty generation (everything in the old one is settled). */
  private async compact(): Promise<void> {
    const next = this.state.generation + 1;
    const handle = await open(outboxFile(this.dir, next), 'a+', 0o600);
    const old = this.state.generation;
    this.state = { ...this.state, generation: next, offset: 0 };
    await replaceFile(join(this.dir, 'state.json'), JSON.stringify(this.state));
    await this.handle.close();
    this.handle = handle;
    this.size = 0;
    await rm(outboxFile(this.dir, old), { force: true });
  }

  async deadLetters(since?: Date): Promise<DeadLetter[]> {
    const letters = await readLines<DeadLetter>(join(this.dir, 'dead.jsonl'));
    return since === undefined
      ? letters
      : letters.filter((letter) => Date.parse(letter.at) >= since.getTime());
  }

  async replayDead(selection: { ids?: readonly string[]; since?: Date }): Promise<number> {
    const wanted = selection.ids === undefined ? null : new Set(selection.ids);
    const chosen = (await this.deadLetters(selection.since)).filter(
      (letter) => wanted === null || wanted.has(letter.id),
    );
    if (chosen.length === 0) return 0;
    await this.append(chosen.map((letter) => letter.change));
    await this.locked(async () => {
      const ids = new Set(chosen.map((letter) => letter.id));
      const kept = (await this.deadLetters()).filter((letter) => !ids.has(letter.id));
      await replaceFile(
        join(this.dir, 'dead.jsonl'),
        kept.map((letter) => `${JSON.stringify(letter)}\n`).join(''),
      );
      for (const letter of chosen) {
        const counts = this.state.counts[letter.change.connectorId];
        if (counts !== undefined) counts.deadLetters = Math.max(0, counts.deadLetters - 1);
      }
      await replaceFile(join(this.dir, 'state.json'), JSON.stringify(this.state));
    });
    return chosen.length;
  }

  async replayDelivered(since: Date, until: Date): Promise<number> {
    const text = await readFile(outboxFile(this.dir, this.state.generation));
    const settled = text.subarray(0, this.state.offset).toString('utf8');
    const changes = settled
      .split('\n')
      .map(parseLine)
      .flatMap((line) =>
        line !== null &&
        !('unreadable' in line.read) &&
        line.at >= since.getTime() &&
        line.at <= until.getTime()
          ? [line.read.change]
          : [],
      );
    if (changes.length > 0) await this.append(changes);
    return changes.length;
  }

  async counts(): Promise<Map<string, OutboxCounts>> {
    const counts = new Map<string, OutboxCounts>();
    for (const [connector, settled] of Object.entries(this.state.counts))
      counts.set(connector, { ...settled, appended: settled.delivered + settled.deadLetters });
    for (const entry of this.queue) {
      const connector = entry.change.connectorId;
      const counted = counts.get(connector) ?? {
        appended: 0,
        delivered: 0,
        deadLetters: 0,
        lastDeliveredAt: null,
      };
      counted.appended += 1;
      counts.set(connector, counted);
    }
    return counts;
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.locked(async () => {
      await this.handle.close();
      await rm(join(this.dir, 'lock'), { force: true });
    });
  }

  /** Stops as a killed process would: nothing settled, nothing released (tests). */
  async crash(): Promise<void> {
    this.controller.abort();
    await this.handle.close().catch(() => undefined);
  }
}

function outboxFile(dir: string, generation: number): string {
  return join(dir, `outbox-${generation}.jsonl`);
}

/** A whole line of the outbox file: null when blank; its change read back, readable or not. */
function parseLine(text: string): { at: number; read: ReadChange } | null {
  if (text.trim() === '') return null;
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return { at: 0, read: readChange(text) };
  }
  const { at, change } = (typeof line === 'object' && line !== null ? line : {}) as {
    at?: unknown;
    change?: unknown;
  };
  return { at: typeof at === 'number' ? at : 0, read: readChange(change) };
}

async function readState(dir: string): Promise<State> {
  try {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as State;
    if (Number.isInteger(state.generation) && Number.isInteger(state.offset)) return state;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { generation: 0, offset: 0, counts: {} };
}

function syncedKey(connectorId: string, code: string): string {
  return `${connectorId}\u0000${code}`;
}

async function readLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as T];
    } catch {
      return [];
    }
  });
}

/** One process per folder: another live process holding it is refused; a dead one's lock is taken. */
async function takeLock(dir: string): Promise<void> {
  const path = join(dir, 'lock');
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
      throw new SyncOutboxUnavailableError(
        `the sync outbox ${dir} is in use by process ${pid}; stop it first (with the file outbox, run \`npm run sync\` while the gateway is stopped)`,
      );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await replaceFile(path, String(process.pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
