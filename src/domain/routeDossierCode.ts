import { errorDetail, type ErrorDetail } from '../errors/GatewayError';
import type { Agency, AgencyDirectory } from './AgencyDirectory';
import type { CoverageIndex } from './CoverageIndex';
import {
  describeCodeProblem,
  DOSSIER_CODE_FORMAT,
  MAX_DOSSIER_CODE_LENGTH,
  parseStandardDossierCode,
  quoteInput,
} from './dossierCode';
import { dossierKey, upperCaseCode } from './dossierKey';

/** Where a dossier code goes, and why. */
export interface Route {
  connectorId: string;
  /** The agency named by the code (standard form), or null for a pattern-routed code without one. */
  agencyCode: string | null;
  /** Successor codes followed from the code's own agency to the covered one, in order. */
  via: string[];
  /**
   * The form the gateway keeps the dossier under (src/domain/dossierKey.ts): the code as given, or
   * upper-cased for a registration whose codes are case-insensitive.
   */
  key: string;
}

export type RouteResult = { ok: true; route: Route } | { ok: false; error: ErrorDetail };

/** Longest successor chain followed; real chains are one or two steps (district → commune). */
const MAX_SUCCESSOR_DEPTH = 8;

/**
 * Routes a dossier code to the registration whose system owns it (docs/decisions/0001-coverage-follows-the-agency-hierarchy.md): the
 * code's prefix names its agency; an exact coverage entry wins; a closed agency's work follows its
 * successors (the 2025 mergers); otherwise the most specific hierarchy coverage. A code whose
 * agency part is in lower or mixed case is routed by that part upper-cased, and only to a
 * registration that declares its codes case-insensitive (`coverage.codes`). Pure and
 * synchronous, so a resolver can route before `DataLoader.load` without splitting the batch.
 */
export function routeDossierCode(
  code: string,
  directory: AgencyDirectory,
  coverage: CoverageIndex,
  today: string,
): RouteResult {
  if (code.length === 0 || code.length > MAX_DOSSIER_CODE_LENGTH) {
    return fail(
      'BAD_USER_INPUT',
      `${quoteInput(code)} is not a dossier code: expected ${DOSSIER_CODE_FORMAT}`,
    );
  }
  const standard = parseStandardDossierCode(code);
  if (standard === null) {
    const matched = coverage.matchPattern(code);
    if (matched !== undefined) {
      return {
        ok: true,
        route: {
          connectorId: matched.id,
          agencyCode: matched.agencyCode ?? null,
          via: [],
          key: dossierKey(coverage.codeCase(matched.id), code),
        },
      };
    }
    // A code in another case (`000.00.08.h47-…`): routed by its agency part upper-cased, and
    // accepted only when it reaches a registration that reads its codes in any case.
    const upper = upperCaseCode(code);
    const upperStandard = upper === code ? null : parseStandardDossierCode(upper);
    if (upperStandard !== null) {
      const routed = routeStandard(upper, upperStandard.agencyCode, directory, coverage, today);
      if (routed.ok && coverage.codeCase(routed.route.connectorId)?.caseInsensitive === true)
        return routed;
    }
    const problem = describeCodeProblem(code);
    return fail(
      'BAD_USER_INPUT',
      `${quoteInput(code)} is not a dossier code${problem === null ? '' : ` (${problem})`}: expected ${DOSSIER_CODE_FORMAT}`,
    );
  }
  return routeStandard(code, standard.agencyCode, directory, coverage, today);
}

/** Routes a standard code by its agency (an exact entry, successors, then the hierarchy). */
function routeStandard(
  code: string,
  agencyCode: string,
  directory: AgencyDirectory,
  coverage: CoverageIndex,
  today: string,
): RouteResult {
  const agency = directory.get(agencyCode);
  if (agency === undefined) {
    return fail(
      'UNKNOWN_AGENCY',
      `Agency ${agencyCode} of dossier ${quoteInput(code)} is not in the agency directory`,
    );
  }
  const found = resolveAgencyRoute(agency, directory, coverage, today);
  if (found === undefined) {
    const successors = agency.successors.map((s) => s.code);
    return fail(
      'NO_CONNECTOR',
      `No registered system covers agency ${agency.code} (${agency.name})` +
        (successors.length > 0 ? ` or its successors ${successors.join(', ')}` : ''),
    );
  }
  return {
    ok: true,
    route: {
      connectorId: found.id,
      agencyCode: agency.code,
      via: found.via,
      key: dossierKey(coverage.codeCase(found.id), code),
    },
  };
}

/** The registration an agency's dossiers route to, with the successor codes followed. */
export function resolveAgencyRoute(
  agency: Agency,
  directory: AgencyDirectory,
  coverage: CoverageIndex,
  today: string,
): { id: string; via: string[] } | undefined {
  return resolve(agency, [], new Set(), directory, coverage, today);
}

function resolve(
  agency: Agency,
  via: string[],
  visited: Set<string>,
  directory: AgencyDirectory,
  coverage: CoverageIndex,
  today: string,
): { id: string; via: string[] } | undefined {
  visited.add(agency.code);
  const exact = coverage.exact(agency.code);
  if (exact !== undefined) return { id: exact, via };
  const closed = agency.validTo !== null && agency.validTo < today;
  if (closed && via.length < MAX_SUCCESSOR_DEPTH) {
    for (const successor of agency.successors) {
      const next = directory.get(successor.code);
      if (next === undefined || visited.has(next.code)) continue;
      const found = resolve(next, [...via, next.code], visited, directory, coverage, today);
      if (found !== undefined) return found;
    }
  }
  const unit = coverage.byHierarchy(agency.code);
  return unit === undefined ? undefined : { id: unit, via };
}

function fail(code: ErrorDetail['code'], message: string): RouteResult {
  return { ok: false, error: errorDetail(code, message) };
}
