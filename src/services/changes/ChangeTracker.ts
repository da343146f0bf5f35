import type { Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { DossierEvents } from '../../events/DossierEvents';
import { followsChanges, type Registration } from '../../registry/Registration';
import { vietnamIso } from '../../domain/vietnamTime';
import { dossierKey } from '../../domain/dossierKey';
import type { ChangeSink, ChangeSource, DossierChange } from './DossierChange';
import type { KnownStates } from './KnownStates';
import { stateMark, systemChangedAt } from './stateMark';

export interface ChangeTrackerDeps {
  states: KnownStates;
  events: DossierEvents;
  /** The sync bridge's outbox; null when no sink is configured. */
  sink: ChangeSink | null;
  /** Puts dossiers found by polling in the cache, as fresh answers. */
  store: (registration: Registration, dossiers: readonly NationalDossier[]) => Promise<void>;
  logger: Logger;
  now: () => Date;
  /** Told of each change found (metrics). */
  onChanges?: (connectorId: string, source: ChangeSource, count: number) => void;
}

/**
 * The one place where a dossier's new state becomes a change (docs/decisions/0009): whatever read
 * the dossier — a push, a poll, a lookup — hands it here; the last-known-state store says which
 * states are new (atomically, across replicas), the outbox gets them first, then every replica
 * hears of them as it hears of a push (`DossierEvents`: subscriptions, caches). A state seen twice
 * is one change, however it came.
 */
export class ChangeTracker {
  /** Dossiers read by lookups, observed together after the turn that read them. */
  private readonly pending = new Map<
    string,
    { registration: Registration; dossiers: NationalDossier[] }
  >();
  private flushing: NodeJS.Immediate | null = null;
  private warnedAt = 0;

  constructor(private readonly deps: ChangeTrackerDeps) {}

  get states(): KnownStates {
    return this.deps.states;
  }

  /** Whether a system's dossiers are followed: it pushes, or it declares `changes`. */
  follows(registration: Registration): boolean {
    return followsChanges(registration);
  }

  /**
   * Compares the dossiers with the states known, and passes the new ones on, in an order that
   * loses nothing: first the outbox (a state is appended before it is recorded as known, so a
   * process killed in between finds it again and appends it again — the idempotency key absorbs
   * the repeat), then the known states (compare-and-set: of two replicas reading one change, one
   * records it), then, for the one that recorded it, the cache (what polling found) and the
   * events. A reading older than the state known is not a change. Throws when the states or the
   * outbox cannot be reached; nothing is recorded then, and the next reading finds it again.
   */
  async observe(
    registration: Registration,
    dossiers: readonly NationalDossier[],
    source: ChangeSource,
  ): Promise<DossierChange[]> {
    if (dossiers.length === 0) return [];
    const now = this.deps.now();
    const detectedAt = vietnamIso(now);
    // Open dossiers join the recheck rotation only for a system that is rechecked.
    const rotates = registration.changes?.recheck !== undefined;
    // Keyed by the dossier's key: a system whose codes are case-insensitive has one state per
    // dossier, whatever case its code was read in.
    const keys = dossiers.map((dossier) => dossierKey(registration.coverage.codes, dossier.code));
    const marks = dossiers.map((dossier, index) => {
      const mark = stateMark(dossier);
      return { code: keys[index] as string, ...mark, open: mark.open && rotates };
    });
    const changeOf = (index: number, previous: string | null): DossierChange => {
      const dossier = dossiers[index] as NationalDossier;
      return {
        connectorId: registration.id,
        code: keys[index] as string,
        state: (marks[index] as (typeof marks)[number]).full,
        previousState: previous,
        source,
        changedAt: systemChangedAt(dossier),
        detectedAt,
        dossier,
      };
    };
    const seen = await this.deps.states.compare(registration.id, marks);
    const appended = new Set<number>();
    if (this.deps.sink !== null) {
      const fresh = seen.flatMap((previous, index) =>
        previous === undefined ? [] : [changeOf(index, previous)],
      );
      if (fresh.length > 0) await this.deps.sink.append(fresh);
      seen.forEach((previous, index) => previous !== undefined && appended.add(index));
    }
    const recorded = await this.deps.states.compareAndSet(registration.id, marks, now.getTime());
    const changes: DossierChange[] = [];
    const late: DossierChange[] = [];
    recorded.forEach((previous, index) => {
      if (previous === undefined) return;
      const change = changeOf(index, previous);
      changes.push(change);
      if (!appended.has(index)) late.push(change);
    });
    if (changes.length === 0) return [];
    // Another reading changed the state known between the two steps (rare): appended now, or
    // forgotten so that the next reading finds it.
    if (this.deps.sink !== null && late.length > 0) {
      try {
        await this.deps.sink.append(late);
      } catch (error) {
        await this.deps.states
          .unsee(
            registration.id,
            late.map((change) => change.code),
          )
          .catch(() => undefined);
        throw error;
      }
    }
    const codes = changes.map((change) => change.code);
    if (source === 'poll')
      await this.deps.store(
        registration,
        changes.map((change) => change.dossier),
      );
    this.deps.onChanges?.(registration.id, source, changes.length);
    await this.deps.events.publish({ connectorId: registration.id, codes, changedAt: detectedAt });
    return changes;
  }

  /**
   * Forgets what is known of the codes and puts them first in the recheck rotation: their state
   * could not be read now, so their next reading is a change.
   */
  async unsee(connectorId: string, codes: readonly string[]): Promise<void> {
    await this.deps.states.unsee(connectorId, codes);
  }

  /**
   * Dossiers a lookup read from their system: observed after this turn, together with the other
   * lookups' of the turn, off the request's path. A failure is logged, not the request's.
   */
  observeLater(registration: Registration, dossiers: readonly NationalDossier[]): void {
    if (dossiers.length === 0 || !this.follows(registration)) return;
    const key = registration.id;
    const batch = this.pending.get(key);
    if (batch === undefined || batch.registration !== registration)
      this.pending.set(key, { registration, dossiers: [...dossiers] });
    else batch.dossiers.push(...dossiers);
    this.flushing ??= setImmediate(() => void this.flush());
  }

  /** Observes what lookups read and is not observed yet (the gateway is closing). */
  async close(): Promise<void> {
    if (this.flushing !== null) clearImmediate(this.flushing);
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = null;
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const { registration, dossiers } of batches) {
      try {
        await this.observe(registration, dossiers, 'lookup');
      } catch (error) {
        const now = Date.now();
        if (now - this.warnedAt < 60_000) continue;
        this.warnedAt = now;
        this.deps.logger.warn(
          { connector: registration.id, dossiers: dossiers.length, err: (error as Error).message },
          'dossiers read by lookups not compared with their known states; a later reading will',
        );
      }
    }
  }
}
