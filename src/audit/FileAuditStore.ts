import {
  open,
  mkdir,
  readdir,
  readFile,
  rename,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import {
  GENESIS_HASH,
  recordHash,
  type AuditEvent,
  type AuditRecord,
  type AuditStore,
  type ChainHead,
} from './auditChain';

/**
 * The audit log on one machine: a folder with one JSON Lines file per writer
 * (`audit-<writer>.jsonl`, appended and fsynced before `append` returns) and its head
 * (`audit-<writer>.head.json`, replaced atomically). A writer is one gateway process: each start
 * begins a new chain, so two processes never write the same file.
 */
export class FileAuditStore implements AuditStore {
  readonly kind = 'file' as const;
  private head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  private queue: Promise<unknown> = Promise.resolve();

  /** Created with the first entry, so a process that records nothing leaves no file. */
  private file: FileHandle | null = null;

  private constructor(
    private readonly folder: string,
    readonly writer: string,
  ) {}

  static async open(folder: string, writer: string): Promise<FileAuditStore> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return new FileAuditStore(folder, writer);
  }

  append(event: AuditEvent, at: string): Promise<AuditRecord> {
    const next = this.queue.then(async () => {
      const unsigned = {
        ...event,
        writer: this.writer,
        seq: this.head.seq + 1,
        at,
        prevHash: this.head.hash,
      };
      const record: AuditRecord = { ...unsigned, hash: recordHash(unsigned) };
      // 'wx': a writer's file is new; an existing one means another process has this writer id.
      this.file ??= await open(join(this.folder, `audit-${this.writer}.jsonl`), 'wx', 0o600);
      await this.file.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
      await this.file.datasync();
      const headFile = join(this.folder, `audit-${this.writer}.head.json`);
      await writeFile(`${headFile}.tmp`, JSON.stringify({ seq: record.seq, hash: record.hash }));
      await rename(`${headFile}.tmp`, headFile);
      this.head = { seq: record.seq, hash: record.hash };
      return record;
    });
    // A failed append fails its caller; the next one starts from the last durable head.
    this.queue = next.catch(() => undefined);
    return next;
  }

  async readAll(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>> {
    return readAuditFolder(this.folder);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.file?.close();
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
