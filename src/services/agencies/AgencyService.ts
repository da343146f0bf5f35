import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import { resolveAgencyRoute } from '../../domain/routeDossierCode';
import { vietnamDate } from '../../domain/vietnamTime';
import {
  isValidOn,
  type Agency,
  type AgencyDirectory,
  type AgencyFilter,
} from '../../domain/AgencyDirectory';
import { isAgencyCode } from '../../../connectors/shared/agencyCode';

export interface AgencyPage {
  nodes: Agency[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

export const MAX_AGENCY_PAGE = 500;

/** Agency directory reads for the API: lookups, filtered pages with stable cursors, routing. */
export class AgencyService {
  constructor(
    private readonly directory: AgencyDirectory,
    private readonly registry: ConnectorRegistry,
    private readonly now: () => Date,
  ) {}

  get(code: string): Agency | undefined {
    return this.directory.get(code);
  }

  /** An agency asked for by a caller: a malformed code is an error, an unknown one is null. */
  find(code: string): { ok: true; agency: Agency | null } | { ok: false; error: ErrorDetail } {
    if (!isAgencyCode(code)) {
      return {
        ok: false,
        error: errorDetail(
          'BAD_USER_INPUT',
          `${JSON.stringify(code.slice(0, 60))} is not an agency code: digits, A–Z and dots, e.g. 000.00.01.H56 or H56.01`,
        ),
      };
    }
    return { ok: true, agency: this.directory.get(code) ?? null };
  }

  childrenOf(code: string): readonly Agency[] {
    return this.directory.childrenOf(code);
  }

  predecessors(code: string): readonly Agency[] {
    return this.directory.predecessors(code);
  }

  isActive(agency: Agency): boolean {
    return isValidOn(agency, this.today());
  }

  /** The registration that dossiers of this agency route to (same rule as dossier codes). */
  connectorFor(agency: Agency): Registration | undefined {
    const found = resolveAgencyRoute(agency, this.directory, this.registry.coverage, this.today());
    return found === undefined ? undefined : this.registry.runtime(found.id)?.registration;
  }

  /** A page of agencies ordered by code; the cursor is the last code seen, so pages are stable. */
  page(
    filter: AgencyFilter,
    first: number,
    after: string | undefined,
  ): { ok: true; page: AgencyPage } | { ok: false; error: ErrorDetail } {
    if (!Number.isInteger(first) || first < 1 || first > MAX_AGENCY_PAGE) {
      return {
        ok: false,
        error: errorDetail('BAD_USER_INPUT', `first must be 1–${MAX_AGENCY_PAGE}, got ${first}`),
      };
    }
    let afterCode: string | undefined;
    if (after !== undefined) {
      afterCode = Buffer.from(after, 'base64url').toString('utf8');
      if (!afterCode.startsWith('agency:')) {
        return {
          ok: false,
          error: errorDetail(
            'BAD_USER_INPUT',
            `after ${JSON.stringify(after.slice(0, 40))} is not a cursor from this API`,
          ),
        };
      }
      afterCode = afterCode.slice('agency:'.length);
    }
    const nodes: Agency[] = [];
    let totalCount = 0;
    let hasNextPage = false;
    for (const agency of this.directory.list(filter)) {
      totalCount += 1;
      if (afterCode !== undefined && agency.code <= afterCode) continue;
      if (nodes.length < first) nodes.push(agency);
      else hasNextPage = true;
    }
    const last = nodes.at(-1);
    return {
      ok: true,
      page: {
        nodes,
        totalCount,
        hasNextPage,
        endCursor:
          last === undefined ? null : Buffer.from(`agency:${last.code}`).toString('base64url'),
      },
    };
  }

  private today(): string {
    return vietnamDate(this.now());
  }
}
