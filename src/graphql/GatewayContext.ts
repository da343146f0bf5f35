import type { AgencyService } from '../services/agencies/AgencyService';
import type { CatalogueService } from '../services/catalogue/CatalogueService';
import type { DossierLookup } from '../services/dossiers/DossierService';

/** Per-request context: the caller's services, built by src/server before execution. */
export interface GatewayContext {
  requestId: string;
  dossiers: DossierLookup;
  agencies: AgencyService;
  catalogue: CatalogueService;
  /** Display name of a registration, for `source.connectorName`. */
  connectorName(id: string): string | null;
}
