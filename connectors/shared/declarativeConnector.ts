import jsonata from 'jsonata';
import type { CallContext, Connector, ConnectorDeps, DossierResult } from '../contract';
import { ConnectorError, isConnectorError } from '../ConnectorError';
import type { NationalDossier } from '../model';
import { compileMapping, type CompiledMapping, type DossierMappingSpec } from './dossierMapping';
import { createLimiter } from './http';
import {
  normaliseDossier,
  UnreadableRecordError,
  type NormalisationTables,
} from './normaliseDossier';

/**
 * The engine shared by the declarative kinds (rest-json, national-sync, soap). A kind supplies a
 * transport — how to ask its system for many codes or one, and where the records are in the
 * answer — and the engine does the rest the same way for all: batching, matching records back to
 * codes, refusing mixed or unreadable answers, mapping and normalising.
 */
export interface LookupTransport {
  /** One call for many codes: the records found (any order), or why the call failed. */
  bulk?: {
    maxBatch: number;
    fetch(codes: readonly string[], call: CallContext): Promise<unknown[] | ConnectorError>;
  };
  /** One call per code: the selected record(s), `null` for "no such dossier", or an error. */
  single?: {
    concurrency: number;
    fetch(code: string, call: CallContext): Promise<unknown | null | ConnectorError>;
  };
}

export type Evaluate = (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown>;

/** Compiles a JSONata expression from a registration, bounded in time and depth. */
export function compileExpression(source: string, timeoutMs: number): Evaluate {
  const expression = jsonata(source, { timeout: timeoutMs, stack: 200 });
  return (input, bindings) => expression.evaluate(input, bindings);
}

export class DeclarativeConnector implements Connector {
  readonly capabilities: Connector['capabilities'];
  private readonly mapping: CompiledMapping;
  /** Single lookups in flight for this connector, across all gateway requests. */
  private readonly limit: ReturnType<typeof createLimiter>;

  constructor(
    private readonly transport: LookupTransport,
    mapping: DossierMappingSpec,
    private readonly tables: NormalisationTables,
    private readonly deps: ConnectorDeps,
    mappingTimeoutMs: number,
  ) {
    if (transport.bulk === undefined && transport.single === undefined) {
      throw new TypeError(`${deps.connectorId}: a lookup transport needs bulk, single or both`);
    }
    this.mapping = compileMapping(mapping, { timeoutMs: mappingTimeoutMs, maxDepth: 200 });
    const concurrency = transport.single?.concurrency ?? 1;
    this.limit = createLimiter(concurrency);
    this.capabilities = {
      dossierLookup: { maxBatch: transport.bulk?.maxBatch ?? concurrency * 4 },
    };
  }

  async getDossiers(codes: readonly string[], call: CallContext): Promise<DossierResult[]> {
    const bulk = this.transport.bulk;
    if (bulk !== undefined) {
      const chunks: string[][] = [];
      for (let i = 0; i < codes.length; i += bulk.maxBatch)
        chunks.push(codes.slice(i, i + bulk.maxBatch));
      const answers = await Promise.all(chunks.map((chunk) => this.bulkLookup(chunk, call)));
      return answers.flat();
    }
    return Promise.all(codes.map((code) => this.limit(() => this.singleLookup(code, call))));
  }

  private async singleLookup(code: string, call: CallContext): Promise<DossierResult> {
    const what = `${this.deps.connectorId} lookup`;
    try {
      const selected = await (
        this.transport.single as NonNullable<LookupTransport['single']>
      ).fetch(code, call);
      if (selected === null || selected === undefined) return null;
      if (isConnectorError(selected)) return selected;
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

  private async bulkLookup(codes: readonly string[], call: CallContext): Promise<DossierResult[]> {
    const what = `${this.deps.connectorId} bulk lookup`;
    let records: unknown[] | ConnectorError;
    try {
      records = await (this.transport.bulk as NonNullable<LookupTransport['bulk']>).fetch(
        codes,
        call,
      );
    } catch (error) {
      records = this.asConnectorError(error, what);
    }
    if (isConnectorError(records)) {
      const failed = records;
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
          (isConnectorError(earlier) && !isConnectorError(result.value))
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
    return jsonataFailure(error, what);
  }
}

const JSONATA_LIMITS: Record<string, string> = {
  D1011: 'the mapping recursed too deeply',
  D1012: 'the mapping ran past its time limit (limits.mappingTimeoutMs)',
};

/**
 * A JSONata evaluation error as UPSTREAM_BAD_RESPONSE. JSONata errors are plain objects with a code
 * like "D1012"; their messages can quote values from the record (personal data), so only the code
 * is kept. Anything else is a bug and is thrown on.
 */
export function jsonataFailure(error: unknown, what: string): ConnectorError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z]\d{4}$/.test(code)) {
    return new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: mapping failed (JSONata ${code}: ${JSONATA_LIMITS[code] ?? 'see the JSONata error codes'})`,
    );
  }
  throw error;
}
