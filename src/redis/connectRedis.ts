import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: one server's `redis://` (or `rediss://`) URL, or the seed nodes of a Redis
 * Cluster (any reachable nodes; ioredis discovers the rest and follows slot moves). Every part of
 * the gateway that shares state across replicas — cache, events, registry, keys, audit log, rate
 * limits, push replay guard — connects through {@link connectRedis}.
 */
export type RedisTarget = string | { readonly cluster: readonly string[] };

/** A connection to either: ioredis gives both the same command methods. */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** A command not answered within this fails. */
  commandTimeout?: number;
  /** Retries of one command over reconnects; `null`: wait for the connection (subscribers). */
  maxRetriesPerRequest?: number | null;
  /** Queue commands while disconnected (false: fail at once, for the fast paths). Default true. */
  enableOfflineQueue?: boolean;
  /**
   * Send commands issued in the same tick as one pipeline (per node in a Cluster). Used where many
   * keys are read or written at once and their slots differ, so MGET cannot span them.
   */
  autoPipelining?: boolean;
  /**
   * Asked before each reconnect: true stops reconnecting. For clients that others copy (BullMQ
   * duplicates a worker's connection), so that closing stops the copies too.
   */
  stopRetrying?: () => boolean;
}

/** Whether the target is a Redis Cluster. */
export function isCluster(target: RedisTarget): target is { readonly cluster: readonly string[] } {
  return typeof target !== 'string';
}

/** Opens a client (it connects in the background and reconnects by itself). */
export function connectRedis(target: RedisTarget, options: ConnectOptions = {}): RedisClient {
  const retryStrategy = (attempt: number) =>
    options.stopRetrying?.() === true ? null : Math.min(attempt * 200, 2000);
  const common: RedisOptions = {
    ...(options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout }),
    ...(options.maxRetriesPerRequest === undefined
      ? {}
      : { maxRetriesPerRequest: options.maxRetriesPerRequest }),
  };
  if (!isCluster(target)) {
    return new Redis(target, {
      ...common,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      enableAutoPipelining: options.autoPipelining ?? false,
      retryStrategy,
    });
  }
  const seeds = target.cluster.map((text) => new URL(text));
  const first = seeds[0];
  if (first === undefined) throw new Error('a Redis Cluster needs at least one seed node');
  const secure = first.protocol === 'rediss:';
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    enableAutoPipelining: options.autoPipelining ?? false,
    clusterRetryStrategy: retryStrategy,
    // Writes and reads go to the masters: a replica may lag behind a registration just saved.
    scaleReads: 'master',
    redisOptions: {
      ...common,
      ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
      ...(secure ? { tls: {} } : {}),
    },
  };
  return new Cluster(
    seeds.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
    clusterOptions,
  );
}

/** The target for logs and errors, passwords hidden. */
export function describeRedis(target: RedisTarget): string {
  const hide = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
  return isCluster(target)
    ? `the Redis Cluster at ${target.cluster.map(hide).join(', ')}`
    : `Redis at ${hide(target)}`;
}

/** Closes a client: politely when it is connected, at once when it is not. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

/**
 * The Redis target the command-line tools use, from the same variables as the gateway
 * (REDIS_CLUSTER_NODES, else REDIS_URL), or null when neither is set.
 */
export function redisTargetFromEnv(env: NodeJS.ProcessEnv): RedisTarget | null {
  const nodes = parseClusterNodes(env.REDIS_CLUSTER_NODES ?? '');
  if (nodes.length > 0) return { cluster: nodes };
  return env.REDIS_URL ? env.REDIS_URL : null;
}

/** `redis://h1:7000,redis://h2:7001` (or bare `h1:7000,…`) → URLs; other schemes are left for the caller to refuse. */
export function parseClusterNodes(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `redis://${entry}`));
}
