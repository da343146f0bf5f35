import type { AxiosResponse } from 'axios';
import type { CallContext, ConnectorDeps, ConnectorKind } from '../contract';
import { ConnectorError } from '../ConnectorError';
import {
  BatchTooLarge,
  bodyErrorAsConnectorError,
  compileBodyErrors,
  type BodyError,
  type CheckBody,
} from '../shared/bodyErrors';
import {
  DeclarativeConnector,
  NO_RECORDS,
  type CatalogueTransport,
  type ChangedSinceTransport,
  type ListingTransport,
  type LookupTransport,
} from '../shared/declarativeConnector';
import { ExpressionCompiler } from '../shared/expression/ExpressionCompiler';
import { errorForStatus, parseJsonBody } from '../shared/http';
import { decodeJsonText } from '../shared/jsonText';
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
    const read = answerReader(config, deps, expressions);
    return new DeclarativeConnector(
      restJsonTransport(config, deps, expressions, read),
      config.mapping,
      buildTables(config),
      deps,
      expressions,
      restJsonCatalogue(config, deps, expressions, read),
      restJsonListing(config, deps, expressions, read),
      restJsonChangedSince(config, deps, expressions, read),
    );
  },
  declaresChangedSince: (config) => config.changedSince !== undefined,
};

/**
 * A 2xx answer read as every rest-json call reads it: parsed as JSON, checked against
 * `config.errors` (first match wins), then its `jsonText` paths parsed — the error check first, as
 * an error answer's data is often empty or not JSON. Either the body, ready for `records`, or the
 * declared error that matched.
 */
type ReadAnswer = (
  response: AxiosResponse<string>,
  jsonText: readonly string[],
  what: string,
) => Promise<{ body: unknown } | { refused: BodyError } | { failed: ConnectorError }>;

function answerReader(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): ReadAnswer {
  const check: CheckBody = compileBodyErrors(
    config.errors,
    (source) => expressions.compile(source),
    deps.redact,
  );
  const read: ReadAnswer = async (response, jsonText, what) => {
    const parsed = parseJsonBody(response, what);
    const refused = await check(parsed);
    if (refused === null)
      return { body: decodeJsonText(parsed, jsonText, what, deps.maxResponseBytes) };
    // Credentials refused inside HTTP 200: an OAuth 2.0 token is renewed and the request sent
    // once more, as for a 401 (the HTTP client refuses a second renewal for the same request).
    if (refused.means === 'authFailed' && deps.credentialsRefused?.(response) === true) {
      const again = await deps.http.request<string>(response.config);
      const failed = errorForStatus(again, what);
      return failed === null ? read(again, jsonText, what) : { failed };
    }
    return { refused };
  };
  return read;
}

/** A declared error that is not "not found", typed (tooManyCodes where no batch can be split). */
function refusal(refused: BodyError, what: string, response: AxiosResponse): ConnectorError {
  return bodyErrorAsConnectorError(
    refused as BodyError & { means: Exclude<BodyError['means'], 'notFound'> },
    what,
    response.status,
  );
}

/** A paged request as rest-json declares it: query parameters, or a body for POST. */
interface PagedRequest {
  method: 'GET' | 'POST';
  path: string;
  query: Record<string, string>;
  body?: string | undefined;
  jsonText: string[];
}

/**
 * How rest-json asks for one page of a paged source (catalogue, listing, changed since): each
 * query parameter and the body are JSONata over the position's values (`$page`, `$size`,
 * `$cursor`, and the source's own: `$agency`, `$from`, `$to` or `$since`); absent values are
 * left out of the query. A declared "not found" is NO_RECORDS (an empty first page of a listing
 * or changedSince, a failure elsewhere: declarativeConnector.ts).
 */
function pagedFetch(
  request: PagedRequest,
  what: string,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
  read: ReadAnswer,
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
    const failed = errorForStatus(response, what);
    if (failed !== null) return failed;
    const answer = await read(response, request.jsonText, what);
    if ('failed' in answer) return answer.failed;
    if ('body' in answer) return answer.body;
    return answer.refused.means === 'notFound'
      ? NO_RECORDS
      : refusal(answer.refused, what, response);
  };
}

/** How rest-json asks for a listing page: query parameters or a body built from the position. */
function restJsonListing(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
  read: ReadAnswer,
): ListingTransport | undefined {
  const listing = config.listing;
  if (listing === undefined) return undefined;
  const what = `${deps.connectorId} listing`;
  return { settings: listing, fetch: pagedFetch(listing, what, deps, expressions, read) };
}

/** How rest-json asks for a page of the dossiers changed since an instant. */
function restJsonChangedSince(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
  read: ReadAnswer,
): ChangedSinceTransport | undefined {
  const changedSince = config.changedSince;
  if (changedSince === undefined) return undefined;
  const what = `${deps.connectorId} changedSince`;
  return { settings: changedSince, fetch: pagedFetch(changedSince, what, deps, expressions, read) };
}

/** How rest-json asks for a catalogue page: query parameters or a body built from the position. */
function restJsonCatalogue(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
  read: ReadAnswer,
): CatalogueTransport | undefined {
  const catalogue = config.catalogue;
  if (catalogue === undefined) return undefined;
  const what = `${deps.connectorId} catalogue`;
  return { settings: catalogue, fetch: pagedFetch(catalogue, what, deps, expressions, read) };
}

/** How rest-json asks: JSON requests built by JSONata, records selected by JSONata. */
function restJsonTransport(
  config: RestJsonConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
  read: ReadAnswer,
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
        const answer = await read(response, bulk.jsonText, what);
        if ('failed' in answer) return answer.failed;
        if ('refused' in answer) {
          const { refused } = answer;
          // "Not found" for the call: none of its codes is there.
          if (refused.means === 'notFound') return [];
          const error = refusal(refused, what, response);
          return refused.means === 'tooManyCodes' ? new BatchTooLarge(error) : error;
        }
        const selected = await records(answer.body);
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
        const answer = await read(response, single.jsonText, what);
        if ('failed' in answer) return answer.failed;
        if ('refused' in answer) {
          if (answer.refused.means === 'notFound') return null;
          return refusal(answer.refused, what, response);
        }
        const parsed = answer.body;
        if (notFoundWhen !== undefined && (await notFoundWhen(parsed)) === true) return null;
        return (await record(parsed)) ?? null;
      },
    };
  }
  return transport;
}
