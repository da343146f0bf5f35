/**
 * The connector contract: every connector kind, built in or plugged in, implements these types,
 * and the gateway depends on nothing else of a connector. Change with intention.
 *
 * A kind is a named factory with a config schema; a connector is what the factory returns for one
 * registration. Methods are batch-shaped like a DataLoader batch function: results come back in
 * the order and length of the keys, and a per-key failure is a value, never a thrown batch.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import type { z } from 'zod';
import type { ConnectorError } from './ConnectorError';
import type { ExpressionLimitError } from './shared/expression/ExpressionLimitError';
import type { NationalDossier, Procedure } from './model';

/** One dossier lookup result: the dossier, `null` when the upstream does not know the code, or an error. */
export type DossierResult = NationalDossier | null | ConnectorError;

export interface ConnectorCapabilities {
  dossierLookup: {
    /**
     * Most codes the connector sends upstream in one call. The gateway never passes more to one
     * `getDossiers`: it cuts larger lists itself, so the connector need not split them again.
     */
    maxBatch: number;
  };
  /** Whether `listProcedures` serves the system's procedure catalogue. */
  procedures: boolean;
  /** Whether `listDossiers` lists an agency's dossiers by date received (for indicators). */
  listing: boolean;
  /**
   * Whether a listing holds only the agency asked (true, and when absent) or every unit's dossiers
   * (false: a system whose listing takes no agency). For false, the gateway keeps each agency's
   * dossiers by the dossier's own agency (`agencyCode`, else the agency its code names), and
   * refuses a report whose listed dossiers' agency it cannot tell.
   */
  listingFiltersByAgency?: boolean;
  /**
   * The most days (both ends included) the listing answers per call; absent: any range. The
   * gateway reads a longer range as consecutive windows of at most this many days, so
   * `listDossiers` is never asked for more.
   */
  listingMaxDays?: number;
  /**
   * Whether `listChangedSince` lists the dossiers that changed since an instant (the change
   * feed's `changes.modified`, docs/changes.md). Absent: false.
   */
  changedSince?: boolean;
}

/** Dossiers an agency received from `from` to `to` (Vietnam dates, yyyy-MM-dd, both included). */
export interface DossierListQuery {
  agencyCode: string;
  from: string;
  to: string;
}

/** One page of a listing. Records that could not be read are counted, not returned. */
export interface DossierPage {
  dossiers: NationalDossier[];
  /** Pass to the next call; null on the last page. Opaque to the gateway. */
  next: string | null;
  unreadable: number;
}

/** One page of a catalogue. Records that could not be read are counted, not returned. */
export interface ProcedurePage {
  procedures: Procedure[];
  /** Pass to the next call; null on the last page. Opaque to the gateway. */
  next: string | null;
  /** Records on this page that could not be read as procedures. */
  unreadable: number;
}

/** Per-call context from the gateway. */
export interface CallContext {
  /** Aborted when the caller's deadline passes; pass it to every upstream request. */
  signal: AbortSignal;
  /** The gateway's request id, for correlation in upstream logs. */
  requestId: string;
  /** When the caller's time budget ends (ms since the epoch), if it has one. */
  deadline?: number;
}

export interface Connector {
  readonly capabilities: ConnectorCapabilities;
  /**
   * Looks up dossiers by code. Must return exactly one result per code, in order. Throwing is
   * allowed only when the whole call failed (a `ConnectorError`); the gateway then answers that
   * error for every code of the call.
   */
  getDossiers(codes: readonly string[], call: CallContext): Promise<DossierResult[]>;
  /**
   * Reads one page of the procedure catalogue, from the start when `cursor` is null. Throws a
   * `ConnectorError` when the page cannot be read. Present when `capabilities.procedures`.
   */
  listProcedures?(cursor: string | null, call: CallContext): Promise<ProcedurePage>;
  /**
   * Reads one page of the dossiers an agency received in a date range, from the start when
   * `cursor` is null. Throws a `ConnectorError` when the page cannot be read. Present when
   * `capabilities.listing`. Listed dossiers feed indicators only: code, status, agency, procedure,
   * channel, dates, supplement rounds, steps' times and statuses, inter-agency links; leave the
   * applicant, files, fees and free text out (the built-in engines do).
   */
  listDossiers?(
    query: DossierListQuery,
    cursor: string | null,
    call: CallContext,
  ): Promise<DossierPage>;
  /**
   * Reads one page of the dossiers that changed since `since` (an instant, ISO 8601 with +07:00),
   * every unit's, from the start when `cursor` is null. Throws a `ConnectorError` when the page
   * cannot be read. Present when `capabilities.changedSince`. Listed as `listDossiers` lists:
   * indicator fields only; the gateway looks up the dossiers whose state differs.
   */
  listChangedSince?(since: string, cursor: string | null, call: CallContext): Promise<DossierPage>;
  /**
   * Maps records a system pushed in its own format (a status push), the same way as lookups: one
   * result per record, a dossier or the error that made it unreadable.
   */
  mapRecords?(records: readonly unknown[]): Promise<Array<NationalDossier | ConnectorError>>;
  /** Releases timers or sockets the connector holds. */
  close?(): Promise<void>;
}

/** Structured logger handed to connectors. Never log personal data or upstream bodies. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface Clock {
  now(): Date;
}

/** What the gateway hands a connector. A connector never builds its own HTTP client or reads the environment. */
export interface ConnectorDeps {
  /** The registration id, for messages. */
  connectorId: string;
  /**
   * HTTP client bound to the registration's base URL: relative paths only, authentication applied,
   * per-call timeout set, redirects not followed, responses never thrown on status and bodies
   * delivered as text (`response.data` is a string). Network failures and timeouts are thrown as
   * `ConnectorError`.
   */
  http: AxiosInstance;
  logger: Logger;
  clock: Clock;
  /** The largest answer the HTTP client accepts (registration `upstream.maxResponseBytes`). */
  maxResponseBytes?: number;
  /**
   * Told of a success answer that says the credentials were refused (an error inside HTTP 200):
   * true when fresh credentials (a new OAuth 2.0 token) make sending `response.config` again once
   * worth it, as the HTTP client does itself for a 401.
   */
  credentialsRefused?: (response: AxiosResponse) => boolean;
  /**
   * `text` with the credentials' secrets (keys, passwords, tokens) replaced by `********`. A
   * connector applies it to the system's own words BEFORE masking or shortening them, so that a
   * key the system quotes never shows even in part. Absent: nothing to redact.
   */
  redact?: (text: string) => string;
  /**
   * Told of every evaluation of the registration's expressions (by source): `null` when it
   * completed, the error when a limit stopped it (time, depth, size;
   * connectors/shared/expression/README.md). The gateway quarantines a registration whose
   * evaluations of one expression keep being stopped. Kinds that compile expressions pass it to
   * their ExpressionCompiler.
   */
  onExpression?: (stopped: ExpressionLimitError | null, source: string) => void;
  /**
   * The form under which two dossier codes are the same dossier, when that is not letter for
   * letter: given for a registration whose codes are case-insensitive (`coverage.codes`), where it
   * upper-cases the code. Records a system answers are matched to the codes asked by this form,
   * and each dossier keeps its code as the system wrote it. Absent: codes are compared as they are.
   */
  codeKey?: (code: string) => string;
}

export interface ConnectorKind<C> {
  /** Name used in registration files (`kind: rest-json`). */
  readonly kind: string;
  /** Validates the registration's `config` section; its issues are reported with field paths. */
  readonly configSchema: z.ZodType<C>;
  create(config: C, deps: ConnectorDeps): Connector;
  /**
   * Whether connectors made from this config list changes since an instant
   * (`capabilities.changedSince`), known before one is made: the gateway refuses a registration
   * that declares `changes.modified` when this says false. Absent: known once the connector is
   * made (a poll then reports what is missing).
   */
  declaresChangedSince?(config: C): boolean;
}
