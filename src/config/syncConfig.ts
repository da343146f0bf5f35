import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError, describeZodIssues } from '../errors/ConfigurationError';
import type { RedisTarget } from '../redis/connectRedis';
import type { UpstreamCredential } from '../runtime/upstreamAuth';
import type { SyncBridgeConfig } from '../services/sync/createSyncBridge';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const syncEnvSchema = z.object({
  SYNC_SINK_URL: z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' }).optional(),
  SYNC_SINK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  SYNC_SINK_AUTH: z.enum(['none', 'apiKey', 'basic', 'oauth2']).default('none'),
  SYNC_SINK_API_KEY_HEADER: z.string().min(1).default('X-API-Key'),
  SYNC_SINK_USERNAME: z.string().min(1).optional(),
  SYNC_SINK_TOKEN_URL: z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' }).optional(),
  SYNC_SINK_CLIENT_ID: z.string().min(1).optional(),
  SYNC_SINK_SCOPE: z.string().min(1).optional(),
  SYNC_OUTBOX: z.enum(['redis', 'file']).optional(),
  SYNC_OUTBOX_DIR: z.string().min(1).default('var/sync-outbox'),
  SYNC_PARTITIONS: int(1, 1024).default(16),
  SYNC_LEASE_MS: int(1000, 600_000).default(15_000),
  SYNC_KEEP_DELIVERED_MINUTES: int(0, 7 * 24 * 60).default(60),
  SYNC_MAX_ATTEMPTS: int(1, 100).default(8),
  SYNC_BACKOFF_MS: int(1, 600_000).default(1000),
  SYNC_BACKOFF_MAX_MS: int(1, 3_600_000).default(60_000),
  SYNC_IDLE_MS: int(10, 60_000).default(1000),
});

/** Secrets: the variable itself, or `<NAME>_FILE`, a file holding it (trimmed). */
const SECRETS = [
  'SYNC_SINK_API_KEY',
  'SYNC_SINK_PASSWORD',
  'SYNC_SINK_CLIENT_SECRET',
  'SYNC_SINK_HMAC_SECRET',
] as const;
type Secret = (typeof SECRETS)[number];

/**
 * The sync bridge's settings (`SYNC_*`, docs/configuration.md "Sync bridge"), or null when no
 * sink is set (`SYNC_SINK_URL`): the bridge is then off. Secret files are read here; every
 * problem is reported at once with the variable's name.
 */
export function readSyncConfig(
  env: Readonly<Record<string, string | undefined>>,
  projectRoot: string,
  redis: { target: RedisTarget; keyPrefix: string } | null,
): SyncBridgeConfig | null {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => name.startsWith('SYNC_') && value !== undefined && value !== '',
    ),
  );
  const parsed = syncEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigurationError(describeZodIssues('environment', parsed.error));
  const e = parsed.data;
  if (e.SYNC_SINK_URL === undefined) return null;
  const problems: Array<{ path: string; message: string }> = [];
  const secrets = new Map<Secret, string>();
  for (const name of SECRETS) {
    const value = present[name];
    const file = present[`${name}_FILE`];
    if (value !== undefined && file !== undefined)
      problems.push({ path: name, message: `set ${name} or ${name}_FILE, not both` });
    else if (value !== undefined) secrets.set(name, value);
    else if (file !== undefined) {
      try {
        secrets.set(name, readFileSync(resolve(projectRoot, file), 'utf8').trim());
      } catch (error) {
        problems.push({
          path: `${name}_FILE`,
          message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        });
      }
    }
  }
  const need = (name: string, value: string | undefined): string => {
    if (value === undefined || value === '')
      problems.push({ path: name, message: `required with SYNC_SINK_AUTH=${e.SYNC_SINK_AUTH}` });
    return value ?? '';
  };
  const auth: UpstreamCredential =
    e.SYNC_SINK_AUTH === 'apiKey'
      ? {
          type: 'apiKey',
          header: e.SYNC_SINK_API_KEY_HEADER,
          value: need('SYNC_SINK_API_KEY', secrets.get('SYNC_SINK_API_KEY')),
        }
      : e.SYNC_SINK_AUTH === 'basic'
        ? {
            type: 'basic',
            username: need('SYNC_SINK_USERNAME', e.SYNC_SINK_USERNAME),
            password: need('SYNC_SINK_PASSWORD', secrets.get('SYNC_SINK_PASSWORD')),
          }
        : e.SYNC_SINK_AUTH === 'oauth2'
          ? {
              type: 'oauth2ClientCredentials',
              tokenUrl: need('SYNC_SINK_TOKEN_URL', e.SYNC_SINK_TOKEN_URL),
              clientId: need('SYNC_SINK_CLIENT_ID', e.SYNC_SINK_CLIENT_ID),
              clientSecret: need('SYNC_SINK_CLIENT_SECRET', secrets.get('SYNC_SINK_CLIENT_SECRET')),
              ...(e.SYNC_SINK_SCOPE === undefined ? {} : { scope: e.SYNC_SINK_SCOPE }),
              clientAuthentication: 'basic',
              renewBeforeExpirySeconds: 30,
            }
          : { type: 'none' };
  const outbox = outboxSettings(e, projectRoot, redis);
  if (typeof outbox === 'string') problems.push({ path: 'SYNC_OUTBOX', message: outbox });
  if (e.SYNC_BACKOFF_MAX_MS < e.SYNC_BACKOFF_MS)
    problems.push({ path: 'SYNC_BACKOFF_MAX_MS', message: 'must be at least SYNC_BACKOFF_MS' });
  if (problems.length > 0)
    throw new ConfigurationError(problems.map((problem) => ({ file: 'environment', ...problem })));
  return {
    sink: {
      url: e.SYNC_SINK_URL,
      timeoutMs: e.SYNC_SINK_TIMEOUT_MS,
      auth,
      hmacSecret: secrets.get('SYNC_SINK_HMAC_SECRET') ?? null,
    },
    outbox: outbox as SyncBridgeConfig['outbox'],
    delivery: {
      maxAttempts: e.SYNC_MAX_ATTEMPTS,
      backoffBaseMs: e.SYNC_BACKOFF_MS,
      backoffMaxMs: e.SYNC_BACKOFF_MAX_MS,
      idleMs: e.SYNC_IDLE_MS,
    },
  };
}

/**
 * Where the outbox is, as the gateway finds it (for `npm run sync`, which needs no sink): Redis
 * when the gateway has it (or `SYNC_OUTBOX=redis`), else the folder `SYNC_OUTBOX_DIR`.
 */
export function readSyncOutbox(
  env: Readonly<Record<string, string | undefined>>,
  projectRoot: string,
  redis: { target: RedisTarget; keyPrefix: string } | null,
): SyncBridgeConfig['outbox'] {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => name.startsWith('SYNC_') && value !== undefined && value !== '',
    ),
  );
  const parsed = syncEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigurationError(describeZodIssues('environment', parsed.error));
  const outbox = outboxSettings(parsed.data, projectRoot, redis);
  if (typeof outbox === 'string')
    throw new ConfigurationError([{ file: 'environment', path: 'SYNC_OUTBOX', message: outbox }]);
  return outbox;
}

function outboxSettings(
  e: z.output<typeof syncEnvSchema>,
  projectRoot: string,
  redis: { target: RedisTarget; keyPrefix: string } | null,
): SyncBridgeConfig['outbox'] | string {
  const kind = e.SYNC_OUTBOX ?? (redis === null ? 'file' : 'redis');
  if (kind === 'file') return { kind: 'file', dir: resolve(projectRoot, e.SYNC_OUTBOX_DIR) };
  if (redis === null)
    return 'redis needs Redis (REDIS_URL or REDIS_CLUSTER_NODES); without it, use file';
  return {
    kind: 'redis',
    target: redis.target,
    keyPrefix: redis.keyPrefix,
    partitions: e.SYNC_PARTITIONS,
    leaseMs: e.SYNC_LEASE_MS,
    keepDeliveredMs: e.SYNC_KEEP_DELIVERED_MINUTES * 60_000,
  };
}
