import type { Principal } from '../auth/Principal';
import type { AgencyService } from '../services/agencies/AgencyService';
import type { ApiKeyService } from '../services/access/ApiKeyService';
import type { AuditService } from '../services/audit/AuditService';
import type { RegistrationService } from '../services/registrations/RegistrationService';
import type { DossierChangeFeed } from './dossierChangeFeed';
import type { CatalogueService } from '../services/catalogue/CatalogueService';
import type { KeptAnswerRecorder, DossierLookup } from '../services/dossiers/DossierService';
import type { OperationsService } from '../services/operations/OperationsService';
import type { WorkingTimeService } from '../services/calendar/WorkingTimeService';
import type { TraceService } from '../services/trace/TraceService';
import type { ReportService } from '../services/reports/ReportService';
import type { CallContext } from '../../connectors/contract';

/** Per-request context: the caller's services, built by src/server before execution. */
export interface GatewayContext {
  requestId: string;
  /** The authenticated caller; null without credentials (then every root field refuses). */
  principal: Principal | null;
  keys: ApiKeyService;
  audit: AuditService;
  registrations: RegistrationService;
  /** Indicator report jobs. */
  reports: ReportService;
  /** Inter-agency traces. */
  trace: TraceService;
  /** Working time per agency and the on-time rule. */
  workingTime: WorkingTimeService;
  /** Health and inspection for the console. */
  operations: OperationsService;
  /** This request's id, signal and deadline, for calls made outside the dossier lookup. */
  call: CallContext;
  dossiers: DossierLookup;
  /** A new lookup with its own time budget, for each event of a long-lived subscription. */
  freshLookup(): DossierLookup;
  /** Dossier changes pushed by the systems, for subscriptions. */
  dossierChanges: DossierChangeFeed;
  agencies: AgencyService;
  catalogue: CatalogueService;
  /** Display name of a registration, for `source.connectorName`. */
  connectorName(id: string): string | null;
  /**
   * Told what the answer is made of, when the server may keep it as bytes (dossier lookups over
   * HTTP); resolvers whose values change with the clock or outside the cache say so here.
   */
  recorder?: KeptAnswerRecorder;
}

/**
 * Builds one request's context; `signal` ends when the request's time budget does; `recorder`
 * (HTTP dossier lookups, when answers are kept) is told what the answer is made of.
 */
export type ContextFactory = (request: {
  requestId: string;
  signal: AbortSignal;
  principal: Principal | null;
  recorder?: KeptAnswerRecorder;
}) => GatewayContext;
