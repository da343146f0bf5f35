import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError, describeZodIssues } from '../errors/ConfigurationError';
import { isRole, type Role } from '../auth/roles';
import { parseRateLimits, type RateLimits } from '../server/PrincipalRateLimiter';
import { parseClusterNodes, type RedisTarget } from '../redis/connectRedis';
import { ClientAddress } from '../server/clientAddress';
import type { SyncBridgeConfig } from '../services/sync/createSyncBridge';
import { readSyncConfig } from './syncConfig';
import { processName } from '../platform/processName';

/**
 * Gateway settings from environment variables (read by src/main.ts only; passed in here as a plain
 * object). Every variable and its default is listed in docs/configuration.md.
 */
const bool = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  GATEWAY_MODE: z.enum(['embedded', 'production']).default('embedded'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).optional(),
  REGISTRATIONS_DIR: z.string().min(1).optional(),
  AGENCY_DIRECTORY: z.string().min(1).optional(),
  HOLIDAYS_FILE: z.string().min(1).optional(),
  INTER_AGENCY_FILE: z.string().min(1).optional(),
  INDICATOR_TARGETS_FILE: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' }).optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform(parseClusterNodes)
    .pipe(
      z
        .array(
          z.url({ protocol: /^rediss?$/, error: 'host:port or redis:// URLs, comma-separated' }),
        )
        .min(1, 'at least one node (host:port or redis:// URL)'),
    )
    .optional(),
  CACHE: z.enum(['memory', 'redis', 'none']).optional(),
  CACHE_MAX_ENTRIES: int(100, 10_000_000).default(50_000),
  RESPONSE_CACHE_MAX_ENTRIES: int(0, 1_000_000).default(20_000),
  COMPILE_QUERIES: bool.default(true),
  CHANGE_POLLS: bool.default(true),
  REDIS_KEY_PREFIX: z.string().default('dvcgw:'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REQUEST_BUDGET_MS: int(100, 120_000).default(10_000),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  GRAPHIQL: bool.optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  TRUSTED_PROXIES: z.string().optional(),
  UPSTREAM_ALLOW: z.string().optional(),
  RATE_LIMITS: z.string().optional(),
  PERSISTED_OPERATIONS_FILE: z.string().min(1).optional(),
  PERSISTED_ONLY_ROLES: z.string().optional(),
  API_KEYS_FILE: z.string().min(1).optional(),
  AUDIT_DIR: z.string().min(1).optional(),
  REGISTRY_DIR: z.string().min(1).optional(),
  SECRETS_KEY: z.string().min(1).optional(),
  SECRETS_KEY_FILE: z.string().min(1).optional(),
  AUDIT_WRITER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-", at most 64')
    .optional(),
  JWT_HS256_SECRET_FILE: z.string().min(1).optional(),
  JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  JWT_JWKS_FILE: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  CONNECTOR_KIND_MODULES: z.string().optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  METRICS_TOKEN_FILE: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('dvc-gateway'),
  CATALOGUE_SYNC_INTERVAL_MS: int(0, 7 * 86_400_000).default(6 * 3_600_000),
  CATALOGUE_STARTUP_WAIT_MS: int(0, 600_000).default(5000),
  SAMPLE_SIZE: int(10, 100_000_000).default(3000),
  SAMPLE_SEED: int(0, 2 ** 31).default(2025),
});

export interface GatewayConfig {
  mode: 'embedded' | 'production';
  port: number;
  host: string;
  registrationsDir: string;
  agencyDirectoryFile: string;
  /** Official holiday schedules by year (other years computed). */
  holidaysFile: string;
  /** Per-procedure inter-agency participants, for systems that do not link their parts. */
  interAgencyFile: string;
  /** Indicator targets by level (on-the-spot processing). */
  targetsFile: string;
  cache:
    | { kind: 'memory'; maxEntries: number }
    | { kind: 'redis'; target: RedisTarget; keyPrefix: string; localEntries: number }
    | { kind: 'none' };
  /** Dossier lookup answers kept as bytes per caller scope (0: off). */
  responseCacheEntries: number;
  /** Known queries run compiled (src/server/compiledOperations.ts); false: Apollo runs every one. */
  compileQueries: boolean;
  /** This replica polls systems for their changes (docs/changes.md); false: the others do. */
  changePolls: boolean;
  logLevel: string;
  requestBudgetMs: number;
  maxBodyBytes: number;
  graphiql: boolean;
  /**
   * Browser origins allowed to open subscriptions besides the gateway's own (behind a proxy that
   * rewrites Host, list the public one: `https://dichvucong.example`).
   */
  allowedOrigins: string[];
  /** Proxies whose X-Forwarded-For is believed (CIDR ranges or addresses); none by default. */
  trustedProxies: string[];
  /**
   * Loopback, private, link-local and other special addresses connectors may reach anyway (CIDR
   * ranges, addresses, host names). Embedded default: loopback, for the sample systems.
   */
  upstreamAllow: string[];
  /**
   * Redis when configured (cache, events, keys, audit, registry and rate limits use it), else
   * null: one server (REDIS_URL) or a Cluster (REDIS_CLUSTER_NODES).
   */
  redis: { target: RedisTarget; keyPrefix: string } | null;
  /** Requests per second per principal, by role (Redis-shared with REDIS_URL). */
  rateLimits: RateLimits;
  /** The allow-list of operations, and the roles held to it. */
  persisted: { file: string | null; onlyRoles: Role[] };
  /**
   * Where API keys live: in memory with one demo key per role (the embedded default only), a JSON
   * file, or Redis (shared by replicas).
   */
  keys:
    | { kind: 'memory'; demo: true }
    | { kind: 'file'; path: string }
    | { kind: 'redis'; target: RedisTarget; keyPrefix: string };
  /**
   * The audit log: a folder of per-process chains (one machine), or Redis streams (replicas);
   * `writer` names this process's chain.
   */
  audit: (
    { kind: 'file'; dir: string } | { kind: 'redis'; target: RedisTarget; keyPrefix: string }
  ) & {
    writer: string;
  };
  /** Runtime registrations: a folder (one machine) or Redis (replicas). */
  registry:
    { kind: 'file'; dir: string } | { kind: 'redis'; target: RedisTarget; keyPrefix: string };
  /**
   * The key(s) sealing runtime registrations' secrets: given in the environment, in a file, or
   * (the embedded default only) generated once into `var/secrets.key`.
   */
  secrets: { text: string } | { file: string; generate: boolean };
  /** JWT verification keys (one of the files) and required issuer and audience. */
  jwt: {
    hs256SecretFile?: string;
    rs256PublicKeyFile?: string;
    jwksFile?: string;
    issuer?: string;
    audience?: string;
  };
  catalogue: { intervalMs: number; startupWaitMs: number };
  /**
   * `/metrics`: with a token (or a file holding it) Prometheus sends it as a bearer token; without
   * one it is open in the embedded default and off in production.
   */
  metrics: { token: string } | { tokenFile: string } | { open: boolean };
  /** OpenTelemetry traces over OTLP/HTTP, or null (off, the default). */
  tracing: { url: string; serviceName: string } | null;
  /** Modules of connector kinds written as code, relative to the project root. */
  kindModules: string[];
  /** Embedded default only: start the bundled sample systems. */
  samples: { size: number; seed: number } | null;
  /**
   * The sync bridge (`SYNC_*`, src/config/syncConfig.ts), or null when no sink is set (off; the
   * embedded default points it at the sample receiver, src/main.ts).
   */
  sync: SyncBridgeConfig | null;
}

/** Reads and checks the settings; every problem is reported at once with the variable's name. */
export function readConfig(
  env: Readonly<Record<string, string | undefined>>,
  projectRoot: string,
): GatewayConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigurationError(describeZodIssues('environment', parsed.error));
  const e = parsed.data;
  const embedded = e.GATEWAY_MODE === 'embedded';
  if (e.REDIS_URL !== undefined && e.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigurationError([
      {
        file: 'environment',
        path: 'REDIS_CLUSTER_NODES',
        message:
          'set either REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Cluster), not both',
      },
    ]);
  }
  const redis: RedisTarget | undefined =
    e.REDIS_CLUSTER_NODES !== undefined ? { cluster: e.REDIS_CLUSTER_NODES } : e.REDIS_URL;
  const missing = [
    ...(!embedded && e.REGISTRATIONS_DIR === undefined ? ['REGISTRATIONS_DIR'] : []),
    ...(!embedded && e.AGENCY_DIRECTORY === undefined ? ['AGENCY_DIRECTORY'] : []),
    ...(e.CACHE === 'redis' && redis === undefined ? ['REDIS_URL'] : []),
    ...(!embedded && e.API_KEYS_FILE === undefined && redis === undefined ? ['API_KEYS_FILE'] : []),
    ...(!embedded && e.AUDIT_DIR === undefined && redis === undefined ? ['AUDIT_DIR'] : []),
    ...(!embedded && e.REGISTRY_DIR === undefined && redis === undefined ? ['REGISTRY_DIR'] : []),
    ...(!embedded && e.SECRETS_KEY === undefined && e.SECRETS_KEY_FILE === undefined
      ? ['SECRETS_KEY_FILE']
      : []),
  ];
  if (missing.length > 0) {
    throw new ConfigurationError(
      missing.map((name) => ({
        file: 'environment',
        path: name,
        message:
          name === 'API_KEYS_FILE'
            ? 'required in production mode without Redis (REDIS_URL or REDIS_CLUSTER_NODES): where API keys are kept (create the first with `npm run keys -- create --role admin --name …`)'
            : name === 'AUDIT_DIR'
              ? 'required in production mode without Redis (REDIS_URL or REDIS_CLUSTER_NODES): the folder of the audit log'
              : name === 'REGISTRY_DIR'
                ? 'required in production mode without Redis (REDIS_URL or REDIS_CLUSTER_NODES): the folder of runtime registrations'
                : name === 'SECRETS_KEY_FILE'
                  ? 'required in production mode (or SECRETS_KEY): the key sealing registration secrets; make one with `npm run connectors -- new-key`'
                  : `required in ${e.GATEWAY_MODE} mode${name === 'REDIS_URL' ? ' with CACHE=redis' : ''}`,
      })),
    );
  }
  const rateLimits = parseRateLimits(e.RATE_LIMITS);
  const trustedProxies = (e.TRUSTED_PROXIES ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const proxyProblem = ClientAddress.check(trustedProxies);
  const onlyRoles = (e.PERSISTED_ONLY_ROLES ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  const badRole = onlyRoles.find((role) => !isRole(role));
  const invalid = [
    ...(typeof rateLimits === 'string' ? [{ path: 'RATE_LIMITS', message: rateLimits }] : []),
    ...(proxyProblem === null ? [] : [{ path: 'TRUSTED_PROXIES', message: proxyProblem }]),
    ...(badRole === undefined
      ? []
      : [{ path: 'PERSISTED_ONLY_ROLES', message: `unknown role ${JSON.stringify(badRole)}` }]),
    ...(onlyRoles.length > 0 && e.PERSISTED_OPERATIONS_FILE === undefined
      ? [
          {
            path: 'PERSISTED_ONLY_ROLES',
            message: 'needs PERSISTED_OPERATIONS_FILE, the allow-list',
          },
        ]
      : []),
  ];
  if (invalid.length > 0)
    throw new ConfigurationError(invalid.map((problem) => ({ file: 'environment', ...problem })));
  const cacheKind = e.CACHE ?? (redis === undefined ? 'memory' : 'redis');
  const sync = readSyncConfig(
    env,
    projectRoot,
    redis === undefined ? null : { target: redis, keyPrefix: e.REDIS_KEY_PREFIX },
  );
  return {
    mode: e.GATEWAY_MODE,
    port: e.PORT,
    host: e.HOST ?? (embedded ? '127.0.0.1' : '0.0.0.0'),
    registrationsDir: resolve(projectRoot, e.REGISTRATIONS_DIR ?? 'examples/registrations'),
    agencyDirectoryFile: resolve(projectRoot, e.AGENCY_DIRECTORY ?? 'data/agencies.sample.yaml'),
    holidaysFile: resolve(projectRoot, e.HOLIDAYS_FILE ?? 'data/holidays.vn.yaml'),
    interAgencyFile: resolve(projectRoot, e.INTER_AGENCY_FILE ?? 'data/inter-agency.yaml'),
    targetsFile: resolve(projectRoot, e.INDICATOR_TARGETS_FILE ?? 'data/indicator-targets.yaml'),
    cache:
      cacheKind === 'redis'
        ? {
            kind: 'redis',
            target: redis as RedisTarget,
            keyPrefix: e.REDIS_KEY_PREFIX,
            localEntries: e.CACHE_MAX_ENTRIES,
          }
        : cacheKind === 'memory'
          ? { kind: 'memory', maxEntries: e.CACHE_MAX_ENTRIES }
          : { kind: 'none' },
    responseCacheEntries: e.RESPONSE_CACHE_MAX_ENTRIES,
    compileQueries: e.COMPILE_QUERIES,
    changePolls: e.CHANGE_POLLS,
    logLevel: e.LOG_LEVEL,
    requestBudgetMs: e.REQUEST_BUDGET_MS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    graphiql: e.GRAPHIQL ?? embedded,
    redis: redis === undefined ? null : { target: redis, keyPrefix: e.REDIS_KEY_PREFIX },
    rateLimits: rateLimits as RateLimits,
    persisted: {
      file:
        e.PERSISTED_OPERATIONS_FILE === undefined
          ? null
          : resolve(projectRoot, e.PERSISTED_OPERATIONS_FILE),
      onlyRoles: onlyRoles as Role[],
    },
    upstreamAllow: (e.UPSTREAM_ALLOW ?? (embedded ? '127.0.0.0/8,::1' : ''))
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    trustedProxies,
    allowedOrigins: (e.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    keys:
      e.API_KEYS_FILE !== undefined
        ? { kind: 'file', path: resolve(projectRoot, e.API_KEYS_FILE) }
        : embedded
          ? { kind: 'memory', demo: true }
          : { kind: 'redis', target: redis as RedisTarget, keyPrefix: e.REDIS_KEY_PREFIX },
    audit: {
      ...(e.AUDIT_DIR === undefined && redis !== undefined
        ? { kind: 'redis' as const, target: redis, keyPrefix: e.REDIS_KEY_PREFIX }
        : { kind: 'file' as const, dir: resolve(projectRoot, e.AUDIT_DIR ?? 'var/audit') }),
      writer: e.AUDIT_WRITER_ID ?? processName(),
    },
    registry:
      e.REGISTRY_DIR === undefined && redis !== undefined
        ? { kind: 'redis', target: redis, keyPrefix: e.REDIS_KEY_PREFIX }
        : { kind: 'file', dir: resolve(projectRoot, e.REGISTRY_DIR ?? 'var/registry') },
    secrets:
      e.SECRETS_KEY !== undefined
        ? { text: e.SECRETS_KEY }
        : {
            file: resolve(projectRoot, e.SECRETS_KEY_FILE ?? 'var/secrets.key'),
            generate: e.SECRETS_KEY_FILE === undefined,
          },
    jwt: {
      ...(e.JWT_HS256_SECRET_FILE === undefined
        ? {}
        : { hs256SecretFile: resolve(projectRoot, e.JWT_HS256_SECRET_FILE) }),
      ...(e.JWT_PUBLIC_KEY_FILE === undefined
        ? {}
        : { rs256PublicKeyFile: resolve(projectRoot, e.JWT_PUBLIC_KEY_FILE) }),
      ...(e.JWT_JWKS_FILE === undefined ? {} : { jwksFile: resolve(projectRoot, e.JWT_JWKS_FILE) }),
      ...(e.JWT_ISSUER === undefined ? {} : { issuer: e.JWT_ISSUER }),
      ...(e.JWT_AUDIENCE === undefined ? {} : { audience: e.JWT_AUDIENCE }),
    },
    kindModules: (e.CONNECTOR_KIND_MODULES ?? '')
      .split(',')
      .map((module) => module.trim())
      .filter(Boolean),
    metrics:
      e.METRICS_TOKEN !== undefined
        ? { token: e.METRICS_TOKEN }
        : e.METRICS_TOKEN_FILE !== undefined
          ? { tokenFile: resolve(projectRoot, e.METRICS_TOKEN_FILE) }
          : { open: embedded },
    tracing:
      e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined
        ? { url: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME }
        : e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined
          ? {
              url: `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
              serviceName: e.OTEL_SERVICE_NAME,
            }
          : null,
    catalogue: {
      intervalMs: e.CATALOGUE_SYNC_INTERVAL_MS,
      startupWaitMs: e.CATALOGUE_STARTUP_WAIT_MS,
    },
    samples: embedded ? { size: e.SAMPLE_SIZE, seed: e.SAMPLE_SEED } : null,
    sync,
  };
}
