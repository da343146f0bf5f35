import { randomUUID } from 'node:crypto';
import type { Logger } from '../../connectors/contract';
import {
  closeRedis,
  connectRedis,
  type RedisClient,
  type RedisTarget,
} from '../redis/connectRedis';

/** A system said some of its dossiers changed (a status push). */
export interface DossierChanged {
  connectorId: string;
  codes: string[];
  /** ISO 8601 +07:00, when the gateway received the push. */
  changedAt: string;
  /** The replica that received the push. */
  origin: string;
}

export type DossierChangedHandler = (event: DossierChanged) => void;

/**
 * Dossier-change events for every replica (docs/resilience.md: a push invalidates the
 * key on every replica). In process on one machine; Redis pub/sub for many.
 */
export interface DossierEvents {
  /** This replica's id, carried by the events it publishes. */
  readonly replicaId: string;
  publish(event: Omit<DossierChanged, 'origin'>): Promise<void>;
  subscribe(handler: DossierChangedHandler): () => void;
  close(): Promise<void>;
}

export class LocalDossierEvents implements DossierEvents {
  readonly replicaId = randomUUID();
  private readonly handlers = new Set<DossierChangedHandler>();

  async publish(event: Omit<DossierChanged, 'origin'>): Promise<void> {
    const full = { ...event, origin: this.replicaId };
    for (const handler of this.handlers) handler(full);
  }

  subscribe(handler: DossierChangedHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

/**
 * Redis pub/sub: one subscriber connection per replica (a subscribed connection can do nothing
 * else) and the publisher. The publishing replica delivers its event at once, in process; the
 * others receive it once through Redis (a replica ignores its own events coming back). While Redis
 * is away, events reach this replica only and the loss is logged; caches elsewhere catch up when
 * their entries' lifetimes end.
 */
export class RedisDossierEvents implements DossierEvents {
  readonly replicaId = randomUUID();
  private readonly handlers = new Set<DossierChangedHandler>();
  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;

  constructor(
    target: RedisTarget,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.publisher = connectRedis(target, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
    });
    this.subscriber = connectRedis(target, { maxRetriesPerRequest: null });
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber
      .subscribe(channel)
      .catch((error: Error) =>
        logger.warn(
          { err: error.message },
          'cannot subscribe to dossier events yet; ioredis resubscribes on reconnect',
        ),
      );
    this.subscriber.on('message', (_channel: string, message: string) => {
      let event: DossierChanged;
      try {
        event = JSON.parse(message) as DossierChanged;
      } catch {
        return;
      }
      if (!Array.isArray(event.codes) || typeof event.connectorId !== 'string') return;
      // This replica's own events were delivered when published.
      if (event.origin === this.replicaId) return;
      this.deliver(event);
    });
  }

  async publish(event: Omit<DossierChanged, 'origin'>): Promise<void> {
    const full = { ...event, origin: this.replicaId };
    this.deliver(full);
    try {
      await this.publisher.publish(this.channel, JSON.stringify(full));
    } catch (error) {
      this.logger.warn(
        { connector: event.connectorId, codes: event.codes.length, err: (error as Error).message },
        'Redis away: dossier change delivered on this replica only',
      );
    }
  }

  subscribe(handler: DossierChangedHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber.disconnect();
    await closeRedis(this.publisher);
  }

  private deliver(event: DossierChanged): void {
    for (const handler of this.handlers) handler(event);
  }
}
