import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../connectors/contract';
import type { AuthResult, Credentials } from '../auth/Authenticator';
import type { Principal } from '../auth/Principal';
import type { ClientAddress } from './clientAddress';
import type { ContextFactory } from '../graphql/GatewayContext';
import { QUERY_LIMITS } from './queryLimits';
import type { Refusal, RequestGate } from './requestGate';

export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  gate: RequestGate;
  /** Credentials of open connections are checked again with it every few seconds. */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult>;
  createContext: ContextFactory;
  clients: ClientAddress;
  /** Validation rules, as over HTTP (introspection included or not). */
  rules: readonly ValidationRule[];
  hideSuggestions: boolean;
  /** Browser origins allowed besides the gateway's own host. */
  allowedOrigins: readonly string[];
  maxPayloadBytes: number;
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
 * Subscriptions (graphql-ws) on the HTTP server's port and /graphql path. Requests pass the same
 * gate as over HTTP (credentials, rate, allow-list); what is particular to a socket is here: the
 * origin check and connection caps at the upgrade, subscriptions only (queries and mutations go
 * to POST /graphql), a cap per connection, credentials checked again while it stays open. The code
 * limit is the subscription resolver's; masking goes through the same services. graphql-ws pings
 * every 12 s and drops connections that do not answer.
 */
export function startSubscriptionServer(
  http: Server,
  options: SubscriptionServerOptions,
): { close(): Promise<void> } {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const allowed = new Set(options.allowedOrigins);
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

  const server = useServer<
    Record<string, unknown>,
    { principal: Principal | null; credentials: Credentials }
  >(
    {
      schema: options.schema,
      // Credentials come with the connection: in connection params (`{"apiKey": "dvck_…"}` or
      // `{"authorization": "Bearer …"}`, what browsers can send) or the upgrade request's headers.
      // Missing or wrong credentials close the connection (4403).
      onConnect: async (ctx) => {
        const credentials = connectionCredentials(ctx.connectionParams ?? {}, ctx.extra.request);
        const address = options.clients.of(ctx.extra.request);
        const identified = await options.gate.identify(credentials, address);
        if (!identified.ok || identified.principal === null) return false;
        if ((perAddress.get(address) ?? 0) >= MAX_SOCKETS_PER_ADDRESS) return false;
        perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
        ctx.extra.socket.once('close', () => {
          const left = (perAddress.get(address) ?? 1) - 1;
          if (left <= 0) perAddress.delete(address);
          else perAddress.set(address, left);
          connections.delete(ctx.extra.socket);
        });
        connections.set(ctx.extra.socket, credentials);
        ctx.extra.principal = identified.principal;
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
        // Each new subscription passes the gate again: credentials (still valid?), then rate.
        const admitted = await options.gate.admit(
          ctx.extra.credentials ?? {},
          options.clients.of(ctx.extra.request),
        );
        if (!admitted.ok) {
          // Refused credentials close the connection; a key store that cannot be asked, or a
          // rate exceeded, refuses this subscription only.
          if (admitted.refusal.credentialsRefused === true) {
            ctx.extra.socket.close(4403, 'credentials no longer valid');
            return [new GraphQLError('credentials no longer valid', unauthenticated)];
          }
          return [refusalError(admitted.refusal)];
        }
        if (admitted.principal === null) {
          ctx.extra.socket.close(4403, 'credentials no longer valid');
          return [new GraphQLError('credentials no longer valid', unauthenticated)];
        }
        ctx.extra.principal = admitted.principal;
        // An empty query, as graphql-ws clients send with a hash, stands for the hash's document.
        const query = options.gate.document(
          payload.query === '' ? undefined : payload.query,
          payload.extensions,
        );
        if (query === undefined) {
          return [
            new GraphQLError('PersistedQueryNotFound', {
              extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
            }),
          ];
        }
        const held = options.gate.allowed(admitted.principal, query);
        if (held !== null) return [refusalError(held)];
        let document: DocumentNode;
        try {
          document = parse(query, { maxTokens: QUERY_LIMITS.maxTokens });
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(options.schema, document, options.rules, {
          hideSuggestions: options.hideSuggestions,
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

  return {
    close: async () => {
      clearInterval(recheck);
      await server.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

const unauthenticated = { extensions: { code: 'UNAUTHENTICATED' } };

function refusalError(refusal: Refusal): GraphQLError {
  return new GraphQLError(refusal.message, { extensions: { code: refusal.code } });
}

/** Credentials from connection params (what browsers can send), else the upgrade's headers. */
function connectionCredentials(
  params: Record<string, unknown>,
  request: IncomingMessage,
): Credentials {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const param = (name: string) =>
    typeof params[name] === 'string' ? (params[name] as string) : undefined;
  const credentials: Credentials = {};
  const authorization = param('authorization') ?? param('Authorization') ?? header('authorization');
  const apiKey = param('apiKey') ?? param('X-Api-Key') ?? header('x-api-key');
  if (authorization !== undefined) credentials.authorization = authorization;
  if (apiKey !== undefined) credentials.apiKey = apiKey;
  return credentials;
}

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
