import type {
  CallContext,
  Connector,
  ConnectorDeps,
  DossierListQuery,
  DossierPage,
  DossierResult,
  ProcedurePage,
} from '../contract';
import { ConnectorError, isConnectorError } from '../ConnectorError';
import type { NationalDossier } from '../model';
import {
  compileMapping,
  listingMappingSpec,
  type CompiledMapping,
  type DossierMappingSpec,
} from './dossierMapping';
import { BatchTooLarge } from './bodyErrors';
import type { CatalogueCommon } from './catalogueSchema';
import type { ExpressionCompiler } from './expression/ExpressionCompiler';
import { createLimiter } from './http';
import { renderListingDates, renderSince } from './listingDates';
import type { ChangedSinceCommon, ListingCommon } from './listingSchema';
import { asConnectorError } from './mappingFailure';
import { compilePaged, readPage, type PagePosition, type Paged } from './pagedAnswer';
import { normaliseProcedure, procedureTables, type ProcedureTables } from './procedureMapping';
import { normaliseDossier, recordExpressions, type NormalisationTables } from './normaliseDossier';

/**
 * The engine shared by the declarative kinds (rest-json, national-sync, soap). A kind supplies a
 * transport — how to ask its system for many codes or one, and where the records are in the
 * answer — and the engine does the rest the same way for all: matching records back to codes,
 * refusing mixed or unreadable answers, mapping and normalising. It does not batch: the gateway
 * hands it lists already cut to its `maxBatch` (connectors/contract.ts).
 */
export interface LookupTransport {
  /**
   * One call for many codes: the records found (any order), or why the call failed; BatchTooLarge
   * when the system refused that many codes at once (the engine then asks for halves).
   */
  bulk?: {
    /** Most codes per call, declared as `capabilities.dossierLookup.maxBatch`. */
    maxBatch: number;
    fetch(
      codes: readonly string[],
      call: CallContext,
    ): Promise<unknown[] | ConnectorError | BatchTooLarge>;
  };
  /** One call per code: the selected record(s), `null` for "no such dossier", or an error. */
  single?: {
    concurrency: number;
    fetch(code: string, call: CallContext): Promise<unknown | null | ConnectorError>;
  };
}

/** Where one catalogue page is asked from: page number or cursor, and the page size. */
export type CataloguePosition = PagePosition;

export { NO_RECORDS } from './pagedAnswer';

/** How a kind asks for one catalogue page: the parsed answer (or NO_RECORDS), or why it failed. */
export interface CatalogueTransport {
  settings: CatalogueCommon;
  fetch(position: CataloguePosition, call: CallContext): Promise<unknown>;
}

/** Where one listing page is asked from: the position and what is listed. */
export interface ListingPosition extends CataloguePosition {
  /** The agency code. */
  agency: string;
  /**
   * The first day received and the end of the range, written as the registration's
   * `listing.dateFormat` says (default yyyy-MM-dd) and `to` as its `toDate` says (listingDates.ts).
   */
  from: string;
  to: string;
}

/**
 * How a kind asks for one page of an agency's dossiers by date received. The records are in the
 * lookup's format and mapped by the registration's mapping.
 */
export interface ListingTransport {
  settings: ListingCommon;
  fetch(position: ListingPosition, call: CallContext): Promise<unknown>;
}

/** Where one changed-since page is asked from: the position and the instant. */
export interface ChangedSincePosition extends CataloguePosition {
  /** The instant, written as the registration's `changedSince.sinceFormat` says (listingDates.ts). */
  since: string;
}

/**
 * How a kind asks for one page of the dossiers changed since an instant. The records are in the
 * lookup's format and mapped as listings are.
 */
export interface ChangedSinceTransport {
  settings: ChangedSinceCommon;
  fetch(position: ChangedSincePosition, call: CallContext): Promise<unknown>;
}

/** A paged source, compiled: records, total and next cursor read from an answer. */
export class DeclarativeConnector implements Connector {
  readonly capabilities: Connector['capabilities'];
  private readonly mapping: CompiledMapping;
  /** The mapping's fields that indicators use, for listings (no personal data). */
  private readonly listingMapping: CompiledMapping;
  /** Single lookups in flight for this connector, across all gateway requests. */
  private readonly limit: ReturnType<typeof createLimiter>;
  private readonly catalogue:
    | (Paged & {
        transport: CatalogueTransport;
        mapping: CompiledMapping;
        tables: ProcedureTables;
      })
    | undefined;
  private readonly listing: (Paged & { transport: ListingTransport }) | undefined;
  private readonly changedSince: (Paged & { transport: ChangedSinceTransport }) | undefined;

  constructor(
    private readonly transport: LookupTransport,
    mapping: DossierMappingSpec,
    private readonly tables: NormalisationTables,
    private readonly deps: ConnectorDeps,
    expressions: ExpressionCompiler,
    catalogue?: CatalogueTransport,
    listing?: ListingTransport,
    changedSince?: ChangedSinceTransport,
  ) {
    if (transport.bulk === undefined && transport.single === undefined) {
      throw new TypeError(`${deps.connectorId}: a lookup transport needs bulk, single or both`);
    }
    // The tables' own expressions over the record (a status table's select, legacy rules' `when`)
    // are evaluated with the mapping, once per record.
    const overRecord = recordExpressions(tables);
    this.mapping = compileMapping({ ...mapping, ...overRecord }, expressions);
    this.listingMapping = compileMapping(
      { ...listingMappingSpec(mapping), ...overRecord },
      expressions,
    );
    const concurrency = transport.single?.concurrency ?? 1;
    this.limit = createLimiter(concurrency);
    if (catalogue !== undefined) {
      const { settings } = catalogue;
      this.catalogue = {
        ...compilePaged(settings, expressions),
        transport: catalogue,
        mapping: compileMapping(settings.mapping, expressions),
        tables: procedureTables(
          settings.onlineLevels,
          settings.states,
          tables.channels,
          settings.mapping.channels !== undefined &&
            settings.mapping.channels.fields.channel === undefined,
        ),
      };
    }
    const paged = <T extends ListingTransport | ChangedSinceTransport>(
      source: T,
    ): Paged & { transport: T } => ({
      ...compilePaged(source.settings, expressions),
      transport: source,
    });
    if (listing !== undefined) this.listing = paged(listing);
    if (changedSince !== undefined) this.changedSince = paged(changedSince);
    this.capabilities = {
      dossierLookup: { maxBatch: transport.bulk?.maxBatch ?? concurrency * 4 },
      procedures: catalogue !== undefined,
      listing: listing !== undefined,
      ...(listing === undefined
        ? {}
        : {
            listingFiltersByAgency: listing.settings.filtersByAgency,
            ...(listing.settings.maxDays === undefined
              ? {}
              : { listingMaxDays: listing.settings.maxDays }),
          }),
      changedSince: changedSince !== undefined,
    };
  }

  /**
   * One page of the dossiers an agency received in a date range, mapped with the lookup mapping's
   * fields that indicators use (`listingMappingSpec`: no applicant, files, fees or free text). The
   * cursor is `p:<page>:<seen>` or `c:<upstream cursor>`, opaque to the gateway.
   */
  async listDossiers(
    query: DossierListQuery,
    cursor: string | null,
    call: CallContext,
  ): Promise<DossierPage> {
    const listing = this.listing;
    if (listing === undefined) throw new TypeError(`${this.deps.connectorId} declares no listing`);
    const what = `${this.deps.connectorId} listing`;
    const { dateFormat, toDate } = listing.transport.settings;
    const dates = renderListingDates(query, dateFormat, toDate);
    const { records, next } = await readPage(
      listing,
      cursor,
      (position) =>
        listing.transport.fetch({ ...position, agency: query.agencyCode, ...dates }, call),
      what,
      'dossiers',
      true,
    );
    return this.listedPage(records, next);
  }

  /**
   * One page of the dossiers that changed since an instant (ISO 8601 with its offset), every
   * unit's, mapped as listings are. Paged like the listing: the cursor is `p:<page>:<seen>` or
   * `c:<upstream cursor>`, opaque to the gateway.
   */
  async listChangedSince(
    since: string,
    cursor: string | null,
    call: CallContext,
  ): Promise<DossierPage> {
    const changedSince = this.changedSince;
    if (changedSince === undefined)
      throw new TypeError(`${this.deps.connectorId} declares no changedSince request`);
    const written = renderSince(since, changedSince.transport.settings.sinceFormat);
    const { records, next } = await readPage(
      changedSince,
      cursor,
      (position) => changedSince.transport.fetch({ ...position, since: written }, call),
      `${this.deps.connectorId} changedSince`,
      'dossiers',
      true,
    );
    return this.listedPage(records, next);
  }

  /** Listed records mapped with the listing mapping; those that cannot be read are counted. */
  private async listedPage(records: unknown[], next: string | null): Promise<DossierPage> {
    const dossiers: DossierPage['dossiers'] = [];
    let unreadable = 0;
    for (const record of records) {
      try {
        dossiers.push(normaliseDossier(await this.listingMapping.evaluate(record), this.tables));
      } catch {
        unreadable += 1;
      }
    }
    return { dossiers, next, unreadable };
  }

  /** One catalogue page. The cursor is `p:<page>:<seen>` or `c:<upstream cursor>`, opaque to the gateway. */
  async listProcedures(cursor: string | null, call: CallContext): Promise<ProcedurePage> {
    const catalogue = this.catalogue;
    if (catalogue === undefined)
      throw new TypeError(`${this.deps.connectorId} declares no catalogue`);
    const { records, next } = await readPage(
      catalogue,
      cursor,
      (position) => catalogue.transport.fetch(position, call),
      `${this.deps.connectorId} catalogue`,
      'procedures',
      false,
    );
    const procedures: ProcedurePage['procedures'] = [];
    let unreadable = 0;
    for (const record of records) {
      const procedure = await catalogue.mapping
        .evaluate(record)
        .then((mapped) => normaliseProcedure(mapped, catalogue.tables))
        .catch(() => null);
      if (procedure === null) unreadable += 1;
      else procedures.push(procedure);
    }
    return { procedures, next, unreadable };
  }

  /**
   * With a bulk transport, the codes go up in one call: the gateway has already cut its lists to
   * `capabilities.dossierLookup.maxBatch` (the contract), so more is a bug on the caller's side,
   * refused rather than split again. Without one, each code is its own request, at most
   * `concurrency` in flight across every call of this connector.
   */
  async getDossiers(codes: readonly string[], call: CallContext): Promise<DossierResult[]> {
    const bulk = this.transport.bulk;
    if (bulk === undefined)
      return Promise.all(codes.map((code) => this.limit(() => this.singleLookup(code, call))));
    if (codes.length === 0) return [];
    if (codes.length > bulk.maxBatch) {
      throw new TypeError(
        `${this.deps.connectorId}: ${codes.length} codes for one bulk lookup, more than its maxBatch ${bulk.maxBatch}`,
      );
    }
    return this.bulkLookup(codes, call);
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
      if (this.codeKey(dossier.code) !== this.codeKey(code)) {
        return new ConnectorError(
          'UPSTREAM_BAD_RESPONSE',
          `${what}: upstream answered dossier ${dossier.code} when asked for ${code}`,
        );
      }
      return dossier;
    } catch (error) {
      return asConnectorError(error, what);
    }
  }

  private async bulkLookup(codes: readonly string[], call: CallContext): Promise<DossierResult[]> {
    const what = `${this.deps.connectorId} bulk lookup`;
    let records: unknown[] | ConnectorError | BatchTooLarge;
    try {
      records = await (this.transport.bulk as NonNullable<LookupTransport['bulk']>).fetch(
        codes,
        call,
      );
    } catch (error) {
      records = asConnectorError(error, what);
    }
    if (records instanceof BatchTooLarge) {
      // Too many codes for the system at once (fewer than its declared maxBatch): halves, one
      // after the other, down to a single code, which then fails with the typed error.
      if (codes.length === 1) return [records.error];
      this.deps.logger.warn(
        { connector: this.deps.connectorId, codes: codes.length },
        'upstream refused a bulk lookup as too many codes; asking for halves',
      );
      const half = Math.ceil(codes.length / 2);
      const first = await this.bulkLookup(codes.slice(0, half), call);
      return [...first, ...(await this.bulkLookup(codes.slice(half), call))];
    }
    if (isConnectorError(records)) {
      const failed = records;
      return codes.map(() => failed);
    }

    // Records are matched to the codes asked by their key: the code itself, or upper-cased for a
    // registration whose codes are case-insensitive (the dossier keeps the system's own code).
    const key = (code: string) => this.codeKey(code);
    const wanted = new Set(codes.map(key));
    const found = new Map<string, NationalDossier | ConnectorError>();
    let unattributed = 0;
    // One record after another: JSONata evaluation is asynchronous but CPU-bound, and interleaving
    // hundreds of evaluations costs three times as much as running them in turn.
    for (const record of records) {
      const result = await this.tryDossier(record, what);
      if (result.code === null) {
        unattributed += 1;
      } else if (wanted.has(key(result.code))) {
        // The first readable record for a code wins over an unreadable one.
        const earlier = found.get(key(result.code));
        if (
          earlier === undefined ||
          (isConnectorError(earlier) && !isConnectorError(result.value))
        ) {
          found.set(key(result.code), result.value);
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
    return codes.map((code) => found.get(key(code)) ?? missing);
  }

  /** The form two codes of one dossier share (ConnectorDeps.codeKey); the code itself by default. */
  private codeKey(code: string): string {
    return this.deps.codeKey === undefined ? code : this.deps.codeKey(code);
  }

  /** Pushed records, mapped like lookup answers. */
  async mapRecords(records: readonly unknown[]): Promise<Array<NationalDossier | ConnectorError>> {
    const mapped: Array<NationalDossier | ConnectorError> = [];
    for (const record of records)
      mapped.push((await this.tryDossier(record, `${this.deps.connectorId} push`)).value);
    return mapped;
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
        value: asConnectorError(error, what),
      };
    }
  }

  private async toDossier(record: unknown): Promise<NationalDossier> {
    return normaliseDossier(await this.mapping.evaluate(record), this.tables);
  }
}
