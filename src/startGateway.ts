import { join } from 'node:path';
import type { ConnectorKind, Logger } from '../connectors/contract';
import type { DossierCache } from './cache/DossierCache';
import { MemoryDossierCache, NoDossierCache } from './cache/MemoryDossierCache';
import { RedisDossierCache } from './cache/RedisDossierCache';
import { TieredDossierCache } from './cache/TieredDossierCache';
import type { GatewayConfig } from './config/readConfig';
import { createSchema } from './graphql/schema/createSchema';
import { ConnectorRegistry } from './registry/ConnectorRegistry';
import { projectRoot } from './platform/projectRoot';
import { loadRegistrationFiles } from './registry/loadRegistrationFiles';
import { createGatewayServer, type GatewayServer } from './server/createGatewayServer';
import { AgencyService } from './services/agencies/AgencyService';
import { readAgencyDirectoryFile } from './services/agencies/loadAgencyDirectory';
import { DIRECTORY_NAMESPACE, DirectoryEntries } from './services/agencies/DirectoryEntries';
import { AgencyDirectory } from './domain/AgencyDirectory';
import { CatalogueIndex } from './services/catalogue/CatalogueIndex';
import { CatalogueService, DEFAULT_CATALOGUE_OPTIONS } from './services/catalogue/CatalogueService';
import { PubSub } from 'graphql-subscriptions';
import { DOSSIER_CHANGED, type DossierChangeFeed } from './graphql/dossierChangeFeed';
import { DossierService } from './services/dossiers/DossierService';
import { PushService } from './services/push/PushService';
import type { ChangeFeed } from './services/changes/ChangeFeed';
import type { SyncBridge } from './services/sync/createSyncBridge';
import { startChangeSync } from './startChangeSync';
import { Authenticator } from './auth/Authenticator';
import { FileApiKeyStore, type ApiKeyStore } from './auth/apiKeys';
import { RedisApiKeyStore } from './auth/RedisApiKeyStore';
import { GuardedRedis } from './redis/GuardedRedis';
import { vietnamIso } from './domain/vietnamTime';
import { JwtVerifier } from './auth/jwt';
import type { Role } from './auth/roles';
import { ApiKeyService } from './services/access/ApiKeyService';
import {
  FileRegistrationStore,
  RedisRegistrationStore,
  type RegistrationStore,
} from './registry/RegistrationStore';
import { SecretBox } from './registry/secretBox';
import { NetworkPolicy } from './runtime/NetworkPolicy';
import { QuarantineWatch } from './services/registrations/QuarantineWatch';
import { RegistrationService } from './services/registrations/RegistrationService';
import { PersistedOperations } from './server/persistedOperations';
import { PrincipalRateLimiter } from './server/PrincipalRateLimiter';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditStore } from './audit/auditChain';
import { FileAuditStore } from './audit/FileAuditStore';
import { RedisAuditStore } from './audit/RedisAuditStore';
import { AuditService } from './services/audit/AuditService';
import { LocalReplayGuard, RedisReplayGuard, type ReplayGuard } from './services/push/ReplayGuard';
import { LocalDossierEvents, RedisDossierEvents, type DossierEvents } from './events/DossierEvents';
import { ConfigurationError } from './errors/ConfigurationError';
import { GatewayMetrics } from './observability/GatewayMetrics';
import { Tracing } from './observability/tracing';
import { ClientAddress } from './server/clientAddress';
import { EventEmitter } from 'node:events';
import { OperationsService } from './services/operations/OperationsService';
import { HolidayCalendar } from './services/calendar/HolidayCalendar';
import { WorkingTimeService } from './services/calendar/WorkingTimeService';
import { TraceService } from './services/trace/TraceService';
import { ReportService } from './services/reports/ReportService';
import { WorkerReportRunner } from './services/reports/ReportRunner';
import { startWorker } from '../connectors/shared/workerThread';
import { KeptAnswers } from './server/KeptAnswers';
import { IndicatorTargets } from './services/reports/targets';
import { InterAgencyProcedures } from './services/trace/interAgencyProcedures';

export interface GatewayDeps {
  logger: Logger;
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>;
  /** Values for `${NAME}` in registration files. */
  variables: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  /** Dossier codes pre-filled in GraphiQL. */
  exampleCodes?: readonly string[];
  /** Folder of the SDL files. Default `schema/` of the project. */
  schemaDir?: string;
}

export interface RunningGateway {
  url: string;
  server: GatewayServer;
  registry: ConnectorRegistry;
  cache: DossierCache;
  catalogue: CatalogueService;
  events: DossierEvents;
  /** The change feed: known states, tracker, poller (docs/changes.md). */
  changes: ChangeFeed;
  /** The sync bridge to the portal; null when no sink is set (docs/sync-bridge.md). */
  sync: SyncBridge | null;
  metrics: GatewayMetrics;
  /** The embedded default's demo keys, one per role (printed at start); null otherwise. */
  demoKeys: Record<Role, string> | null;
  close(): Promise<void>;
}

/**
 * Builds and starts a gateway from its configuration: directory, registrations, cache, services,
 * schema and HTTP server. Everything is checked before the port opens, so a bad registration file
 * stops start-up with its file and field named.
 */
export async function startGateway(
  config: GatewayConfig,
  deps: GatewayDeps,
): Promise<RunningGateway> {
  const now = deps.now ?? (() => new Date());
  const { logger } = deps;
  // The file's agencies; administrators' runtime entries are applied over them once the store is
  // open (DirectoryEntries), into this one object every consumer holds.
  const fileAgencies = await readAgencyDirectoryFile(config.agencyDirectoryFile);
  const directory = new AgencyDirectory(fileAgencies);
  const interAgency = await InterAgencyProcedures.load(config.interAgencyFile);
  const targets = await IndicatorTargets.load(config.targetsFile);
  const workingTime = new WorkingTimeService(
    await HolidayCalendar.load(config.holidaysFile),
    directory,
    targets.rules.lateFromSupplementRequests,
  );
  const registrations = await loadRegistrationFiles(config.registrationsDir, {
    kinds: deps.kinds,
    variables: deps.variables,
  });
  const schema = createSchema(deps.schemaDir ?? join(projectRoot(), 'schema'));
  const jwt = await JwtVerifier.create(config.jwt);
  const network = NetworkPolicy.fromList(config.upstreamAllow);
  const persisted =
    config.persisted.file === null
      ? PersistedOperations.empty()
      : PersistedOperations.load(config.persisted.file);
  // What has been opened so far, closed in reverse if start-up fails half-way.
  const opened: Array<() => Promise<void> | void> = [];
  try {
    return await start();
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }

  async function start(): Promise<RunningGateway> {
    const metrics = new GatewayMetrics(() =>
      registry.registrations().map((r) => ({
        connector: r.id,
        state: registry.runtime(r.id)?.circuit ?? 'closed',
      })),
    );
    // Set once the registration service exists; expressions only run after start-up.
    let quarantineWatch: QuarantineWatch | null = null;
    const tracing = config.tracing === null ? null : new Tracing(config.tracing);
    if (tracing !== null) opened.push(() => tracing.shutdown());
    const registry = new ConnectorRegistry(deps.kinds, {
      logger,
      now,
      network,
      ...(tracing === null ? {} : { tracer: tracing.tracer }),
      observer: {
        call: (...args) => metrics.connectorCall(...args),
        retry: (connector, items) => metrics.connectorRetry(connector, items),
      },
      onExpression: (registration, stopped, source) => {
        if (stopped !== null) metrics.expressionStopped(registration.id, stopped.limit);
        quarantineWatch?.observe(registration, stopped, source);
      },
    });
    opened.push(() => registry.close());
    await registry.replaceAll(registrations);

    // The request path's one Redis connection and circuit breaker: cache, API keys, rate limits.
    const redis = config.redis === null ? null : new GuardedRedis(config.redis.target, { logger });
    if (redis !== null) {
      opened.push(() => redis.close());
      try {
        await redis.ready();
      } catch (error) {
        // Redis trouble never stops the gateway: it serves from its LRU, its copy of the API keys
        // and the upstreams, and the client reconnects by itself.
        logger.warn(
          { err: (error as Error).message },
          'Redis not reachable at start-up; continuing, it reconnects by itself',
        );
      }
    }
    if (redis !== null) metrics.redisCircuit(() => redis.circuit);
    const cache = createCache(config, redis, metrics, logger);
    opened.push(() => cache.close());
    const keyStore: ApiKeyStore =
      config.keys.kind === 'redis' && redis !== null
        ? new RedisApiKeyStore(redis, config.keys.keyPrefix, { logger })
        : await FileApiKeyStore.open(config.keys.kind === 'file' ? config.keys.path : null);
    opened.push(() => keyStore.close());
    const auditStore: AuditStore =
      config.audit.kind === 'redis'
        ? new RedisAuditStore(config.audit.target, config.audit.keyPrefix, config.audit.writer)
        : await FileAuditStore.open(config.audit.dir, config.audit.writer);
    opened.push(() => auditStore.close());
    const audit = new AuditService(auditStore, logger, now);
    // The configuration this process runs with is on record: the registrations and a digest of
    // their files as written (with `${VAR}` references, so no secret goes into the digest). A log
    // that cannot be written now does not stop the gateway: audited reads wait for it.
    const digest = createHash('sha256');
    for (const registration of registrations) {
      if (registration.origin.type === 'file')
        digest.update(await readFile(registration.origin.file));
    }
    const started = await audit.record('gateway', {
      action: 'gateway.start',
      operation: null,
      codes: [],
      scope: `registrations ${registrations.map((r) => r.id).join(', ')}; files ${digest.digest('hex').slice(0, 16)}`,
      purpose: null,
      outcome: 'ok',
    });
    if (!started.ok) logger.error({}, 'gateway start not recorded: the audit log is unavailable');
    const rateLimiter = new PrincipalRateLimiter(
      config.rateLimits,
      config.redis === null || redis === null ? null : { redis, keyPrefix: config.redis.keyPrefix },
    );
    opened.push(() => rateLimiter.close());
    const authenticator = new Authenticator(keyStore, jwt, logger, now);
    const keys = new ApiKeyService(keyStore, authenticator, audit, now);
    // Runtime registrations, routed with the static ones; a change syncs the new catalogues.
    const registryStore: RegistrationStore =
      config.registry.kind === 'redis'
        ? new RedisRegistrationStore(config.registry.target, config.registry.keyPrefix)
        : await FileRegistrationStore.open(config.registry.dir);
    opened.push(() => registryStore.close());
    // The agency directory's runtime entries: the same store, in a namespace of its own.
    const directoryStore: RegistrationStore =
      config.registry.kind === 'redis'
        ? new RedisRegistrationStore(
            config.registry.target,
            config.registry.keyPrefix,
            DIRECTORY_NAMESPACE,
          )
        : await FileRegistrationStore.open(config.registry.dir, DIRECTORY_NAMESPACE);
    opened.push(() => directoryStore.close());
    const directoryEntries = new DirectoryEntries({
      store: directoryStore,
      directory,
      file: fileAgencies,
      audit,
      logger,
      now,
    });
    opened.push(() => directoryEntries.close());
    await directoryEntries.start();
    let catalogueOf: CatalogueService | null = null;
    let changeFeedOf: ChangeFeed | null = null;
    const registrationService = new RegistrationService(
      {
        store: registryStore,
        registry,
        kinds: deps.kinds,
        secrets: await loadSecretBox(config.secrets),
        network,
        audit,
        logger,
        now,
        directory,
        onChanged: (ids) => {
          const catalogue = catalogueOf;
          if (catalogue === null) return;
          for (const source of catalogue.index.statusAll()) {
            if (registry.runtime(source.connectorId) === undefined)
              catalogue.index.removeSource(source.connectorId);
          }
          for (const id of ids) void catalogue.sync(id);
          void changeFeedOf
            ?.sync(registry.registrations())
            .catch((error: Error) =>
              logger.warn({ err: error.message }, 'change polls not rescheduled'),
            );
        },
      },
      registrations,
    );
    opened.push(() => registrationService.close());
    quarantineWatch = new QuarantineWatch(
      (id, version, reason) => void registrationService.quarantine(id, version, reason),
    );
    metrics.quarantined(() =>
      registrationService
        .health()
        .unrouted.filter((entry) => entry.problem === 'quarantined')
        .map((entry) => entry.id),
    );
    await registrationService.start();
    const demoKeys =
      config.keys.kind === 'memory' && config.keys.demo
        ? await createDemoKeys(
            keys,
            registrations.map((r) => r.id),
          )
        : null;
    const events: DossierEvents =
      config.cache.kind === 'redis'
        ? new RedisDossierEvents(
            config.cache.target,
            `${config.cache.keyPrefix}dossier-changed`,
            logger,
          )
        : new LocalDossierEvents();
    opened.push(() => events.close());
    const dossiers = new DossierService({
      directory,
      registry,
      cache,
      logger,
      now,
      refreshBudgetMs: config.requestBudgetMs,
      onAnswered: (connector, fromCache, fromUpstream, stale) =>
        metrics.answered(connector, fromCache, fromUpstream, stale),
      // What lookups read from the systems is compared with the states known (issue 21).
      onRead: (registration, read) => changeFeed.tracker.observeLater(registration, read),
    });
    // Every change found, whichever way (push, poll, lookup), once, to the portal's sync API.
    const { changeFeed, sync } = await startChangeSync(config, {
      registry,
      directory,
      events,
      metrics,
      store: (registration, found) => dossiers.fetcher.store(registration, found),
      redis,
      logger,
      now,
      opened,
    });
    changeFeedOf = changeFeed;
    const replays: ReplayGuard =
      config.cache.kind === 'redis'
        ? new RedisReplayGuard(config.cache.target, config.cache.keyPrefix, logger)
        : new LocalReplayGuard();
    opened.push(() => replays.close());
    // A change received by another replica: drop this replica's in-process copies.
    // One listener per open subscription: thousands are expected, not a leak.
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    const changes: DossierChangeFeed = new PubSub({ eventEmitter: emitter });
    const unsubscribe = events.subscribe((event) => {
      if (event.origin !== events.replicaId) {
        // Fetches under way here read the old state: not joined, not cached.
        dossiers.fetcher.changed(event.connectorId, event.codes);
        if (cache instanceof TieredDossierCache) void cache.forgetLocally(event.codes);
      }
      for (const code of event.codes) {
        void changes.publish(DOSSIER_CHANGED, {
          code,
          connectorId: event.connectorId,
          changedAt: event.changedAt,
        });
      }
    });
    opened.push(unsubscribe);
    const pushes = new PushService({
      registry,
      directory,
      fetcher: dossiers.fetcher,
      events,
      tracker: changeFeed.tracker,
      readBudgetMs: config.requestBudgetMs,
      replays,
      logger,
      now,
    });
    const agencies = new AgencyService(directory, registry, now, directoryEntries);
    const reports = new ReportService({
      targets,
      registry,
      directory,
      workingTime,
      logger,
      now,
      redis: config.redis,
      // Reports run in a worker thread with a heap of their own (ReportRunner.ts).
      runner: new WorkerReportRunner({
        startWorker: (resourceLimits) =>
          startWorker(__dirname, 'reportWorker', { workerData: { config }, resourceLimits }),
        registrations: () => registry.registrations(),
        agencies: () => directoryEntries.runtimeAgencies(),
        ...(sync === null
          ? {}
          : {
              synced: async (id, codes) => {
                const [flags, since] = await Promise.all([
                  sync.synced(id, codes),
                  sync.firstSynced(id),
                ]);
                return { flags, since };
              },
            }),
        logger,
      }),
    });
    opened.push(() => reports.close());
    metrics.reportJobs(() => reports.counts());
    const trace = new TraceService({
      dossiers,
      fetcher: dossiers.fetcher,
      registry,
      directory,
      workingTime,
      procedures: interAgency,
      logger,
      now,
    });
    const operations = new OperationsService({
      registry,
      dossiers,
      activity: metrics.activity,
      changes: changeFeed,
      sync,
      recentLatency: (connector) => metrics.recentLatency(connector),
      visible: (principal, connectorId) => registrationService.get(principal, connectorId) !== null,
    });
    const catalogue = new CatalogueService(
      registry,
      new CatalogueIndex(),
      { logger, now },
      {
        ...DEFAULT_CATALOGUE_OPTIONS,
        intervalMs: config.catalogue.intervalMs,
      },
    );
    catalogueOf = catalogue;
    // The first sync runs while the server starts; it is awaited at most this long, then goes on.
    const firstSync = catalogue.start();
    opened.push(() => catalogue.stop());
    await Promise.race([
      firstSync,
      new Promise((resolve) => setTimeout(resolve, config.catalogue.startupWaitMs).unref()),
    ]);
    // Dossier lookups answered again from their bytes while the cache entries they show hold
    // (issue 10); needs an in-process cache tier to check against.
    const peek = cache.peek?.bind(cache);
    const keptAnswers =
      peek === undefined || config.responseCacheEntries === 0
        ? undefined
        : new KeptAnswers({
            maxEntries: config.responseCacheEntries,
            maxBytes: 64 * 1024 * 1024,
            peek,
            generation: routingGeneration(registry, directory),
            // Read on every kept answer: no Date object when the clock is the real one.
            now: deps.now === undefined ? Date.now : () => now().getTime(),
          });
    const server = await createGatewayServer({
      schema,
      logger,
      graphiql: config.graphiql,
      allowedOrigins: config.allowedOrigins,
      clientAddress: new ClientAddress(config.trustedProxies),
      rateLimiter,
      persisted: { operations: persisted, onlyRoles: new Set(config.persisted.onlyRoles) },
      exampleCodes: deps.exampleCodes ?? [],
      graphiqlHeaders: demoKeys === null ? {} : { 'X-Api-Key': demoKeys.portal },
      maxBodyBytes: config.maxBodyBytes,
      requestBudgetMs: config.requestBudgetMs,
      compileQueries: config.compileQueries,
      metrics,
      ...(tracing === null ? {} : { tracer: tracing.tracer }),
      metricsAccess: await metricsAccess(config.metrics),
      authenticate: (credentials) => authenticator.authenticate(credentials),
      ...(keptAnswers === undefined ? {} : { keptAnswers }),
      createContext: ({ requestId, signal, principal, recorder }) => ({
        requestId,
        principal,
        keys,
        audit,
        registrations: registrationService,
        operations,
        workingTime,
        trace,
        reports,
        call: { requestId, signal, deadline: Date.now() + config.requestBudgetMs },
        dossiers: dossiers.createLookup(
          { requestId, signal, deadline: Date.now() + config.requestBudgetMs },
          { unmask: false, principal, ...(recorder === undefined ? {} : { recorder }) },
        ),
        ...(recorder === undefined ? {} : { recorder }),
        freshLookup: () => {
          const budget = config.requestBudgetMs;
          return dossiers.createLookup(
            { requestId, signal: AbortSignal.timeout(budget), deadline: Date.now() + budget },
            { unmask: false, principal },
          );
        },
        dossierChanges: changes,
        agencies,
        catalogue,
        connectorName: (id) => registry.runtime(id)?.registration.name ?? null,
      }),
      push: (connectorId, body, signature) => pushes.receive(connectorId, body, signature),
      readiness: () => {
        const registrySeen = registrationService.health();
        const directorySeen = directoryEntries.health();
        return {
          ready: true,
          // Degraded, not down: Redis away or not answering, a system's circuit open, a runtime
          // registration not routed or the registry store unreadable; the gateway still answers.
          degraded:
            (redis !== null && !redis.healthy) ||
            !cache.healthy ||
            registry.registrations().some((r) => registry.runtime(r.id)?.circuit !== 'closed') ||
            registrySeen.unrouted.length > 0 ||
            registrySeen.storeError !== null ||
            directorySeen.unapplied.length > 0 ||
            directorySeen.storeError !== null,
          details: {
            registryStore: registrySeen.storeError === null ? 'ok' : 'unreachable',
            notRouted: registrySeen.unrouted.map(({ id, version, problem }) => ({
              id,
              version,
              problem,
            })),
            cache: cache.kind,
            agencies: directory.size,
            directoryStore: directorySeen.storeError === null ? 'ok' : 'unreachable',
            directoryNotApplied: directorySeen.unapplied.map(({ code, version, problem }) => ({
              code,
              version,
              problem,
            })),
            cacheHealthy: cache.healthy,
            ...(redis === null
              ? {}
              : { redis: redis.healthy ? 'ok' : 'unreachable', redisCircuit: redis.circuit }),
            ...(keyStore instanceof RedisApiKeyStore ? { apiKeys: keyCopyDetails(keyStore) } : {}),
            connectors: registry.registrations().map((r) => ({
              id: r.id,
              kind: r.kind,
              name: r.name,
              circuit: registry.runtime(r.id)?.circuit ?? 'closed',
            })),
          },
        };
      },
    });
    opened.push(() => server.close());
    const url = await server.listen(config.port, config.host);
    logger.info(
      { url, connectors: registrations.length, agencies: directory.size, cache: cache.kind },
      'gateway listening',
    );
    return {
      url,
      server,
      registry,
      cache,
      catalogue,
      events,
      changes: changeFeed,
      sync,
      metrics,
      demoKeys,
      close: async () => {
        catalogue.stop();
        directoryEntries.close();
        await reports.close();
        unsubscribe();
        // No push or lookup comes in once the server is closed; then what is under way is
        // recorded, and the outbox closes last.
        await server.close();
        await changeFeed.close();
        await sync?.close();
        await Promise.all([
          registry.close(),
          cache.close(),
          events.close(),
          replays.close(),
          keyStore.close(),
          auditStore.close(),
          registryStore.close(),
          directoryStore.close(),
          rateLimiter.close(),
          tracing?.shutdown(),
        ]);
        await redis?.close();
      },
    };
  }
}

/**
 * What kept answers are checked against: an object replaced whenever routing changes, by a
 * registration (the registry's coverage) or the agency directory (a runtime entry: names, office
 * hours, successors), so an answer kept under the old one is not served.
 */
function routingGeneration(registry: ConnectorRegistry, directory: AgencyDirectory): () => object {
  let last = { coverage: registry.coverage as object, directory: directory.generation, token: {} };
  return () => {
    if (last.coverage !== registry.coverage || last.directory !== directory.generation)
      last = { coverage: registry.coverage, directory: directory.generation, token: {} };
    return last.token;
  };
}

/** `/metrics` access; a token file holding less than 16 characters stops start-up. */
async function metricsAccess(
  setting: GatewayConfig['metrics'],
): Promise<{ token: string } | { open: boolean }> {
  if (!('tokenFile' in setting)) return setting;
  const token = (await readFile(setting.tokenFile, 'utf8')).trim();
  if (token.length < 16) {
    throw new ConfigurationError([
      {
        file: setting.tokenFile,
        path: 'METRICS_TOKEN_FILE',
        message: 'the metrics token must be at least 16 characters',
      },
    ]);
  }
  return { token };
}

/**
 * What readiness says of a replica's copy of the API keys: how many, and as of when (while Redis
 * is away, the copy is what keys are checked against).
 */
function keyCopyDetails(store: RedisApiKeyStore): { keys: number; copiedAt: string | null } {
  const { keys, copiedAt } = store.localCopy();
  return { keys, copiedAt: copiedAt === null ? null : vietnamIso(copiedAt) };
}

function createCache(
  config: GatewayConfig,
  redis: GuardedRedis | null,
  metrics: GatewayMetrics,
  logger: Logger,
): DossierCache {
  switch (config.cache.kind) {
    case 'memory':
      return new MemoryDossierCache({
        maxEntries: config.cache.maxEntries,
        onRead: metrics.cacheReads('local'),
      });
    case 'none':
      return new NoDossierCache();
    case 'redis': {
      // readConfig requires REDIS_URL (or a Cluster) for CACHE=redis.
      if (redis === null) throw new TypeError('a Redis cache needs Redis configured');
      const shared = new RedisDossierCache({
        redis,
        keyPrefix: config.cache.keyPrefix,
        logger,
        onRead: metrics.cacheReads('redis'),
      });
      return new TieredDossierCache(shared, config.cache.localEntries, metrics.cacheReads('local'));
    }
    default: {
      const unknown: never = config.cache;
      throw new TypeError(`Unknown cache ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * One key per role for the embedded default, kept in memory and printed at start: the province-IT
 * key covers Thanh Hóa (H56) and its two sample systems.
 */
async function createDemoKeys(
  keys: ApiKeyService,
  registrationIds: readonly string[],
): Promise<Record<Role, string>> {
  const make = async (
    role: Role,
    name: string,
    agencies: string[] = [],
    connectors: string[] = [],
  ) => {
    const result = await keys.create({ name, role, agencies, connectors }, 'gateway');
    if (!result.ok) throw new Error(`demo key ${role}: ${result.error.message}`);
    return result.value.key;
  };
  return {
    portal: await make('portal', 'Demo: Cổng DVCQG'),
    'province-it': await make(
      'province-it',
      'Demo: Sở KH&CN Thanh Hóa',
      ['H56'],
      registrationIds.filter((id) => id.startsWith('thanh-hoa-')),
    ),
    auditor: await make('auditor', 'Demo: Kiểm toán'),
    admin: await make('admin', 'Demo: Quản trị'),
  };
}

/**
 * The key(s) sealing registration secrets: from SECRETS_KEY, from SECRETS_KEY_FILE, or — the
 * embedded default — from `var/secrets.key`, made once (0600) when missing.
 */
async function loadSecretBox(secrets: GatewayConfig['secrets']): Promise<SecretBox> {
  if ('text' in secrets) return SecretBox.fromText(secrets.text);
  try {
    return SecretBox.fromText(await readFile(secrets.file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !secrets.generate) throw error;
    await mkdir(dirname(secrets.file), { recursive: true, mode: 0o700 });
    const text = `${SecretBox.generateKeyText()}\n`;
    await writeFile(secrets.file, text, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return SecretBox.fromText(await readFile(secrets.file, 'utf8'));
  }
}
