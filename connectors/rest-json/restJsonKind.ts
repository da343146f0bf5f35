import jsonata from 'jsonata';
import type { AxiosResponse } from 'axios';
import type {
  CallContext,
  Connector,
  ConnectorDeps,
  ConnectorKind,
  DossierResult,
} from '../contract';
import { ConnectorError, isConnectorError } from '../ConnectorError';
import type { NationalDossier } from '../model';
import { compileMapping, type CompiledMapping } from '../shared/dossierMapping';
import { createLimiter, errorForStatus, parseJsonBody } from '../shared/http';
import {
  normaliseDossier,
  UnreadableRecordError,
  type NormalisationTables,
} from '../shared/normaliseDossier';
import { buildTables } from '../shared/tablesSchema';
import { restJsonConfigSchema, type RestJsonConfig } from './configSchema';

/**
 * `rest-json`: a system answering JSON over HTTP, integrated by a registration file alone —
 * lookup endpoints, JSONata mapping and value tables. See connectors/rest-json/README.md.
 */
export const restJsonKind: ConnectorKind<RestJsonConfig> = {
  kind: 'rest-json',
  configSchema: restJsonConfigSchema,
  create: (config, deps) => new RestJsonConnector(config, deps),
};

type Evaluate = (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown>;

class RestJsonConnector implements Connector {
  readonly capabilities: Connector['capabilities'];
  private readonly mapping: CompiledMapping;
  private readonly tables: NormalisationTables;
  private readonly bulk: BulkCall | undefined;
  private readonly single: SingleCall | undefined;
  /** Single lookups in flight for this connector, across all gateway requests. */
  private readonly limit: ReturnType<typeof createLimiter>;

  constructor(
    config: RestJsonConfig,
    private readonly deps: ConnectorDeps,
  ) {
    const limits = { timeoutMs: config.limits.mappingTimeoutMs, maxDepth: 200 };
    const compile = (source: string): Evaluate => {
      const expression = jsonata(source, { timeout: limits.timeoutMs, stack: limits.maxDepth });
      return (input, bindings) => expression.evaluate(input, bindings);
    };
    this.mapping = compileMapping(config.mapping, limits);
    this.tables = buildTables(config);
    const { bulk, single } = config.lookup;
    this.bulk = bulk && {
      ...bulk,
      body: compile(bulk.body),
      query: Object.entries(bulk.query).map(([name, source]) => [name, compile(source)] as const),
      records: compile(bulk.records),
    };
    this.single = single && {
      ...single,
      body: single.body === undefined ? undefined : compile(single.body),
      record: compile(single.record),
      notFoundWhen: single.notFoundWhen === undefined ? undefined : compile(single.notFoundWhen),
    };
    this.limit = createLimiter(config.lookup.concurrency);
    this.capabilities = {
      dossierLookup: { maxBatch: bulk?.maxBatch ?? config.lookup.concurrency * 4 },
    };
  }

  async getDossiers(codes: readonly string[], call: CallContext): Promise<DossierResult[]> {
    const bulk = this.bulk;
    if (bulk !== undefined) {
      const chunks: string[][] = [];
      for (let i = 0; i < codes.length; i += bulk.maxBatch) {
        chunks.push(codes.slice(i, i + bulk.maxBatch));
      }
      const answers = await Promise.all(chunks.map((chunk) => this.bulkLookup(bulk, chunk, call)));
      return answers.flat();
    }
    const single = this.single as SingleCall;
    return Promise.all(
      codes.map((code) => this.limit(() => this.singleLookup(single, code, call))),
    );
  }

  private async singleLookup(
    single: SingleCall,
    code: string,
    call: CallContext,
  ): Promise<DossierResult> {
    const what = `${this.deps.connectorId} lookup`;
    try {
      const response = await this.deps.http.request<string>({
        method: single.method,
        url: single.path.replace('{code}', encodeURIComponent(code)),
        data: single.body === undefined ? undefined : await single.body({}, { code }),
        signal: call.signal,
        headers: { 'X-Request-Id': call.requestId },
      });
      if (single.notFoundStatuses.includes(response.status)) return null;
      const failed = errorForStatus(response, what);
      if (failed !== null) return failed;
      const body = parseJsonBody(response, what);
      if (single.notFoundWhen !== undefined && (await single.notFoundWhen(body)) === true) {
        return null;
      }
      const selected = await single.record(body);
      if (selected === undefined || selected === null) return null;
      // Several records where one was asked for: mapping them together would mix dossiers.
      if (Array.isArray(selected) && selected.length !== 1) {
        return selected.length === 0
          ? null
          : new ConnectorError(
              'UPSTREAM_BAD_RESPONSE',
              `${what}: upstream answered ${selected.length} records for one code`,
            );
      }
      const dossier = await this.toDossier(Array.isArray(selected) ? selected[0] : selected);
      if (dossier.code !== code) {
        return new ConnectorError(
          'UPSTREAM_BAD_RESPONSE',
          `${what}: upstream answered dossier ${dossier.code} when asked for ${code}`,
        );
      }
      return dossier;
    } catch (error) {
      return this.asConnectorError(error, what);
    }
  }

  private async bulkLookup(
    bulk: BulkCall,
    codes: readonly string[],
    call: CallContext,
  ): Promise<DossierResult[]> {
    const what = `${this.deps.connectorId} bulk lookup`;
    let records: unknown[];
    try {
      const params: Record<string, string> = {};
      for (const [name, evaluate] of bulk.query) {
        params[name] = String(await evaluate({}, { codes }));
      }
      const response: AxiosResponse<string> = await this.deps.http.request<string>({
        method: bulk.method,
        url: bulk.path,
        params,
        data: bulk.method === 'POST' ? await bulk.body({}, { codes }) : undefined,
        signal: call.signal,
        headers: { 'X-Request-Id': call.requestId },
      });
      const failed = errorForStatus(response, what);
      if (failed !== null) return codes.map(() => failed);
      const selected = await bulk.records(parseJsonBody(response, what));
      // No list at all (an error-shaped answer such as {"error_code":"-1"}) is not "none found".
      if (selected === undefined || selected === null) {
        const failed = new ConnectorError(
          'UPSTREAM_BAD_RESPONSE',
          `${what}: the answer has no list of records where config.lookup.bulk.records points`,
          { httpStatus: response.status },
        );
        return codes.map(() => failed);
      }
      records = [selected].flat();
    } catch (error) {
      const failed = this.asConnectorError(error, what);
      return codes.map(() => failed);
    }

    const wanted = new Set(codes);
    const found = new Map<string, NationalDossier | ConnectorError>();
    let unattributed = 0;
    // One record after another: JSONata evaluation is asynchronous but CPU-bound, and interleaving
    // hundreds of evaluations costs three times as much as running them in turn.
    for (const record of records) {
      const result = await this.tryDossier(record, what);
      if (result.code === null) {
        unattributed += 1;
      } else if (wanted.has(result.code)) {
        // The first readable record for a code wins over an unreadable one.
        const earlier = found.get(result.code);
        if (
          earlier === undefined ||
          (earlier instanceof ConnectorError && !(result.value instanceof ConnectorError))
        ) {
          found.set(result.code, result.value);
        }
      }
    }
    if (unattributed > 0) {
      this.deps.logger.warn(
        { connector: this.deps.connectorId, unattributed },
        'bulk answer held records without a readable dossier code',
      );
    }
    // A code missing from an answer that also held unreadable records may be among them: saying
    // "not found" would be a guess, so those codes get an error instead.
    const missing =
      unattributed > 0
        ? new ConnectorError(
            'UPSTREAM_BAD_RESPONSE',
            `${what}: the answer held ${unattributed} record(s) without a readable dossier code`,
          )
        : null;
    return codes.map((code) => found.get(code) ?? missing);
  }

  /** Maps one record, keeping the dossier code when the rest of the record is unreadable. */
  private async tryDossier(
    record: unknown,
    what: string,
  ): Promise<{ code: string | null; value: NationalDossier | ConnectorError }> {
    try {
      const dossier = await this.toDossier(record);
      return { code: dossier.code, value: dossier };
    } catch (error) {
      const code = await this.mapping
        .evaluate(record)
        .then((mapped) => (mapped as { code?: unknown } | undefined)?.code)
        .catch(() => undefined);
      return {
        code: typeof code === 'string' && code.trim() !== '' ? code.trim() : null,
        value: this.asConnectorError(error, what),
      };
    }
  }

  private async toDossier(record: unknown): Promise<NationalDossier> {
    return normaliseDossier(await this.mapping.evaluate(record), this.tables);
  }

  private asConnectorError(error: unknown, what: string): ConnectorError {
    if (isConnectorError(error)) return error;
    if (error instanceof UnreadableRecordError) {
      return new ConnectorError('UPSTREAM_BAD_RESPONSE', `${what}: ${error.message}`);
    }
    // JSONata errors are plain objects with a code like "D1012"; their messages can quote values
    // from the record (personal data), so only the code is kept.
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^[A-Z]\d{4}$/.test(code)) {
      const reason = JSONATA_LIMITS[code] ?? 'see the JSONata error codes';
      return new ConnectorError(
        'UPSTREAM_BAD_RESPONSE',
        `${what}: mapping failed (JSONata ${code}: ${reason})`,
      );
    }
    throw error;
  }
}

const JSONATA_LIMITS: Record<string, string> = {
  D1011: 'the mapping recursed too deeply',
  D1012: 'the mapping ran past its time limit (limits.mappingTimeoutMs)',
};

interface BulkCall {
  method: 'GET' | 'POST';
  path: string;
  maxBatch: number;
  body: Evaluate;
  query: ReadonlyArray<readonly [string, Evaluate]>;
  records: Evaluate;
}

interface SingleCall {
  method: 'GET' | 'POST';
  path: string;
  notFoundStatuses: number[];
  body: Evaluate | undefined;
  record: Evaluate;
  notFoundWhen: Evaluate | undefined;
}
