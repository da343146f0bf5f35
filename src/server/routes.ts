import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayMetrics } from '../observability/GatewayMetrics';
import { CONSOLE_CSP, loadConsoleAssets } from './consolePage';
import { GRAPHIQL_CSP, graphiqlHtml, loadGraphiqlAssets } from './graphiql';
import { bearerMatches, readBody, send, sendJson } from './httpMessages';

export interface RoutesOptions {
  /** A status push to `/hooks/<connector>`: raw body and X-Signature, answered as is. */
  push(
    connectorId: string,
    body: Buffer,
    signature: string | undefined,
  ): Promise<{ status: number; body: Record<string, unknown>; retryAfterSeconds?: number }>;
  /** Readiness summary for `/readyz`. */
  readiness(): { ready: boolean; degraded: boolean; details: Record<string, unknown> };
  metrics: GatewayMetrics;
  /** Who may read `/metrics`: holders of the bearer token, anyone (open), or nobody. */
  metricsAccess: { token: string } | { open: boolean };
  /** Serve GraphiQL at / and /graphiql. */
  graphiql: boolean;
  /** Dossier codes and headers pre-filled in GraphiQL. */
  exampleCodes: readonly string[];
  graphiqlHeaders?: Readonly<Record<string, string>> | undefined;
  maxBodyBytes: number;
}

/**
 * Every route but /graphql: signed pushes (/hooks/<id>), probes (/healthz, /readyz), /metrics,
 * the operations console and GraphiQL with their assets.
 */
export function routes(
  options: RoutesOptions,
): (path: string, req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const assets = options.graphiql ? loadGraphiqlAssets() : new Map();
  const consoleAssets = loadConsoleAssets();
  const page = graphiqlHtml(options.exampleCodes, options.graphiqlHeaders);

  return async function route(path, req, res) {
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
  };
}
