import type { Logger } from '../../../connectors/contract';
import { processName } from '../../platform/processName';
import type { RedisTarget } from '../../redis/connectRedis';
import type { ChangeSink, DossierChange } from '../changes/DossierChange';
import { DeliveryLoop } from './DeliveryLoop';
import { FileOutbox } from './FileOutbox';
import type { Outbox } from './Outbox';
import { RedisStreamOutbox } from './RedisStreamOutbox';
import { SinkClient, type SinkSettings } from './SinkClient';

/** The `sync` settings (src/config/syncConfig.ts; docs/configuration.md "Sync bridge"). */
export interface SyncBridgeConfig {
  sink: SinkSettings;
  outbox:
    | {
        kind: 'redis';
        target: RedisTarget;
        keyPrefix: string;
        partitions: number;
        leaseMs: number;
        keepDeliveredMs: number;
      }
    | { kind: 'file'; dir: string };
  delivery: { maxAttempts: number; backoffBaseMs: number; backoffMaxMs: number; idleMs: number };
}

export interface SyncBridgeDeps {
  logger: Logger;
  now?: () => number;
  /** This replica's consumer name (Redis); default host, process and a random part. */
  consumer?: string;
  /** Counted as changes are settled (GatewayMetrics.syncDelivered / syncDeadLettered). */
  metrics?: {
    delivered(connector: string, lagSeconds: number): void;
    deadLettered(connector: string): void;
  };
}

/** Per connector. */
export interface SyncStats {
  /** Appended and not yet settled (all replicas, with Redis). */
  backlog: number;
  delivered: number;
  deadLetters: number;
  lastDeliveredAt: string | null;
  /** From the change in the system (else its detection) to its delivery, over this replica's last 500. */
  lagMs: { p50: number; p99: number } | null;
}

export interface SyncBridge {
  /** Where detection appends changes; rejects with `SyncOutboxUnavailableError` (keep them). */
  sink: ChangeSink;
  /** Starts delivering (takes partitions, renews their leases). */
  start(): Promise<void>;
  /** Stops delivering (an in-flight delivery is left to the next holder) and closes the outbox. */
  close(): Promise<void>;
  stats(): Promise<Record<string, SyncStats>>;
  /** Whether a change of each dossier was ever delivered (indicator 1.4's "synced"). */
  synced(connectorId: string, codes: readonly string[]): Promise<boolean[]>;
  /**
   * When the gateway found the first change of this system the bridge delivered (ISO 8601), null
   * if none: dossiers received before it were never offered to the bridge (indicator 1.4's "no
   * data").
   */
  firstSynced(connectorId: string): Promise<string | null>;
  /** The outbox itself: dead letters and replays (the `npm run sync` command, tests). */
  outbox(): Promise<Outbox>;
}

const RECENT = 500;

/**
 * The sync bridge (docs/sync-bridge.md): a durable outbox behind `ChangeSink` (Redis Streams
 * with Redis, else a folder of files) and the loop that delivers it to the HTTP sink.
 */
export function createSyncBridge(config: SyncBridgeConfig, deps: SyncBridgeDeps): SyncBridge {
  const now = deps.now ?? Date.now;
  const opened: Promise<Outbox> =
    config.outbox.kind === 'redis'
      ? RedisStreamOutbox.open({
          ...config.outbox,
          consumer: deps.consumer ?? processName(),
          now,
        })
      : FileOutbox.open(config.outbox.dir);
  // An outbox that cannot open (a folder in use, another SYNC_PARTITIONS than Redis recorded)
  // fails appends and start alike, with its reason.
  opened.catch(() => undefined);
  const lags = new Map<string, number[]>();
  let loop: DeliveryLoop | null = null;

  const holdEveryMs =
    config.outbox.kind === 'redis' ? Math.max(50, Math.floor(config.outbox.leaseMs / 3)) : 1000;

  return {
    sink: {
      append: async (changes: readonly DossierChange[]) => {
        if (changes.length === 0) return;
        await (await opened).append(changes);
        loop?.wake();
      },
    },
    async start() {
      const outbox = await opened;
      loop ??= new DeliveryLoop(
        outbox,
        new SinkClient(config.sink, now),
        { ...config.delivery, holdEveryMs },
        {
          delivered: (entry, lagMs) => {
            const connector = entry.change.connectorId;
            const recent = lags.get(connector) ?? [];
            recent.push(lagMs);
            if (recent.length > RECENT) recent.shift();
            lags.set(connector, recent);
            deps.metrics?.delivered(connector, lagMs / 1000);
          },
          deadLettered: (entry) => deps.metrics?.deadLettered(entry.change.connectorId),
        },
        deps.logger,
        now,
      );
      loop.start();
    },
    async close() {
      await loop?.stop();
      await (await opened.catch(() => null))?.close();
    },
    async stats() {
      const counts = await (await opened).counts();
      const stats: Record<string, SyncStats> = {};
      for (const [connector, count] of counts) {
        stats[connector] = {
          backlog: Math.max(0, count.appended - count.delivered - count.deadLetters),
          delivered: count.delivered,
          deadLetters: count.deadLetters,
          lastDeliveredAt: count.lastDeliveredAt,
          lagMs: percentiles(lags.get(connector) ?? []),
        };
      }
      return stats;
    },
    synced: async (connectorId, codes) => (await opened).synced(connectorId, codes),
    firstSynced: async (connectorId) => (await opened).firstSynced(connectorId),
    outbox: () => opened,
  };
}

function percentiles(values: readonly number[]): { p50: number; p99: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99) };
}
