import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../connectors/contract';
import type { GatewayContext } from '../graphql/GatewayContext';
import { MAX_CODES_PER_OPERATION } from '../graphql/resolvers/dossierResolvers';
import { dossierCodeLimitPlugin } from './dossierCodeLimitPlugin';
import { createErrorFormatter } from './formatError';
import { GRAPHIQL_CSP, graphiqlHtml, loadGraphiqlAssets } from './graphiql';

export interface GatewayServerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  /** Builds the per-request context; `signal` ends when the request's time budget does. */
  createContext(request: { requestId: string; signal: AbortSignal }): GatewayContext;
  /** A status push to `/hooks/<connector>`: raw body and X-Signature, answered as is. */
  push(
    connectorId: string,
    body: string,
    signature: string | undefined,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Readiness summary for `/readyz`. */
  readiness(): { ready: boolean; degraded: boolean; details: Record<string, unknown> };
  /** Serve GraphiQL at /graphiql and allow introspection. Default true in the embedded default. */
  graphiql: boolean;
  /** Dossier codes pre-filled in GraphiQL. */
  exampleCodes: readonly string[];
  /** Largest request body accepted. Default 1 MiB (500 codes take about 25 KiB). */
  maxBodyBytes: number;
  /** Overall time budget of one GraphQL request. Default 10 000 ms. */
  requestBudgetMs: number;
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
  const apollo = new ApolloServer<GatewayContext>({
    schema: options.schema,
    introspection: options.graphiql,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(options.logger),
    logger: apolloLogger(options.logger),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      dossierCodeLimitPlugin({ maxCodes: MAX_CODES_PER_OPERATION }),
    ],
  });
  await apollo.start();
  // Subscriptions (graphql-ws) on the same port and path. graphql-ws runs beside Apollo, so what
  // Apollo's plugins do for queries is done here: the origin check at the upgrade, the code limit
  // in the subscription resolver, masking through the same services.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== '/graphql' || !sameOrigin(req)) {
      options.logger.warn(
        { path: path.slice(0, 100), origin: req.headers.origin?.slice(0, 200) },
        'WebSocket upgrade refused',
      );
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });
  const subscriptions = useServer(
    {
      schema: options.schema,
      context: () =>
        options.createContext({ requestId: randomUUID(), signal: new AbortController().signal }),
      onError: (_ctx, _id, _payload, errors) => {
        options.logger.warn({ errors: errors.map((e) => e.message) }, 'subscription refused');
      },
    },
    sockets,
  );
  const assets = options.graphiql ? loadGraphiqlAssets() : new Map();
  const page = graphiqlHtml(options.exampleCodes);

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = incomingRequestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const path = (req.url ?? '/').split('?')[0] as string;
    route(path, req, res, requestId).catch((error: unknown) => {
      options.logger.error({ requestId, err: (error as Error).message }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error' });
      else res.destroy();
    });
  });

  async function route(path: string, req: IncomingMessage, res: ServerResponse, requestId: string) {
    if (path === '/graphql') return graphql(req, res, requestId);
    if (path.startsWith('/hooks/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST a signed push here' });
      const body = await readBody(req, options.maxBodyBytes);
      if (body.kind === 'tooLarge')
        return sendJson(res, 413, { error: `push body larger than ${options.maxBodyBytes} bytes` });
      const signature = req.headers['x-signature'];
      const answer = await options.push(
        decodeURIComponent(path.slice('/hooks/'.length)),
        body.text,
        Array.isArray(signature) ? signature[0] : signature,
      );
      return sendJson(res, answer.status, answer.body);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'method not allowed' });
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const readiness = options.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, {
        status: readiness.ready ? 'ready' : 'not ready',
        degraded: readiness.degraded,
        ...readiness.details,
      });
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

  async function graphql(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === 'tooLarge') {
      return sendJson(res, 413, {
        errors: [
          {
            message: `request body larger than ${options.maxBodyBytes} bytes`,
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
    }
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
          return sendJson(res, 415, {
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
          return sendJson(res, 400, {
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
    const signal = AbortSignal.timeout(options.requestBudgetMs);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => options.createContext({ requestId, signal }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
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
      await subscriptions.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await apollo.stop();
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * A browser may open a WebSocket to any site: refuse one whose Origin is another host. Clients
 * that send no Origin (servers, the portal's back end) are not browsers and pass.
 */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

type Body = { kind: 'ok'; text: string } | { kind: 'tooLarge' };

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
    req.on('end', () => resolve({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

/** Accepts a caller's request id when it is short and plain; otherwise makes one. */
function incomingRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : randomUUID();
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
