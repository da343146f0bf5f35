import type { CallContext, ConnectorDeps, ConnectorKind } from '../contract';
import { ConnectorError } from '../ConnectorError';
import {
  DeclarativeConnector,
  type CatalogueTransport,
  type ChangedSinceTransport,
  type ListingTransport,
  type LookupTransport,
} from '../shared/declarativeConnector';
import { ExpressionCompiler } from '../shared/expression/ExpressionCompiler';
import { errorForStatus, parseJsonBody } from '../shared/http';
import { buildTables } from '../shared/tablesSchema';
import { restJsonConfigSchema, type RestJsonConfig } from './configSchema';

/**
 * `rest-json`: a system answering JSON over HTTP, integrated by a registration file alone —
 * lookup endpoints, JSONata mapping and value tables. See connectors/rest-json/README.md.
 */
export const restJsonKind: ConnectorKind<RestJsonConfig> = {
  kind: 'rest-json',
  configSchema: restJsonConfigSchema,
  create: (config, deps) => {
    const expressions = new ExpressionCompiler(config.limits.mappingTimeoutMs, deps.onExpression);
    return new DeclarativeConnector(
      restJsonTransport(config, deps, expressions),
      config.mapping,
      buildTables(config),
      deps,
      expressions,
      restJsonCatalogue(config, deps, expressions),
      restJsonListing(config, deps, expressions),
      restJsonChangedSince(config, deps, expressions),
    );
  },
  declaresChangedSince: (config) => config.changedSince !== undefined,
};

/** A paged request as rest-json declares it: query parameters, or a body for POST. */
interface PagedRequest {
  method: 'GET' | 'POST';
  path: string;
  query: Record<string, string>;
  body?: string | undefined;
}

/**
 * How rest-json asks for one page of a paged source (catalogue, listing, changed since): each
 * query parameter and the body are JSONata over the position's values (`$page`, `$size`,
 * `$cursor`, and the source's own: `$agency`, `$from`, `$to` or `$since`); absent values are
 * left out of the query.
 */
function pagedFetch(
  request: PagedRequest,
  what: string,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): (position: object, call: CallContext) => Promise<unknown> {
  const compile = (source: string) => expressions.compile(source);
  const query = Object.entries(request.query).map(
    ([name, source]) => [name, compile(source)] as const,
  );
  const body = request.body === undefined ? undefined : compile(request.body);
  return async (position, call) => {
    const params: Record<string, string> = {};
    for (const [name, evaluate] of query) {
      const value = await evaluate({}, { ...position });
      if (value !== undefined && value !== null) params[name] = String(value);
    }
    const response = await deps.http.request<string>({
      method: request.method,
      url: request.path,
      params,
      data:
        request.method === 'POST' && body !== undefined
          ? await body({}, { ...position })
          : undefined,
      signal: call.signal,
      headers: { 'X-Request-Id': call.requestId },
    });
    return errorForStatus(response, what) ?? parseJsonBody(response, what);
  };
}

/** How rest-json asks for a listing page: query parameters or a body built from the position. */
function restJsonListing(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): ListingTransport | undefined {
  const listing = config.listing;
  if (listing === undefined) return undefined;
  const what = `${deps.connectorId} listing`;
  return { settings: listing, fetch: pagedFetch(listing, what, deps, expressions) };
}

/** How rest-json asks for a page of the dossiers changed since an instant. */
function restJsonChangedSince(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): ChangedSinceTransport | undefined {
  const changedSince = config.changedSince;
  if (changedSince === undefined) return undefined;
  const what = `${deps.connectorId} changedSince`;
  return { settings: changedSince, fetch: pagedFetch(changedSince, what, deps, expressions) };
}

/** How rest-json asks for a catalogue page: query parameters or a body built from the position. */
function restJsonCatalogue(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): CatalogueTransport | undefined {
  const catalogue = config.catalogue;
  if (catalogue === undefined) return undefined;
  const what = `${deps.connectorId} catalogue`;
  return { settings: catalogue, fetch: pagedFetch(catalogue, what, deps, expressions) };
}

/** How rest-json asks: JSON requests built by JSONata, records selected by JSONata. */
function restJsonTransport(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): LookupTransport {
  const compile = (source: string) => expressions.compile(source);
  const { bulk, single } = config.lookup;
  const transport: LookupTransport = {};

  if (bulk !== undefined) {
    const body = compile(bulk.body);
    const query = Object.entries(bulk.query).map(
      ([name, source]) => [name, compile(source)] as const,
    );
    const records = compile(bulk.records);
    transport.bulk = {
      maxBatch: bulk.maxBatch,
      fetch: async (codes, call: CallContext) => {
        const what = `${deps.connectorId} bulk lookup`;
        const params: Record<string, string> = {};
        for (const [name, evaluate] of query) params[name] = String(await evaluate({}, { codes }));
        const response = await deps.http.request<string>({
          method: bulk.method,
          url: bulk.path,
          params,
          data: bulk.method === 'POST' ? await body({}, { codes }) : undefined,
          signal: call.signal,
          headers: { 'X-Request-Id': call.requestId },
        });
        const failed = errorForStatus(response, what);
        if (failed !== null) return failed;
        const selected = await records(parseJsonBody(response, what));
        // No list at all (an error-shaped answer such as {"error_code":"-1"}) is not "none found".
        if (selected === undefined || selected === null) {
          return new ConnectorError(
            'UPSTREAM_BAD_RESPONSE',
            `${what}: the answer has no list of records where config.lookup.bulk.records points`,
            {
              httpStatus: response.status,
            },
          );
        }
        return [selected].flat();
      },
    };
  }

  if (single !== undefined) {
    const body = single.body === undefined ? undefined : compile(single.body);
    const record = compile(single.record);
    const notFoundWhen =
      single.notFoundWhen === undefined ? undefined : compile(single.notFoundWhen);
    transport.single = {
      concurrency: config.lookup.concurrency,
      fetch: async (code, call) => {
        const what = `${deps.connectorId} lookup`;
        const response = await deps.http.request<string>({
          method: single.method,
          url: single.path.replace('{code}', encodeURIComponent(code)),
          data: body === undefined ? undefined : await body({}, { code }),
          signal: call.signal,
          headers: { 'X-Request-Id': call.requestId },
        });
        if (single.notFoundStatuses.includes(response.status)) return null;
        const failed = errorForStatus(response, what);
        if (failed !== null) return failed;
        const parsed = parseJsonBody(response, what);
        if (notFoundWhen !== undefined && (await notFoundWhen(parsed)) === true) return null;
        return (await record(parsed)) ?? null;
      },
    };
  }
  return transport;
}
