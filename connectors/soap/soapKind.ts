import type { CallContext, ConnectorDeps, ConnectorKind } from '../contract';
import { ConnectorError } from '../ConnectorError';
import {
  DeclarativeConnector,
  type CatalogueTransport,
  type ChangedSinceTransport,
  type ListingTransport,
  type LookupTransport,
} from '../shared/declarativeConnector';
import { ExpressionCompiler, type Evaluate } from '../shared/expression/ExpressionCompiler';
import { errorForStatus } from '../shared/http';
import { buildTables } from '../shared/tablesSchema';
import { soapConfigSchema, type SoapConfig } from './configSchema';
import { soapParseThread } from './parseOffThread';
import type { SoapFault } from './parseSoapResponse';
import { buildEnvelope, renderBody, soapHeaders } from './soapEnvelope';

/**
 * `soap`: a system behind SOAP 1.1 or 1.2 (often a provincial integration platform). Requests are
 * Body templates; answers are parsed to JSON (values kept as strings) and mapped with the same
 * JSONata mapping and tables as rest-json. See connectors/soap/README.md.
 */
export const soapKind: ConnectorKind<SoapConfig> = {
  kind: 'soap',
  configSchema: soapConfigSchema,
  create: (config, deps) => {
    const expressions = new ExpressionCompiler(config.limits.mappingTimeoutMs, deps.onExpression);
    const { lookup, catalogue, listing, changedSince } = soapTransport(config, deps, expressions);
    return new DeclarativeConnector(
      lookup,
      config.mapping,
      buildTables(config),
      deps,
      expressions,
      catalogue,
      listing,
      changedSince,
    );
  },
  declaresChangedSince: (config) => config.changedSince !== undefined,
};

type Operation = { path: string; action: string; body: string };

function soapTransport(
  config: SoapConfig,
  deps: ConnectorDeps,
  expressions: ExpressionCompiler,
): {
  lookup: LookupTransport;
  catalogue: CatalogueTransport | undefined;
  listing: ListingTransport | undefined;
  changedSince: ChangedSinceTransport | undefined;
} {
  const compile = (source: string) => expressions.compile(source);
  const notFoundWhen =
    config.faults.notFoundWhen === undefined ? undefined : compile(config.faults.notFoundWhen);
  const notFoundCodes = new Set(config.faults.notFoundCodes);

  /** Calls one operation: the parsed Body, `null` for a not-found fault, or an error. */
  const invoke = async (
    operation: Operation,
    view: Record<string, unknown>,
    call: CallContext,
    what: string,
  ) => {
    const envelope = buildEnvelope(
      config.soapVersion,
      renderBody(operation.body, view),
      config.wsSecurity,
      deps.clock.now(),
    );
    const response = await deps.http.request<string>({
      method: 'POST',
      url: operation.path, // '' is the base URL itself (an .asmx endpoint)
      data: envelope,
      headers: {
        ...soapHeaders(config.soapVersion, operation.action),
        'X-Request-Id': call.requestId,
      },
      signal: call.signal,
    });
    // Faults arrive with HTTP 500 (SOAP 1.1) or 4xx/5xx (1.2): read the body before the status.
    // A large answer is read in the worker thread (parseOffThread.ts), a small one here.
    const read = soapParseThread.parse(String(response.data ?? ''));
    const answer = read instanceof Promise ? await read : read;
    if (answer.ok) {
      return errorForStatus(response, what) ?? answer.body;
    }
    if ('fault' in answer) {
      return (await isNotFound(answer.fault, notFoundCodes, notFoundWhen))
        ? null
        : faultError(answer.fault, what, response.status);
    }
    return (
      errorForStatus(response, what) ??
      new ConnectorError('UPSTREAM_BAD_RESPONSE', `${what}: ${answer.unreadable}`, {
        httpStatus: response.status,
      })
    );
  };

  const transport: LookupTransport = {};
  const { bulk, single } = config.lookup;
  const singleRecord = single === undefined ? undefined : compile(single.record);
  /** One code through the single operation: its record, null, or an error. */
  const askOne =
    single === undefined || singleRecord === undefined
      ? undefined
      : async (code: string, call: CallContext): Promise<unknown> => {
          const body = await invoke(single, { code }, call, `${deps.connectorId} lookup`);
          if (body === null || body instanceof ConnectorError) return body;
          return (await singleRecord(body)) ?? null;
        };
  if (bulk !== undefined) {
    const records = compile(bulk.records);
    transport.bulk = {
      maxBatch: bulk.maxBatch,
      fetch: async (codes, call) => {
        const what = `${deps.connectorId} bulk lookup`;
        const body = await invoke(bulk, { codes }, call, what);
        if (body === null) {
          // Some services fault "not found" for the whole call when one code is unknown: that says
          // nothing of the others, so they are asked one by one, or the call is unreadable.
          if (askOne === undefined) {
            return new ConnectorError(
              'UPSTREAM_BAD_RESPONSE',
              `${what}: the bulk operation answered a not-found fault for the whole call; declare lookup.single so codes can be asked one by one`,
            );
          }
          const answers = await Promise.all(codes.map((code) => askOne(code, call)));
          const failed = answers.find(
            (answer): answer is ConnectorError => answer instanceof ConnectorError,
          );
          return (
            failed ??
            answers.flatMap((answer) =>
              answer === null || answer === undefined ? [] : [answer].flat(),
            )
          );
        }
        if (body instanceof ConnectorError) return body;
        const selected = await records(body);
        // An operation that answers "none of these" returns an empty result element, which the
        // parser reads as null: that is an empty list, not a missing one.
        return selected === undefined || selected === null ? [] : [selected].flat();
      },
    };
  }
  if (askOne !== undefined) {
    transport.single = { concurrency: config.lookup.concurrency, fetch: askOne };
  }
  /** One page of a paged operation (catalogue, listing, changed since); a not-found fault is an error. */
  const paged =
    (operation: Operation, name: string) =>
    async (position: object, call: CallContext): Promise<unknown> => {
      const what = `${deps.connectorId} ${name}`;
      const body = await invoke(operation, { ...position }, call, what);
      return body === null
        ? new ConnectorError(
            'UPSTREAM_BAD_RESPONSE',
            `${what}: the ${name} operation answered a not-found fault`,
          )
        : body;
    };
  const { catalogue, listing, changedSince } = config;
  return {
    lookup: transport,
    listing:
      listing === undefined ? undefined : { settings: listing, fetch: paged(listing, 'listing') },
    changedSince:
      changedSince === undefined
        ? undefined
        : { settings: changedSince, fetch: paged(changedSince, 'changedSince') },
    catalogue:
      catalogue === undefined
        ? undefined
        : { settings: catalogue, fetch: paged(catalogue, 'catalogue') },
  };
}

async function isNotFound(
  fault: SoapFault,
  codes: ReadonlySet<string>,
  when: Evaluate | undefined,
): Promise<boolean> {
  if (codes.has(fault.code) || (fault.subcode !== null && codes.has(fault.subcode))) return true;
  return when !== undefined && (await when(fault)) === true;
}

/**
 * A fault that is not "not found": the receiver's fault may pass (retryable), the sender's means
 * the registration asks something the system cannot answer. The fault's reason text is not
 * copied: systems put applicant names in it.
 */
function faultError(fault: SoapFault, what: string, httpStatus: number): ConnectorError {
  // SOAP 1.1 codes may be dotted (`Server.Busy`): the first part is the class.
  const kind = fault.code.split('.')[0];
  const retryable = kind === 'Server' || kind === 'Receiver';
  return new ConnectorError(
    retryable ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE',
    `${what}: SOAP fault ${fault.code}${fault.subcode === null ? '' : `/${fault.subcode}`}`,
    { httpStatus, retryable },
  );
}
