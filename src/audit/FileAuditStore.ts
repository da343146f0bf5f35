import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../platform/replaceFile';
import {
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

/**
 * The audit log on one machine: a folder with one JSON Lines file per writer
 * (`audit-<writer>.jsonl`, appended and fsynced before `append` returns) and its head
 * (`audit-<writer>.head.json`, replaced atomically). By default a writer is one gateway process
 * (its id has the pid and a random part); a fixed AUDIT_WRITER_ID continues its chain after a
 * restart. One writer id must never be used by two running processes.
 */
export class FileAuditStore implements AuditStore {
  readonly kind = 'file' as const;
  private head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  private queue: Promise<unknown> = Promise.resolve();
  /** Created with the first entry, so a process that records nothing leaves no file. */
  private file: FileHandle | null = null;
  /** After a failed append the file may hold more than this process knows: read it again. */
  private resync = true;

  private constructor(
    private readonly folder: string,
    readonly writer: string,
  ) {}

  static async open(folder: string, writer: string): Promise<FileAuditStore> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return new FileAuditStore(folder, writer);
  }

  private get chainFile(): string {
    return join(this.folder, `audit-${this.writer}.jsonl`);
  }

  private get headFile(): string {
    return join(this.folder, `audit-${this.writer}.head.json`);
  }

  append(event: AuditEvent, at: string): Promise<AuditRecord> {
    return this.serial(async () => {
      const record = nextRecord(event, this.writer, this.head, at);
      await this.write(record);
      return record;
    });
  }

  /**
   * Write-ahead: the registry file store calls `writeAhead()` with its lock held and the version
   * checked, so the entry is durable before the registry file changes. A crash between the two
   * leaves an entry whose version the registry does not have: a change that was never made nor
   * acknowledged (the next change of that id takes the same version number, with its own entry).
   */
  appendWithChange<T extends { ok: boolean }>(
    event: AuditEvent,
    at: string,
    change: (entry: ChangeEntry) => Promise<T>,
  ): Promise<{ result: T; record: AuditRecord | null }> {
    return this.serial(async () => {
      const record = nextRecord(event, this.writer, this.head, at);
      let written = false;
      const result = await change({
        record,
        inScript: () => null,
        writeAhead: async () => {
          await this.write(record);
          written = true;
        },
      });
      if (result.ok && !written) throw new Error(UNRECORDED_CHANGE);
      if (!result.ok && written)
        await this.write(
          nextRecord({ ...event, outcome: NOT_APPLIED }, this.writer, this.head, at),
        );
      return { result, record: result.ok ? record : null };
    });
  }

  async readAll(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>> {
    return readAuditFolder(this.folder);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.file?.close();
  }

  /** Runs `work` after every earlier append, on a chain read again after a failure. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.resync) await this.continueChain();
      return work();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Appends `record` (the next of the chain) and fsyncs it, then replaces the head. */
  private async write(record: AuditRecord): Promise<void> {
    try {
      this.file ??= await open(this.chainFile, 'a', 0o600);
      await this.file.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
      await this.file.datasync();
    } catch (error) {
      this.resync = true;
      throw error;
    }
    // Durable from here: the chain goes on from this entry whatever happens to the head file.
    this.head = { seq: record.seq, hash: record.hash };
    await this.writeHead().catch(() => {
      this.resync = true;
    });
  }

  private async writeHead(): Promise<void> {
    await replaceFile(this.headFile, JSON.stringify(this.head));
  }

  /**
   * Continues from the last complete entry of an existing chain. A head one entry behind (a crash
   * between the entry and its head) is brought up to date; anything else that disagrees is
   * refused, so that a restart never papers over a damaged chain.
   */
  private async continueChain(): Promise<void> {
    const chains = await readAuditFolder(this.folder);
    const chain = chains.get(this.writer);
    const last = chain?.records.at(-1);
    if (chain === undefined || last === undefined) {
      this.head = { seq: 0, hash: GENESIS_HASH };
    } else {
      const head = chain.head;
      const agrees = head !== null && head.seq === last.seq && head.hash === last.hash;
      const oneBehind = head !== null && last.seq === head.seq + 1 && last.prevHash === head.hash;
      if (!agrees && !oneBehind) {
        throw new Error(
          `audit chain ${this.writer} does not end where its head says; run npm run audit -- verify`,
        );
      }
      this.head = { seq: last.seq, hash: last.hash };
      if (oneBehind) await this.writeHead();
    }
    this.resync = false;
  }
}

/** Every writer's records and head in a folder (the verify command reads folders directly). */
export async function readAuditFolder(
  folder: string,
): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>> {
  const result = new Map<string, { records: AuditRecord[]; head: ChainHead | null }>();
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  for (const name of names.sort()) {
    const match = /^audit-(.+)\.jsonl$/.exec(name);
    if (match === null) continue;
    const writer = match[1] as string;
    const text = await readFile(join(folder, name), 'utf8');
    const records = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        try {
          return JSON.parse(line) as AuditRecord;
        } catch {
          // An unreadable line still takes its place, so the chain shows where it breaks.
          return { writer, seq: -1, hash: `unreadable line ${index + 1}` } as AuditRecord;
        }
      });
    let head: ChainHead | null = null;
    try {
      head = JSON.parse(
        await readFile(join(folder, `audit-${writer}.head.json`), 'utf8'),
      ) as ChainHead;
    } catch {
      head = null;
    }
    result.set(writer, { records, head });
  }
  return result;
}
