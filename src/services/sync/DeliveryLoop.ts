import type { Logger } from '../../../connectors/contract';
import type { Outbox, OutboxEntry } from './Outbox';
import { clip, maskPersonal } from './answerReason';
import type { SinkClient, Verdict } from './SinkClient';

export interface DeliveryOptions {
  /** Attempts of one change before it is dead-lettered. Default 8. */
  maxAttempts: number;
  /** The first retry waits about this long, each next one twice as long (jittered). */
  backoffBaseMs: number;
  /** No retry waits longer, unless the sink's `Retry-After` asks for longer (up to 15 min). */
  backoffMaxMs: number;
  /** How long an idle partition waits before looking again (an append here wakes it at once). */
  idleMs: number;
  /** How often partitions are taken and their leases renewed. */
  holdEveryMs: number;
}

export interface DeliveryEvents {
  delivered(entry: OutboxEntry, lagMs: number): void;
  deadLettered(entry: OutboxEntry, reason: string): void;
}

/** A `Retry-After` is honoured up to this. */
const RETRY_AFTER_CAP_MS = 15 * 60_000;
/** Entries read from a partition at once (delivered one by one, in order). */
const BATCH = 16;

/**
 * Delivers the outbox: every partition this process holds has one worker that takes its entries
 * in order and sends them one at a time; a change being retried holds back the rest of its
 * partition (other partitions go on). A change is settled (acknowledged) only once the sink took
 * it or it was dead-lettered; a worker whose partition is lost or stopped leaves its change
 * unsettled, so the next holder sends it again (at least once; the idempotency key absorbs it).
 */
export class DeliveryLoop {
  private readonly stopping = new AbortController();
  private readonly workers = new Map<number, Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private scheduler: Promise<void> | null = null;
  private outage = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly sink: SinkClient,
    private readonly options: DeliveryOptions,
    private readonly events: DeliveryEvents,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.scheduler ??= this.scheduleForever();
  }

  /** The scheduler, started again if it ever fails (it must outlive any one bad moment). */
  private async scheduleForever(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.schedule();
      } catch (error) {
        this.logger.error(
          { error: (error as Error).message },
          'sync: delivery scheduler failed; starting it again',
        );
        await this.sleep(this.options.holdEveryMs, this.stopping.signal, false);
      }
    }
  }

  /** Something was appended: idle partitions look again now. */
  wake(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake();
    await this.scheduler;
    await Promise.all(this.workers.values());
  }

  private async schedule(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      let held: ReadonlyMap<number, AbortSignal> = new Map();
      try {
        held = await this.outbox.hold();
        if (this.outage) this.logger.info({}, 'sync outbox reachable again; delivering');
        this.outage = false;
      } catch (error) {
        if ((error as { code?: string }).code === 'SYNC_PARTITIONS_CHANGED')
          this.logger.error({ error: (error as Error).message }, 'sync: delivery cannot start');
        else if (!this.outage)
          this.logger.warn(
            { error: (error as Error).message },
            'sync outbox unreachable; delivery waits for it',
          );
        this.outage = true;
      }
      for (const [partition, signal] of held) {
        if (this.workers.has(partition) || stop.aborted) continue;
        // A worker that fails is logged and ended; the next round starts it again (while held).
        const worker = this.work(partition, AbortSignal.any([signal, stop]))
          .catch((error: unknown) =>
            this.logger.error(
              { partition, error: (error as Error).message },
              'sync: delivery worker failed; it starts again at the next round',
            ),
          )
          .finally(() => this.workers.delete(partition));
        this.workers.set(partition, worker);
      }
      await this.sleep(this.options.holdEveryMs, stop, false);
    }
  }

  private async work(partition: number, stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      let entries: OutboxEntry[];
      try {
        entries = await this.outbox.next(partition, BATCH);
      } catch {
        await this.sleep(this.options.idleMs, stop, false);
        continue;
      }
      if (entries.length === 0) {
        await this.sleep(this.options.idleMs, stop, true);
        continue;
      }
      for (const entry of entries) {
        if (!(await this.deliver(entry, stop))) return;
      }
    }
  }

  /** Sends one entry until it is settled (true) or the partition is given up (false). */
  private async deliver(entry: OutboxEntry, stop: AbortSignal): Promise<boolean> {
    const { connectorId: connector, code } = entry.change;
    if (entry.unreadable !== undefined) return this.unreadable(entry, entry.unreadable, 0, stop);
    for (let attempt = 1; ; attempt += 1) {
      // A replica whose lease lapsed unnoticed (a stalled event loop) must not send after the
      // new holder: asked of the store right before each send.
      if (!(await this.stillHeld(entry.partition, stop))) return false;
      let verdict: Verdict;
      try {
        verdict = await this.sink.send(entry.change, stop);
      } catch (error) {
        // Its record cannot be built (a malformed dossier): it never will be.
        return this.unreadable(entry, (error as Error).message, attempt, stop);
      }
      if (stop.aborted) return false;
      if (verdict.kind === 'delivered') {
        const at = this.now();
        if (!(await this.settle(() => this.outbox.delivered(entry, new Date(at)), stop)))
          return false;
        // A dossier seen for the first time may have changed long before the gateway could see
        // it: its lag runs from when it was found.
        const change = entry.change;
        const changed = Date.parse(
          change.previousState === null
            ? change.detectedAt
            : (change.changedAt ?? change.detectedAt),
        );
        this.events.delivered(entry, Number.isNaN(changed) ? 0 : Math.max(0, at - changed));
        return true;
      }
      if (verdict.kind === 'dead' || attempt >= this.options.maxAttempts) {
        const reason =
          verdict.kind === 'dead'
            ? `not accepted: ${verdict.reason}`
            : `gave up after ${attempt} attempts; last: ${verdict.reason}`;
        const at = new Date(this.now());
        if (!(await this.settle(() => this.outbox.deadLetter(entry, reason, attempt, at), stop)))
          return false;
        // Codes and the kind of failure only: the answer's text may quote personal data.
        this.logger.warn(
          { connector, code, attempts: attempt, failure: summary(verdict) },
          'sync: change dead-lettered; later changes of the dossier still go',
        );
        this.events.deadLettered(entry, reason);
        return true;
      }
      const wait = this.backoff(attempt, verdict.retryAfterMs);
      this.logger.debug(
        { connector, code, attempt, failure: summary(verdict), waitMs: Math.round(wait) },
        'sync: delivery failed; retrying',
      );
      await this.sleep(wait, stop, false);
      if (stop.aborted) return false;
    }
  }

  /** Dead-letters an entry that cannot be sent, with why (fields named, never values). */
  private async unreadable(
    entry: OutboxEntry,
    why: string,
    attempts: number,
    stop: AbortSignal,
  ): Promise<boolean> {
    const reason = clip(`unreadable change: ${maskPersonal(why)}`);
    const at = new Date(this.now());
    if (!(await this.settle(() => this.outbox.deadLetter(entry, reason, attempts, at), stop)))
      return false;
    this.logger.warn(
      { connector: entry.change.connectorId, code: entry.change.code, entry: entry.id, reason },
      'sync: unreadable change dead-lettered; later changes still go',
    );
    this.events.deadLettered(entry, reason);
    return true;
  }

  /** Whether the partition is still this process's; false (given up) when that cannot be told. */
  private async stillHeld(partition: number, stop: AbortSignal): Promise<boolean> {
    if (stop.aborted) return false;
    try {
      return await this.outbox.holds(partition);
    } catch {
      return false;
    }
  }

  /**
   * Settles, retrying while the outbox is away; false when the partition is given up first or
   * the outbox says it is no longer ours (not settled: the new holder sends it).
   */
  private async settle(write: () => Promise<boolean>, stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      try {
        return await write();
      } catch {
        await this.sleep(this.options.idleMs, stop, false);
      }
    }
    return false;
  }

  private backoff(attempt: number, retryAfterMs: number | null): number {
    const ceiling = Math.min(
      this.options.backoffMaxMs,
      this.options.backoffBaseMs * 2 ** (attempt - 1),
    );
    const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
    return retryAfterMs === null
      ? jittered
      : Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
  }

  private sleep(ms: number, stop: AbortSignal, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (stop.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done, { once: true });
      if (wakeable) this.sleepers.add(done);
    });
  }
}

/** The kind of failure, without the answer's text: `HTTP 503`, a timeout, no answer. */
function summary(verdict: Exclude<Verdict, { kind: 'delivered' }>): string {
  const reason = verdict.reason;
  const status = /^HTTP \d{3}/.exec(reason);
  if (status !== null) return status[0];
  return reason.length > 80 ? reason.slice(0, 80) : reason;
}
