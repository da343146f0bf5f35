import type { CallContext, ConnectorDeps, ConnectorKind } from '../contract';
import { ConnectorError } from '../ConnectorError';
import {
  compileExpression,
  DeclarativeConnector,
  type CatalogueTransport,
  type Evaluate,
  type LookupTransport,
} from '../shared/declarativeConnector';
import { errorForStatus } from '../shared/http';
import { buildTables } from '../shared/tablesSchema';
import { soapConfigSchema, type SoapConfig } from './configSchema';
import { parseSoapResponse, type SoapFault } from './parseSoapResponse';
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
    const { lookup, catalogue } = soapTransport(config, deps);
    return new DeclarativeConnector(
      lookup,
      config.mapping,
      buildTables(config),
      deps,
      config.limits.mappingTimeoutMs,
      catalogue,
    );
  },
};

type Operation = { path: string; action: string; body: string };

function soapTransport(
  config: SoapConfig,
  deps: ConnectorDeps,
): { lookup: LookupTransport; catalogue: CatalogueTransport | undefined } {
  const compile = (source: string) => compileExpression(source, config.limits.mappingTimeoutMs);
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
    const answer = parseSoapResponse(String(response.data ?? ''));
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
  if (bulk !== undefined) {
    const records = compile(bulk.records);
    transport.bulk = {
      maxBatch: bulk.maxBatch,
      fetch: async (codes, call) => {
        const what = `${deps.connectorId} bulk lookup`;
        const body = await invoke(bulk, { codes }, call, what);
        if (body === null) return [];
        if (body instanceof ConnectorError) return body;
        const selected = await records(body);
        // An operation that answers "none of these" returns an empty result element, which the
        // parser reads as null: that is an empty list, not a missing one.
        return selected === undefined || selected === null ? [] : [selected].flat();
      },
    };
  }
  if (single !== undefined) {
    const record = compile(single.record);
    transport.single = {
      concurrency: config.lookup.concurrency,
      fetch: async (code, call) => {
        const body = await invoke(single, { code }, call, `${deps.connectorId} lookup`);
        if (body === null || body instanceof ConnectorError) return body;
        return (await record(body)) ?? null;
      },
    };
  }
  const catalogue = config.catalogue;
  return {
    lookup: transport,
    catalogue:
      catalogue === undefined
        ? undefined
        : {
            settings: catalogue,
            fetch: async (position, call) => {
              const what = `${deps.connectorId} catalogue`;
              const body = await invoke(catalogue, { ...position }, call, what);
              return body === null
                ? new ConnectorError(
                    'UPSTREAM_BAD_RESPONSE',
                    `${what}: the catalogue operation answered a not-found fault`,
                  )
                : body;
            },
          },
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
  const retryable = fault.code === 'Server' || fault.code === 'Receiver';
  return new ConnectorError(
    retryable ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE',
    `${what}: SOAP fault ${fault.code}${fault.subcode === null ? '' : `/${fault.subcode}`}`,
    { httpStatus, retryable },
  );
}
