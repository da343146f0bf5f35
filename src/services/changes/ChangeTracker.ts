import type { Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { DossierEvents } from '../../events/DossierEvents';
import type { Registration } from '../../registry/Registration';
import { vietnamIso } from '../../domain/vietnamTime';
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
    return registration.push !== undefined || registration.changes !== undefined;
  }

  /**
   * Compares the dossiers with the states known, and passes the new ones on: outbox, cache (for
   * what polling found), events. Throws when the states cannot be read (nothing is passed on
   * then, and the caller's next reading finds the change again).
   */
  async observe(
    registration: Registration,
    dossiers: readonly NationalDossier[],
    source: ChangeSource,
  ): Promise<DossierChange[]> {
    if (dossiers.length === 0) return [];
    const now = this.deps.now();
    const marks = dossiers.map((dossier) => ({ code: dossier.code, ...stateMark(dossier) }));
    const before = await this.deps.states.compareAndSet(registration.id, marks, now.getTime());
    const detectedAt = vietnamIso(now);
    const changes: DossierChange[] = [];
    dossiers.forEach((dossier, index) => {
      const previous = before[index];
      if (previous === undefined) return;
      changes.push({
        connectorId: registration.id,
        code: dossier.code,
        state: (marks[index] as (typeof marks)[number]).full,
        previousState: previous,
        source,
        changedAt: systemChangedAt(dossier),
        detectedAt,
        dossier,
      });
    });
    if (changes.length === 0) return [];
    const codes = changes.map((change) => change.code);
    if (this.deps.sink !== null) {
      try {
        await this.deps.sink.append(changes);
      } catch (error) {
        // Not passed on: forgotten, so that the next reading of these dossiers finds them again.
        await this.deps.states.unsee(registration.id, codes).catch(() => undefined);
        throw error;
      }
    }
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

  /** Lookups' dossiers not yet observed are dropped (the gateway is closing). */
  close(): void {
    if (this.flushing !== null) clearImmediate(this.flushing);
    this.flushing = null;
    this.pending.clear();
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
