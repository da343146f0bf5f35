import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../connectors/contract';
import type { AuthResult, Credentials } from '../auth/Authenticator';
import type { Principal } from '../auth/Principal';
import type { Role } from '../auth/roles';
import type { PersistedOperations } from './persistedOperations';
import type { PrincipalRateLimiter, RateDecision } from './PrincipalRateLimiter';
import { QUERY_LIMITS, queryLimitRules } from './queryLimits';
import type { GatewayContext } from '../graphql/GatewayContext';
import { MAX_CODES_PER_OPERATION } from '../graphql/resolvers/dossierResolvers';
import { dossierCodeLimitPlugin } from './dossierCodeLimitPlugin';
import { metricsPlugin, outcomeOf } from './metricsPlugin';
import {
  CompiledOperations,
  answerContentType,
  formatExecutionErrors,
  relocate,
  runCompiled,
  type CompiledOperation,
} from './compiledOperations';
import { ClientAddress } from './clientAddress';
import { requestSpan, tracingPlugin } from './tracingPlugin';
import type { Tracer } from '@opentelemetry/api';
import { CONSOLE_CSP, loadConsoleAssets } from './consolePage';
import type { GatewayMetrics } from '../observability/GatewayMetrics';
import { createErrorFormatter } from './formatError';
import { GRAPHIQL_CSP, graphiqlHtml, loadGraphiqlAssets } from './graphiql';
import { ResponseCache, ResponseRecord, type ResponseKey } from './ResponseCache';
import { responseRecordPlugin } from './responseRecordPlugin';

export interface GatewayServerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  /**
   * Builds the per-request context; `signal` ends when the request's time budget does; `recorder`
   * (HTTP dossier lookups, when answers are kept) is told what the answer is made of.
   */
  createContext(request: {
    requestId: string;
    signal: AbortSignal;
    principal: Principal | null;
    recorder?: ResponseRecord;
  }): GatewayContext;
  /** Dossier lookup answers kept as bytes per caller scope; none: every request executes. */
  responses?: ResponseCache;
  /**
   * Who is calling: API key or bearer token, from HTTP headers or graphql-ws connection params
   * (a key checked a moment ago answered at once, without a promise).
   */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult>;
  /** A status push to `/hooks/<connector>`: raw body and X-Signature, answered as is. */
  push(
    connectorId: string,
    body: Buffer,
    signature: string | undefined,
  ): Promise<{ status: number; body: Record<string, unknown>; retryAfterSeconds?: number }>;
  /** Readiness summary for `/readyz`. */
  readiness(): { ready: boolean; degraded: boolean; details: Record<string, unknown> };
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
 * The gateway's HTTP front (ARCHITECTURE.md `src/server`): Apollo Server 5 on node:http with its
 * own routes — /graphql, /graphiql, /healthz, /readyz.
 */
export async function createGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const http = createServer();
  const clients = options.clientAddress ?? new ClientAddress([]);
  const remoteAddress = (request: IncomingMessage) => clients.of(request);
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
    formatError: createErrorFormatter(options.logger),
    logger: apolloLogger(options.logger),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's cache-control plugin wraps every field's resolver to compute HTTP cache hints
      // (a third of a 300-dossier answer's execution); answers here are never HTTP-cacheable:
      // `Cache-Control: no-store` is set on every /graphql answer instead (setGraphqlHeaders).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      dossierCodeLimitPlugin({ maxCodes: MAX_CODES_PER_OPERATION }),
      metricsPlugin(options.metrics),
      ...(options.responses === undefined ? [] : [responseRecordPlugin()]),
      ...(options.tracer === undefined ? [] : [tracingPlugin(options.tracer)]),
    ],
  });
  await apollo.start();
  // Subscriptions (graphql-ws) on the same port and path. graphql-ws runs beside Apollo, so what
  // Apollo does for queries is done here: the origin check and connection cap at the upgrade;
  // subscriptions only (queries and mutations go through Apollo, with its plugins), introspection
  // as over HTTP, a cap per connection; the code limit in the subscription resolver; masking
  // through the same services. graphql-ws pings every 12 s and drops connections that do not answer.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  const allowed = new Set(options.allowedOrigins ?? []);
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node leaves an upgraded socket without an error handler: a reset would crash the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: string, reason: string) => {
      options.logger.warn(
        { reason, path: req.url?.slice(0, 100), origin: req.headers.origin?.slice(0, 200) },
        'WebSocket upgrade refused',
      );
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://gateway').pathname;
    } catch {
      return refuse('400 Bad Request', 'unreadable URL');
    }
    if (path !== '/graphql') return refuse('404 Not Found', 'not /graphql');
    if (!sameOrigin(req, allowed)) return refuse('403 Forbidden', 'origin not allowed');
    if (sockets.clients.size >= MAX_SOCKETS)
      return refuse('503 Service Unavailable', 'too many connections');
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });
  const rules = [
    ...specifiedRules,
    ...queryLimitRules(),
    ...(options.graphiql ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  // Known queries run compiled (graphql-jit), past Apollo's per-request pipeline; with the same
  // rules, context, plugins' work (code limit, metrics, tracing, kept answers) and error format.
  const compiled =
    options.compileQueries === false
      ? null
      : new CompiledOperations(options.schema, rules, QUERY_LIMITS.maxTokens);
  const formatError = createErrorFormatter(options.logger);
  const subscriptionsOf = new WeakMap<object, number>();
  // Credentials of each open connection, checked again every few seconds: a key revoked or a
  // token expired since the connection opened closes it (4403).
  const connections = new Map<WebSocket, Credentials>();
  const perAddress = new Map<string, number>();
  const recheck = setInterval(() => {
    for (const [socket, credentials] of connections) {
      void Promise.resolve(options.authenticate(credentials)).then((result) => {
        // Refused now (revoked, expired) closes it; a key store that cannot be asked does not.
        if (result.ok ? result.principal === null : result.status === 401) {
          socket.close(4403, 'credentials no longer valid');
          connections.delete(socket);
        }
      });
    }
  }, RECHECK_MS);
  recheck.unref();
  const subscriptions = useServer<
    Record<string, unknown>,
    { principal: Principal | null; credentials: Credentials }
  >(
    {
      schema: options.schema,
      // Credentials come with the connection: in connection params (`{"apiKey": "dvck_…"}` or
      // `{"authorization": "Bearer …"}`, what browsers can send) or the upgrade request's headers.
      // Missing or wrong credentials close the connection (4403).
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = (name: string) => {
          const value = ctx.extra.request.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const param = (name: string) =>
          typeof params[name] === 'string' ? (params[name] as string) : undefined;
        const credentials: Credentials = {};
        const authorization =
          param('authorization') ?? param('Authorization') ?? header('authorization');
        const apiKey = param('apiKey') ?? param('X-Api-Key') ?? header('x-api-key');
        if (authorization !== undefined) credentials.authorization = authorization;
        if (apiKey !== undefined) credentials.apiKey = apiKey;
        const result = await options.authenticate(credentials);
        if (!result.ok || result.principal === null) return false;
        const address = remoteAddress(ctx.extra.request);
        if ((perAddress.get(address) ?? 0) >= MAX_SOCKETS_PER_ADDRESS) return false;
        perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
        ctx.extra.socket.once('close', () => {
          const left = (perAddress.get(address) ?? 1) - 1;
          if (left <= 0) perAddress.delete(address);
          else perAddress.set(address, left);
          connections.delete(ctx.extra.socket);
        });
        connections.set(ctx.extra.socket, credentials);
        ctx.extra.principal = result.principal;
        ctx.extra.credentials = credentials;
        return true;
      },
      context: (ctx) =>
        options.createContext({
          requestId: randomUUID(),
          signal: new AbortController().signal,
          principal: ctx.extra.principal ?? null,
        }),
      onSubscribe: async (ctx, _id, payload) => {
        // Each new subscription re-checks the connection's credentials.
        const current = await options.authenticate(ctx.extra.credentials ?? {});
        if (!current.ok && current.status === 503) {
          // The key store cannot be asked: this subscription waits, the connection stays.
          return [new GraphQLError(current.message, { extensions: { code: current.code } })];
        }
        if (!current.ok || current.principal === null) {
          ctx.extra.socket.close(4403, 'credentials no longer valid');
          return [
            new GraphQLError('credentials no longer valid', {
              extensions: { code: 'UNAUTHENTICATED' },
            }),
          ];
        }
        const principal = current.principal;
        ctx.extra.principal = principal;
        const rate = await options.rateLimiter?.consume(
          principal,
          remoteAddress(ctx.extra.request),
        );
        if (rate !== undefined && !rate.ok) {
          return [
            new GraphQLError(
              `more than ${rate.limit} requests per second; retry in ${rate.retryAfterSeconds} s`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        const query =
          payload.query === '' || payload.query === undefined
            ? persistedDocument(payload.extensions)
            : payload.query;
        if (query === undefined) {
          return [
            new GraphQLError('PersistedQueryNotFound', {
              extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
            }),
          ];
        }
        const held = heldToAllowList(principal, query);
        if (held !== null) return [held];
        let document: DocumentNode;
        try {
          document = parse(query, { maxTokens: QUERY_LIMITS.maxTokens });
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(options.schema, document, rules, {
          hideSuggestions: !options.graphiql,
        });
        if (errors.length > 0) return errors;
        if (getOperationAST(document, payload.operationName)?.operation !== 'subscription') {
          return [
            new GraphQLError(
              'Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql',
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        const count = (subscriptionsOf.get(ctx) ?? 0) + 1;
        if (count > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [
            new GraphQLError(
              `At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection; watch more codes in one`,
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        subscriptionsOf.set(ctx, count);
        return {
          schema: options.schema,
          document,
          variableValues: payload.variables ?? undefined,
          operationName: payload.operationName ?? undefined,
        };
      },
      onComplete: (ctx) => {
        subscriptionsOf.set(ctx, Math.max(0, (subscriptionsOf.get(ctx) ?? 1) - 1));
      },
      onError: (_ctx, _id, _payload, errors) => {
        options.logger.warn({ errors: errors.map((e) => e.message) }, 'subscription refused');
      },
    },
    sockets,
  );
  const assets = options.graphiql ? loadGraphiqlAssets() : new Map();
  const consoleAssets = loadConsoleAssets();
  const page = graphiqlHtml(options.exampleCodes, options.graphiqlHeaders);

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

  async function route(path: string, req: IncomingMessage, res: ServerResponse) {
    if (path.startsWith('/hooks/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST a signed push here' });
      const id = path.slice('/hooks/'.length);
      // Registration ids are lower-case letters, digits and dashes: anything else is no hook.
      if (!/^[a-z0-9-]{1,64}$/.test(id))
        return sendJson(res, 404, { error: 'no such push endpoint' });
      const body = await readBody(req, options.maxBodyBytes);
      if (body.kind === 'tooLarge')
        return sendJson(res, 413, { error: `push body larger than ${options.maxBodyBytes} bytes` });
      const signature = req.headers['x-signature'];
      const answer = await options.push(
        id,
        body.bytes,
        Array.isArray(signature) ? signature[0] : signature,
      );
      if (answer.retryAfterSeconds !== undefined)
        res.setHeader('Retry-After', String(answer.retryAfterSeconds));
      return sendJson(res, answer.status, answer.body);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'method not allowed' });
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/metrics') {
      const access = options.metricsAccess;
      if ('open' in access && !access.open)
        return sendJson(res, 404, { error: 'metrics are off; set METRICS_TOKEN to serve them' });
      if ('token' in access && !bearerMatches(req.headers.authorization, access.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return sendJson(res, 401, { error: 'send the metrics token as a bearer token' });
      }
      const { contentType, body } = await options.metrics.exposition();
      return send(res, 200, contentType, body);
    }
    if (path === '/readyz') {
      const readiness = options.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, {
        status: readiness.ready ? 'ready' : 'not ready',
        degraded: readiness.degraded,
        ...readiness.details,
      });
    }
    const consoleAsset = consoleAssets.get(path);
    if (consoleAsset !== undefined) {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('Cache-Control', 'no-cache');
      return send(res, 200, consoleAsset.type, consoleAsset.body);
    }
    if (options.graphiql && (path === '/' || path === '/graphiql' || path === '/graphiql/')) {
      res.setHeader('Content-Security-Policy', GRAPHIQL_CSP);
      return send(res, 200, 'text/html; charset=utf-8', page);
    }
    const asset = path.startsWith('/graphiql/')
      ? assets.get(path.slice('/graphiql/'.length))
      : undefined;
    if (asset !== undefined) {
      res.setHeader('Cache-Control', 'public, max-age=3600');
      return send(res, 200, asset.type, asset.body);
    }
    return sendJson(res, 404, { error: `no route ${path}; the API is at /graphql` });
  }

  /** The document an allow-listed hash stands for (`extensions.persistedQuery.sha256Hash`). */
  function persistedDocument(extensions: unknown): string | undefined {
    const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)
      ?.persistedQuery?.sha256Hash;
    return typeof hash === 'string' ? options.persisted?.operations.document(hash) : undefined;
  }

  /** A caller held to the allow-list may run only what is on it. */
  function heldToAllowList(principal: Principal | null, query: string): GraphQLError | null {
    const persisted = options.persisted;
    if (principal === null || persisted === undefined || !persisted.onlyRoles.has(principal.role))
      return null;
    if (persisted.operations.allows(query)) return null;
    return new GraphQLError(
      `role ${principal.role} may run persisted operations only, and this one is not on the allow-list`,
      { extensions: { code: 'FORBIDDEN' } },
    );
  }

  /**
   * The compiled form of a plain POSTed query (no extensions, no batching), with its variables and
   * answer type, when it has one and its variables and code count pass; undefined: Apollo answers.
   */
  function compiledFor(
    req: IncomingMessage,
    body: unknown,
  ):
    | { operation: CompiledOperation; variables: Record<string, unknown>; contentType: string }
    | undefined {
    if (compiled === null || req.method !== 'POST' || !isRecord(body)) return undefined;
    const { query, operationName, variables, extensions } = body;
    if (typeof query !== 'string' || (extensions !== undefined && extensions !== null))
      return undefined;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
      return undefined;
    if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
    const contentType = answerContentType(headerOf(req, 'accept'));
    if (contentType === null) return undefined;
    const operation = compiled.get(query, operationName ?? undefined);
    if (operation === undefined) return undefined;
    const given = variables ?? {};
    if (
      operation.codes(given) > MAX_CODES_PER_OPERATION ||
      !compiled.variablesFit(operation, given)
    )
      return undefined;
    return { operation, variables: given, contentType };
  }

  /** A refused request (body, credentials, rate, allow-list), answered before Apollo: counted too. */
  function refuse(
    res: ServerResponse,
    started: number,
    status: number,
    body: { errors: Array<{ message: string; extensions?: unknown }> },
  ): void {
    const code = (body.errors[0]?.extensions as { code?: unknown } | undefined)?.code;
    options.metrics.graphqlRequest(
      'unknown',
      '(refused)',
      'refused',
      code,
      (performance.now() - started) / 1000,
    );
    sendJson(res, status, body);
  }

  /**
   * /graphql. The path of a kept answer is this function alone (kept small: an async function's
   * suspended state is as large as its body's locals); everything else goes on in `execute`.
   */
  async function graphql(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const started = performance.now();
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === 'tooLarge') {
      setGraphqlHeaders(res, requestId);
      return refuse(res, started, 413, {
        errors: [
          {
            message: `request body larger than ${options.maxBodyBytes} bytes`,
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
    }
    // Who is calling, from the raw headers: checked first when kept answers are on, so that a
    // kept one is sent before any parsing (the request is byte for byte one that passed it all).
    const credentials = credentialsOf(req);
    const responses = options.responses;
    if (responses === undefined || req.method !== 'POST')
      return execute(req, res, requestId, started, body, credentials, undefined, undefined);
    // Decided at once for a key checked a moment ago and a caller with a lease: no suspension.
    const authenticated = options.authenticate(credentials);
    const auth = authenticated instanceof Promise ? await authenticated : authenticated;
    // As below: every accepted request counts against its caller's (or address's) rate.
    const counted = auth.ok
      ? options.rateLimiter?.consume(auth.principal, remoteAddress(req))
      : undefined;
    const rate = counted instanceof Promise ? await counted : counted;
    let keptKey: ResponseKey | undefined;
    if (auth.ok && auth.principal !== null && (rate === undefined || rate.ok)) {
      keptKey = ResponseCache.key(
        auth.principal,
        headerOf(req, 'accept'),
        headerOf(req, 'content-type'),
        body.text,
      );
      const kept = responses.get(keptKey);
      options.metrics.keptAnswer(kept !== undefined, kept?.entries);
      if (kept !== undefined) {
        res.writeHead(kept.status, [
          'X-Request-Id',
          requestId,
          'X-Content-Type-Options',
          'nosniff',
          'Cache-Control',
          'no-store',
          ...kept.rawHeaders,
        ]);
        res.end(kept.body);
        options.metrics.graphqlRequest(
          kept.labels.type,
          kept.labels.field,
          'ok',
          undefined,
          (performance.now() - started) / 1000,
        );
        return;
      }
    }
    return execute(req, res, requestId, started, body, credentials, { auth, rate }, keptKey);
  }

  /** A GraphQL request not answered from the kept answers: compiled, or through Apollo. */
  async function execute(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    started: number,
    body: { text: string },
    credentials: Credentials,
    early: { auth: AuthResult; rate: RateDecision | undefined } | undefined,
    keptKey: ResponseKey | undefined,
  ) {
    const responses = options.responses;
    setGraphqlHeaders(res, requestId);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let parsedBody: unknown = undefined;
    if (req.method === 'POST' && body.text.length > 0) {
      const type = headers.get('content-type') ?? '';
      if (/^application\/(graphql-response\+)?json\b/i.test(type)) {
        const charset = /charset=([^;\s]+)/i.exec(type)?.[1];
        if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
          return refuse(res, started, 415, {
            errors: [
              {
                message: `unsupported charset ${charset}; send UTF-8`,
                extensions: { code: 'BAD_REQUEST' },
              },
            ],
          });
        }
        try {
          parsedBody = JSON.parse(body.text);
        } catch {
          return refuse(res, started, 400, {
            errors: [
              { message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } },
            ],
          });
        }
      } else {
        parsedBody = body.text;
      }
    }
    const request: HTTPGraphQLRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      headers,
      search: new URL(req.url ?? '/', 'http://gateway').search,
      body: parsedBody,
    };
    const auth = early?.auth ?? (await options.authenticate(credentials));
    if (!auth.ok) {
      // Refused credentials count against the address's anonymous budget: guessing keys is slow.
      // A key store that cannot be reached (503) refused nothing: not counted.
      const guess =
        auth.status === 401
          ? await options.rateLimiter?.consume(null, remoteAddress(req))
          : undefined;
      if (guess !== undefined && !guess.ok) {
        res.setHeader('Retry-After', String(guess.retryAfterSeconds));
        return refuse(res, started, 429, {
          errors: [
            {
              message: `too many refused credentials from this address; retry in ${guess.retryAfterSeconds} s`,
              extensions: { code: 'RATE_LIMITED' },
            },
          ],
        });
      }
      if (auth.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      return refuse(res, started, auth.status, {
        errors: [{ message: auth.message, extensions: { code: auth.code } }],
      });
    }
    const rate =
      early !== undefined
        ? early.rate
        : await options.rateLimiter?.consume(auth.principal, remoteAddress(req));
    if (rate !== undefined && !rate.ok) {
      res.setHeader('Retry-After', String(rate.retryAfterSeconds));
      return refuse(res, started, 429, {
        errors: [
          {
            message: `more than ${rate.limit} requests per second; retry in ${rate.retryAfterSeconds} s`,
            extensions: { code: 'RATE_LIMITED' },
          },
        ],
      });
    }
    // A known hash without its document: the allow-list supplies it.
    if (isRecord(parsedBody) && typeof parsedBody.query !== 'string') {
      const document = persistedDocument(parsedBody.extensions);
      if (document !== undefined) parsedBody = { ...parsedBody, query: document };
    }
    const held =
      isRecord(parsedBody) && typeof parsedBody.query === 'string'
        ? heldToAllowList(auth.principal, parsedBody.query)
        : auth.principal !== null && options.persisted?.onlyRoles.has(auth.principal.role)
          ? new GraphQLError(
              `role ${auth.principal.role} may run persisted operations only: POST a known operation or its sha256Hash`,
              { extensions: { code: 'FORBIDDEN' } },
            )
          : null;
    if (held !== null) {
      return refuse(res, started, 403, {
        errors: [{ message: held.message, extensions: held.extensions }],
      });
    }
    request.body = parsedBody;
    // Not kept yet: told what the answer is made of, to keep it when it may be (ResponseCache).
    const recorder = keptKey === undefined ? undefined : new ResponseRecord();
    const generation = responses?.generation();
    const signal = AbortSignal.timeout(options.requestBudgetMs);
    const contextFor = () =>
      options.createContext({
        requestId,
        signal,
        principal: auth.principal,
        ...(recorder === undefined ? {} : { recorder }),
      });
    /** Keeps the answer's bytes when its record allows (ResponseCache decides). */
    const keep = (status: number, headers: Array<[string, string]>, answer: string) => {
      if (recorder !== undefined && keptKey !== undefined && generation !== undefined)
        responses?.set(keptKey, recorder, generation, { status, headers, body: answer });
    };
    const known = compiledFor(req, parsedBody);
    if (known !== undefined) {
      const context = contextFor();
      const span = options.tracer === undefined ? null : requestSpan(options.tracer, context);
      span?.resolved('query', known.operation.field);
      if (recorder !== undefined) {
        if (known.operation.keepable)
          recorder.labels = { type: 'query', field: known.operation.field };
        else recorder.refuse();
      }
      const result = await runCompiled(known.operation, context, known.variables);
      const { errors, status } =
        result.errors === undefined
          ? { errors: undefined, status: undefined }
          : formatExecutionErrors(result.errors, formatError, (locations) =>
              relocate(known.operation, locations),
            );
      const answer = `${JSON.stringify({ errors, data: result.data })}\n`;
      res.statusCode = status ?? 200;
      res.setHeader('content-type', known.contentType);
      res.end(answer);
      span?.end(errors ?? []);
      const { outcome, code } = outcomeOf({ data: result.data, ...(errors ? { errors } : {}) });
      options.metrics.graphqlRequest(
        'query',
        known.operation.field,
        outcome,
        code,
        (performance.now() - started) / 1000,
      );
      if (errors !== undefined && errors.length > 0) recorder?.refuse();
      keep(res.statusCode, [['content-type', known.contentType]], answer);
      return;
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => contextFor(),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      keep(res.statusCode, [...response.headers], response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

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
      clearInterval(recheck);
      await subscriptions.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await apollo.stop();
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Most WebSocket connections at once; more are refused with 503. */
const MAX_SOCKETS = 10_000;
/** Most WebSocket connections from one address. */
const MAX_SOCKETS_PER_ADDRESS = 100;
/** How often open WebSocket connections' credentials are checked again. */
const RECHECK_MS = 5000;
/** Most subscriptions on one connection (one may watch up to 500 codes). */
const MAX_SUBSCRIPTIONS_PER_SOCKET = 20;

/**
 * A browser may open a WebSocket to any site: refuse one whose Origin is neither this host nor
 * listed in ALLOWED_ORIGINS. Clients that send no Origin (servers, the portal's back end) are not
 * browsers and pass.
 */
function sameOrigin(request: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.has(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

type Body = { kind: 'ok'; text: string; bytes: Buffer } | { kind: 'tooLarge' };

function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve({ kind: 'tooLarge' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve({ kind: 'tooLarge' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      // A small body comes in one chunk: no copy.
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      resolve({ kind: 'ok', text: bytes.toString('utf8'), bytes });
    });
    req.on('error', reject);
  });
}

/** Headers every answer carries: its request id, and no content sniffing. */
function setCommonHeaders(res: ServerResponse, requestId: string): void {
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** GraphQL answers carry dossiers and personal data: no cache on the way may keep them. */
function setGraphqlHeaders(res: ServerResponse, requestId: string): void {
  setCommonHeaders(res, requestId);
  res.setHeader('Cache-Control', 'no-store');
}

/** One request header as a string (repeated ones joined, as Apollo's HeaderMap does). */
function headerOf(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** The credentials a request carries: X-Api-Key, or Authorization. */
function credentialsOf(req: IncomingMessage): Credentials {
  const credentials: Credentials = {};
  if (req.headers.authorization !== undefined)
    credentials.authorization = headerOf(req, 'authorization');
  if (req.headers['x-api-key'] !== undefined) credentials.apiKey = headerOf(req, 'x-api-key');
  return credentials;
}

/** Accepts a caller's request id when it is short and plain; otherwise makes one. */
function incomingRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : randomUUID();
}

/** Whether an Authorization header carries `Bearer <token>` (compared in constant time). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function apolloLogger(logger: Logger) {
  return {
    debug: (message: string) => logger.debug({ source: 'apollo' }, message),
    info: (message: string) => logger.info({ source: 'apollo' }, message),
    warn: (message: string) => logger.warn({ source: 'apollo' }, message),
    error: (message: string) => logger.error({ source: 'apollo' }, message),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The client's address, for rate limits on callers without credentials. */
