import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { NoSchemaIntrospectionCustomRule, specifiedRules, type GraphQLSchema } from 'graphql';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../../connectors/contract';
import type { AuthResult, Credentials } from '../auth/Authenticator';
import type { Role } from '../auth/roles';
import { MAX_CODES_PER_OPERATION } from '../domain/dossierCode';
import type { ContextFactory, GatewayContext } from '../graphql/GatewayContext';
import type { GatewayMetrics } from '../observability/GatewayMetrics';
import { ClientAddress } from './clientAddress';
import { codeLimitPlugin } from './codeLimit';
import { CompiledOperations } from './compiledOperations';
import { createErrorFormatter } from './formatError';
import { graphqlHandler } from './graphqlHandler';
import { incomingRequestId, sendJson, setCommonHeaders } from './httpMessages';
import type { KeptAnswers } from './KeptAnswers';
import type { PersistedOperations } from './persistedOperations';
import type { PrincipalRateLimiter } from './PrincipalRateLimiter';
import { QUERY_LIMITS, queryLimitRules } from './queryLimits';
import { RequestGate } from './requestGate';
import { RequestObservers } from './requestHooks';
import { routes, type RoutesOptions } from './routes';
import { startSubscriptionServer } from './subscriptionServer';

export interface GatewayServerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  /** Builds the per-request context. */
  createContext: ContextFactory;
  /** Dossier lookup answers kept as bytes per caller scope; none: every request executes. */
  keptAnswers?: KeptAnswers;
  /**
   * Who is calling: API key or bearer token, from HTTP headers or graphql-ws connection params
   * (a key checked a moment ago answered at once, without a promise).
   */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult>;
  /** A status push to `/hooks/<connector>`: raw body and X-Signature, answered as is. */
  push: RoutesOptions['push'];
  /** Readiness summary for `/readyz`. */
  readiness: RoutesOptions['readiness'];
  /** Serve GraphiQL at /graphiql and allow introspection. Default true in the embedded default. */
  graphiql: boolean;
  /** Browser origins allowed to open a WebSocket besides the gateway's own host. */
  allowedOrigins?: readonly string[];
  /** Reads the client's address (X-Forwarded-For from trusted proxies). Default: the socket's. */
  clientAddress?: ClientAddress;
  /** Requests per second per principal; none: unlimited. */
  rateLimiter?: PrincipalRateLimiter;
  /** The allow-list of operations, and the roles that may run nothing else. */
  persisted?: { operations: PersistedOperations; onlyRoles: ReadonlySet<Role> };
  /** Dossier codes pre-filled in GraphiQL. */
  exampleCodes: readonly string[];
  /** Headers pre-filled in GraphiQL (the embedded default's demo portal key). */
  graphiqlHeaders?: Readonly<Record<string, string>>;
  /** Largest request body accepted. Default 1 MiB (500 codes take about 25 KiB). */
  maxBodyBytes: number;
  /** Overall time budget of one GraphQL request. Default 10 000 ms. */
  requestBudgetMs: number;
  metrics: GatewayMetrics;
  /** OpenTelemetry tracer when tracing is on. */
  tracer?: Tracer;
  /** Run known queries compiled (src/server/compiledOperations.ts). Default true. */
  compileQueries?: boolean;
  /** Who may read `/metrics`: holders of the bearer token, anyone (open), or nobody. */
  metricsAccess: { token: string } | { open: boolean };
}

export interface GatewayServer {
  /** Starts listening; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
  readonly http: Server;
}

/**
 * The gateway's HTTP front (docs/architecture.md): node:http with /graphql (graphqlHandler.ts:
 * kept answers, compiled queries, Apollo Server 5), subscriptions over WebSocket on the same path
 * (subscriptionServer.ts), and the other routes (routes.ts). Both GraphQL transports pass one
 * request gate (requestGate.ts) and tell one set of request hooks (requestHooks.ts).
 */
export async function createGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const http = createServer();
  const clients = options.clientAddress ?? new ClientAddress([]);
  const formatError = createErrorFormatter(options.logger);
  const gate = new RequestGate({
    authenticate: options.authenticate,
    ...(options.rateLimiter === undefined ? {} : { rateLimiter: options.rateLimiter }),
    ...(options.persisted === undefined ? {} : { persisted: options.persisted }),
  });
  const observers = new RequestObservers(options.metrics, options.tracer);
  const apollo = new ApolloServer<GatewayContext>({
    schema: options.schema,
    introspection: options.graphiql,
    // Field suggestions ("Did you mean …?") reveal the schema: only where introspection is on.
    hideSchemaDetailsFromClientErrors: !options.graphiql,
    validationRules: queryLimitRules(),
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    includeStacktraceInErrorResponses: false,
    // The gateway owns shutdown (main.ts): sockets, Apollo, then stores. Apollo's own SIGTERM
    // handler would race it and re-raise the signal.
    stopOnTerminationSignals: false,
    formatError,
    logger: apolloLogger(options.logger),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's cache-control plugin wraps every field's resolver to compute HTTP cache hints
      // (a third of a 300-dossier answer's execution); answers here are never HTTP-cacheable:
      // `Cache-Control: no-store` is set on every /graphql answer instead.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      codeLimitPlugin({ maxCodes: MAX_CODES_PER_OPERATION }),
      observers.plugin(),
    ],
  });
  await apollo.start();
  const rules = [
    ...specifiedRules,
    ...queryLimitRules(),
    ...(options.graphiql ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const subscriptions = startSubscriptionServer(http, {
    schema: options.schema,
    logger: options.logger,
    gate,
    authenticate: options.authenticate,
    createContext: options.createContext,
    clients,
    rules,
    hideSuggestions: !options.graphiql,
    allowedOrigins: options.allowedOrigins ?? [],
    maxPayloadBytes: options.maxBodyBytes,
  });
  const graphql = graphqlHandler({
    apollo,
    gate,
    observers,
    metrics: options.metrics,
    createContext: options.createContext,
    clients,
    keptAnswers: options.keptAnswers,
    // Known queries run compiled (graphql-jit), past Apollo's per-request pipeline; with the same
    // rules, context, hooks and error format.
    compiled:
      options.compileQueries === false
        ? null
        : new CompiledOperations(options.schema, rules, QUERY_LIMITS.maxTokens),
    formatError,
    maxBodyBytes: options.maxBodyBytes,
    requestBudgetMs: options.requestBudgetMs,
  });
  const route = routes({
    push: options.push,
    readiness: options.readiness,
    metrics: options.metrics,
    metricsAccess: options.metricsAccess,
    graphiql: options.graphiql,
    exampleCodes: options.exampleCodes,
    graphiqlHeaders: options.graphiqlHeaders,
    maxBodyBytes: options.maxBodyBytes,
  });

  const requestEnded = () => options.metrics.requestEnded();
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    options.metrics.requestStarted();
    res.on('close', requestEnded);
    const requestId = incomingRequestId(req.headers['x-request-id']);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    // /graphql sets its own (a kept answer writes them with its others in one go).
    if (path !== '/graphql') setCommonHeaders(res, requestId);
    (path === '/graphql' ? graphql(req, res, requestId) : route(path, req, res)).catch(
      (error: unknown) => {
        options.logger.error({ requestId, err: (error as Error).message }, 'request failed');
        if (!res.headersSent) {
          if (!res.hasHeader('X-Request-Id')) setCommonHeaders(res, requestId);
          if (path === '/graphql') res.setHeader('Cache-Control', 'no-store');
          sendJson(res, 500, { error: 'internal server error' });
        } else res.destroy();
      },
    );
  });

  return {
    http,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          const address = http.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      }),
    close: async () => {
      await subscriptions.close();
      await apollo.stop();
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function apolloLogger(logger: Logger) {
  return {
    debug: (message: string) => logger.debug({ source: 'apollo' }, message),
    info: (message: string) => logger.info({ source: 'apollo' }, message),
    warn: (message: string) => logger.warn({ source: 'apollo' }, message),
    error: (message: string) => logger.error({ source: 'apollo' }, message),
  };
}
