import type { Logger } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { vietnamIso } from '../../domain/vietnamTime';
import type { DossierEvents } from '../../events/DossierEvents';
import type { RedisTarget } from '../../redis/connectRedis';
import type { GuardedRedis } from '../../redis/GuardedRedis';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import { ChangePoller, type PollOutcome } from './ChangePoller';
import { ChangeTracker } from './ChangeTracker';
import type { ChangeSink, ChangeSource } from './DossierChange';
import { MemoryKnownStates, type KnownStates } from './KnownStates';
import { LocalPollSchedule, NO_POLLS, RedisPollSchedule, type PollSchedule } from './PollSchedule';
import { RedisKnownStates } from './RedisKnownStates';

export interface ChangeFeedDeps {
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  events: DossierEvents;
  sink: ChangeSink | null;
  /** Puts dossiers found by polling in the cache. */
  store: (registration: Registration, dossiers: readonly NationalDossier[]) => Promise<void>;
  /** Shared states and one poller per system across replicas; null: this process alone. */
  redis: {
    target: RedisTarget;
    keyPrefix: string;
    /** The request path's guarded connection, shared by the known states (docs/REDIS.md). */
    guarded?: GuardedRedis;
  } | null;
  /** Whether this replica runs polls (`CHANGE_POLLS`). */
  polls: boolean;
  logger: Logger;
  now: () => Date;
  onChanges?: (connectorId: string, source: ChangeSource, count: number) => void;
  onPolled?: (outcome: PollOutcome) => void;
}

/** What this replica saw of one system's polls (readiness, console). */
export interface PollSeen {
  connectorId: string;
  /** Polls this replica ran. */
  polls: number;
  lastPollAt: string | null;
  lastPollMs: number | null;
  lastChanges: number;
  changesFound: number;
  problems: string[];
}

/**
 * The change feed of issue 21 (docs/changes.md), put together: the known states (Redis or in
 * process), the tracker every reading goes through, the poller, and the schedule that runs it
 * per system. `sync` follows the registrations.
 */
export class ChangeFeed {
  readonly tracker: ChangeTracker;
  readonly poller: ChangePoller;
  private readonly states: KnownStates;
  private readonly schedule: PollSchedule;
  private readonly seen = new Map<string, PollSeen>();

  constructor(deps: ChangeFeedDeps) {
    this.states =
      deps.redis === null
        ? new MemoryKnownStates()
        : new RedisKnownStates(deps.redis.guarded ?? deps.redis.target, deps.redis.keyPrefix);
    this.tracker = new ChangeTracker({
      states: this.states,
      events: deps.events,
      sink: deps.sink,
      store: deps.store,
      logger: deps.logger,
      now: deps.now,
      ...(deps.onChanges === undefined ? {} : { onChanges: deps.onChanges }),
    });
    this.poller = new ChangePoller({
      registry: deps.registry,
      directory: deps.directory,
      tracker: this.tracker,
      logger: deps.logger,
      now: deps.now,
      onPolled: (outcome) => {
        this.note(outcome);
        deps.onPolled?.(outcome);
      },
    });
    const pollOne = (id: string, signal: AbortSignal) => this.poller.poll(id, signal);
    this.schedule = !deps.polls
      ? NO_POLLS
      : deps.redis === null
        ? new LocalPollSchedule(pollOne)
        : new RedisPollSchedule(deps.redis.target, deps.redis.keyPrefix, pollOne, deps.logger);
  }

  /** Starts, changes or stops each system's polls as the registrations now say. */
  async sync(registrations: readonly Registration[]): Promise<void> {
    await this.schedule.sync(registrations);
  }

  /** What this replica saw of each polled system. */
  polls(): PollSeen[] {
    return [...this.seen.values()];
  }

  async close(): Promise<void> {
    await this.tracker.close();
    await this.schedule.close();
    await this.states.close();
  }

  private note(outcome: PollOutcome): void {
    const before = this.seen.get(outcome.connectorId);
    this.seen.set(outcome.connectorId, {
      connectorId: outcome.connectorId,
      polls: (before?.polls ?? 0) + 1,
      lastPollAt: vietnamIso(new Date(outcome.startedAt)),
      lastPollMs: outcome.durationMs,
      lastChanges: outcome.changes,
      changesFound: (before?.changesFound ?? 0) + outcome.changes,
      problems: outcome.problems,
    });
  }
}
