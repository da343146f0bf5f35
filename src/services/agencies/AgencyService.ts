import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { Registration } from '../../registry/Registration';
import { lossyStatusesOf } from '../../domain/agencyStatusMeaning';
import { resolveAgencyRoute } from '../../domain/routeDossierCode';
import { vietnamDate } from '../../domain/vietnamTime';
import {
  isValidOn,
  type Agency,
  type AgencyDirectory,
  type AgencyFilter,
} from '../../domain/AgencyDirectory';
import { isAgencyCode } from '../../../connectors/shared/agencyCode';
import type { Principal } from '../../auth/Principal';
import type { DirectoryEntries, EntryOrigin, EntryVersionView } from './DirectoryEntries';
import type { DirectoryResult } from './directoryResults';
import { entryYaml } from './agencyEntry';

export interface AgencyPage {
  nodes: Agency[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

export const MAX_AGENCY_PAGE = 500;

/**
 * The agency directory for the API: lookups, filtered pages with stable cursors, routing, and the
 * administrators' runtime entries (DirectoryEntries.ts): where an entry comes from, its versions,
 * putting and deleting one.
 */
export class AgencyService {
  constructor(
    private readonly directory: AgencyDirectory,
    private readonly registry: ConnectorRegistry,
    private readonly now: () => Date,
    private readonly entries: DirectoryEntries,
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

  /** The statuses the agency reports lossily, by its entry or its nearest parent's; null: none. */
  lossyStatuses(agency: Agency): Readonly<Record<string, readonly number[]>> | null {
    return lossyStatusesOf(this.directory, agency.code);
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

  /** Where the agency's entry in effect comes from, and the version to send with a change. */
  origin(agency: Agency): EntryOrigin {
    return this.entries.origin(agency.code);
  }

  /** The agency's entry as YAML: the form `putEntry` takes. */
  entry(agency: Agency): string {
    return entryYaml(agency);
  }

  /** Every stored version of a code's runtime entry, oldest first. */
  entryVersions(code: string): Promise<DirectoryResult<EntryVersionView[]>> {
    return this.entries.versions(code);
  }

  putEntry(
    principal: Principal,
    text: string,
    version: number,
    note: string | null,
  ): Promise<DirectoryResult<Agency>> {
    return this.entries.put(principal, text, version, note);
  }

  deleteEntry(
    principal: Principal,
    code: string,
    version: number,
    note: string | null,
  ): Promise<DirectoryResult<Agency | null>> {
    return this.entries.delete(principal, code, version, note);
  }

  private today(): string {
    return vietnamDate(this.now());
  }
}
