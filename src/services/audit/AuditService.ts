import type { Logger } from '../../../connectors/contract';
import {
  matches,
  verifyChain,
  type AuditEvent,
  type AuditFilter,
  type AuditRecord,
  type AuditStore,
  type ChangeEntry,
} from '../../audit/auditChain';
import type { Principal } from '../../auth/Principal';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import { vietnamIso } from '../../domain/vietnamTime';

/** Who did it: a principal, the key command line, or the gateway itself. */
export type Actor = Principal | 'cli' | 'gateway';

export const MAX_AUDIT_PAGE = 500;

export type AuditPage =
  | {
      ok: true;
      nodes: AuditRecord[];
      totalCount: number;
      hasNextPage: boolean;
      endCursor: string | null;
    }
  | { ok: false; error: ErrorDetail };

/**
 * Records audited actions (awaited: durable before the caller answers) and answers queries over
 * the log, newest first. Each append's head (writer, seq, hash) is also logged, so log shipping
 * keeps an anchor outside the store.
 */
export class AuditService {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  get writer(): string {
    return this.store.writer;
  }

  async record(
    actor: Actor,
    event: Omit<AuditEvent, 'who' | 'name' | 'role'>,
  ): Promise<{ ok: true; record: AuditRecord } | { ok: false; error: ErrorDetail }> {
    try {
      const record = await this.store.append({ ...whoIs(actor), ...event }, vietnamIso(this.now()));
      this.logger.info(
        { writer: record.writer, seq: record.seq, hash: record.hash, action: record.action },
        'audit entry written',
      );
      return { ok: true, record };
    } catch (error) {
      this.logger.error(
        { action: event.action, err: (error as Error).message },
        'audit entry NOT written',
      );
      return {
        ok: false,
        error: errorDetail(
          'AUDIT_UNAVAILABLE',
          'the audit log cannot record this read now, so it was not answered; try again shortly',
        ),
      };
    }
  }

  /**
   * Records `event` as the entry of the change `change` makes (a registry change), so that the
   * change is never live without its entry (AuditStore.appendWithChange). Fails with
   * AUDIT_UNAVAILABLE when the entry, and so the change, could not be written.
   */
  async recordChange<T extends { ok: boolean }>(
    actor: Actor,
    event: Omit<AuditEvent, 'who' | 'name' | 'role'>,
    change: (entry: ChangeEntry) => Promise<T>,
  ): Promise<{ ok: true; result: T } | { ok: false; error: ErrorDetail }> {
    try {
      const { result, record } = await this.store.appendWithChange(
        { ...whoIs(actor), ...event },
        vietnamIso(this.now()),
        change,
      );
      if (record !== null)
        this.logger.info(
          { writer: record.writer, seq: record.seq, hash: record.hash, action: record.action },
          'audit entry written',
        );
      return { ok: true, result };
    } catch (error) {
      this.logger.error(
        { action: event.action, err: (error as Error).message },
        'audit entry and its change NOT written',
      );
      return {
        ok: false,
        error: errorDetail(
          'AUDIT_UNAVAILABLE',
          `${event.action} ${event.scope ?? ''}: not done — a change and its audit entry are written together or not at all, and they could not be written now; try again shortly (if the store only answered late, both may be there: read the versions first)`,
        ),
      };
    }
  }

  async query(filter: AuditFilter, first: number, after: string | undefined): Promise<AuditPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_AUDIT_PAGE)
      return {
        ok: false,
        error: errorDetail('BAD_USER_INPUT', `first must be 1–${MAX_AUDIT_PAGE}, got ${first}`),
      };
    let start: [string, string, number] | null = null;
    if (after !== undefined) {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
      } catch {
        decoded = null;
      }
      const valid =
        Array.isArray(decoded) &&
        decoded.length === 3 &&
        typeof decoded[0] === 'string' &&
        !Number.isNaN(Date.parse(decoded[0])) &&
        typeof decoded[1] === 'string' &&
        Number.isInteger(decoded[2]);
      if (!valid)
        return {
          ok: false,
          error: errorDetail('BAD_USER_INPUT', 'after is not a cursor of this list'),
        };
      start = decoded as [string, string, number];
    }
    const all = [...(await this.store.readAll()).values()]
      .flatMap((chain) => chain.records)
      .filter((record) => record.seq > 0 && matches(record, filter))
      .sort(newestFirst);
    const from =
      start === null ? 0 : all.findIndex((record) => newestFirst(record, toRecord(start)) > 0);
    const page = from < 0 ? [] : all.slice(from, from + first);
    const last = page.at(-1);
    return {
      ok: true,
      nodes: page,
      totalCount: all.length,
      hasNextPage: from >= 0 && from + first < all.length,
      endCursor:
        last === undefined
          ? null
          : Buffer.from(JSON.stringify([last.at, last.writer, last.seq])).toString('base64url'),
    };
  }

  /** Every writer's chain checked: problems by writer (empty arrays when all is well). */
  async verify(): Promise<Map<string, { entries: number; problems: string[] }>> {
    const result = new Map<string, { entries: number; problems: string[] }>();
    for (const [writer, chain] of await this.store.readAll()) {
      result.set(writer, {
        entries: chain.records.length,
        problems: verifyChain(writer, chain.records, chain.head),
      });
    }
    return result;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function whoIs(actor: Actor): Pick<AuditEvent, 'who' | 'name' | 'role'> {
  return actor === 'cli' || actor === 'gateway'
    ? { who: actor, name: actor, role: actor }
    : { who: actor.id, name: actor.name, role: actor.role };
}

function toRecord([at, writer, seq]: [string, string, number]): AuditRecord {
  return { at, writer, seq } as AuditRecord;
}

/** Newest first; ties by writer, then by sequence (newest first). */
function newestFirst(a: AuditRecord, b: AuditRecord): number {
  const time = Date.parse(b.at) - Date.parse(a.at);
  if (time !== 0) return time;
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1;
  return b.seq - a.seq;
}
