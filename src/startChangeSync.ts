import type { Logger } from '../connectors/contract';
import type { NationalDossier } from '../connectors/model';
import type { GatewayConfig } from './config/readConfig';
import type { AgencyDirectory } from './domain/AgencyDirectory';
import type { DossierEvents } from './events/DossierEvents';
import type { GatewayMetrics } from './observability/GatewayMetrics';
import type { GuardedRedis } from './redis/GuardedRedis';
import type { ConnectorRegistry } from './registry/ConnectorRegistry';
import type { Registration } from './registry/Registration';
import { ChangeFeed } from './services/changes/ChangeFeed';
import { createSyncBridge, type SyncBridge } from './services/sync/createSyncBridge';

export interface ChangeSyncDeps {
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  events: DossierEvents;
  metrics: GatewayMetrics;
  /** Puts dossiers found by polling in the cache (DossierFetcher.store). */
  store: (registration: Registration, dossiers: readonly NationalDossier[]) => Promise<void>;
  logger: Logger;
  now: () => Date;
  /** The request path's guarded Redis connection, when there is one. */
  redis: GuardedRedis | null;
  /** Told what to close, in the order opened (closed in reverse if start-up fails). */
  opened: Array<() => Promise<void> | void>;
}

/**
 * Issue 21 put together: the sync bridge to the portal (when a sink is set: docs/sync-bridge.md),
 * started, and the change feed that hands it every change found, whichever way
 * (docs/changes.md), its polls scheduled for the registrations now in the registry.
 */
export async function startChangeSync(
  config: GatewayConfig,
  deps: ChangeSyncDeps,
): Promise<{ changeFeed: ChangeFeed; sync: SyncBridge | null }> {
  const { metrics, logger } = deps;
  const sync: SyncBridge | null =
    config.sync === null
      ? null
      : createSyncBridge(config.sync, {
          logger,
          consumer: config.audit.writer,
          metrics: {
            delivered: (connector, lagSeconds) => metrics.syncDelivered(connector, lagSeconds),
            deadLettered: (connector) => metrics.syncDeadLettered(connector),
          },
        });
  if (sync !== null) {
    deps.opened.push(() => sync.close());
    metrics.syncBacklog(async () =>
      Object.fromEntries(
        Object.entries(await sync.stats()).map(([connector, stats]) => [connector, stats.backlog]),
      ),
    );
    // Refused when another live process holds the file outbox's folder: start-up stops, named.
    await sync.start();
  }
  const changeFeed = new ChangeFeed({
    registry: deps.registry,
    directory: deps.directory,
    events: deps.events,
    sink: sync?.sink ?? null,
    store: deps.store,
    redis:
      config.redis === null
        ? null
        : { ...config.redis, ...(deps.redis === null ? {} : { guarded: deps.redis }) },
    polls: config.changePolls,
    logger,
    now: deps.now,
    onChanges: (connector, source, count) => metrics.changesFound(connector, source, count),
    onPolled: (outcome) =>
      metrics.changePolled(
        outcome.connectorId,
        outcome.startedAt,
        outcome.durationMs,
        outcome.problems.length === 0,
      ),
  });
  deps.opened.push(() => changeFeed.close());
  await changeFeed.sync(deps.registry.registrations());
  return { changeFeed, sync };
}
