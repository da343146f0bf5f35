import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { canonicalAgencyCode } from '../../../connectors/shared/agencyCode';
import { parseStandardDossierCode } from '../../domain/dossierCode';
import { dossierKey, type CodeCase } from '../../domain/dossierKey';

/** Where a listed dossier is counted: in an agency's row, elsewhere, or nowhere it can be told. */
export type ListedAgency =
  /** One of the agencies the listing was read for. */
  | { kind: 'agency'; code: string }
  /** A unit of the directory that is not one of them (another unit, or one listed on its own). */
  | { kind: 'another'; code: string }
  /** No agency, or one the directory does not know: which unit's it is cannot be told. */
  | { kind: 'unknown'; code: string | null };

/** Longest successor chain followed; real chains are one or two steps (district → commune). */
const MAX_SUCCESSOR_DEPTH = 8;

/**
 * The agency a listed dossier names: its own (`agencyCode`, as the registration maps it), else
 * the one its standard code names (`000.00.12.H56-260701-0001` is 000.00.12.H56's, and so is
 * `000.00.12.h56-260701-0001` of a system whose codes are case-insensitive). Null when
 * neither says.
 */
export function namedAgency(
  dossier: { code: string; agencyCode: string | null },
  codes?: CodeCase,
): string | null {
  const mapped = dossier.agencyCode?.trim() ?? '';
  if (mapped !== '') return canonicalAgencyCode(mapped);
  // A code stored in lower case (`000.00.08.h47-…`) by a system whose codes are case-insensitive
  // (`codes`, the registration's coverage.codes) names its agency upper-cased.
  return parseStandardDossierCode(dossierKey(codes, dossier.code))?.agencyCode ?? null;
}

/**
 * Which of `readFor` (the agencies a listing is read for) a dossier of `named` belongs to, as a
 * system that filters by agency would have listed it: its own agency when that is one of them;
 * for an agency that closed (the 2025 mergers, docs/decisions/0002) and that the report does not
 * list itself, its successors in the directory's order, to the first that is one of them (a
 * successor the report lists apart ends that path: its listing counts its own). Any other unit of
 * the directory is `another`; an agency the directory does not know, `unknown`.
 *
 * `reported` holds every agency of the report, so a dossier is counted in exactly one row.
 */
export function listedAgency(
  named: string | null,
  readFor: ReadonlySet<string>,
  reported: ReadonlySet<string>,
  directory: AgencyDirectory,
): ListedAgency {
  if (named === null) return { kind: 'unknown', code: null };
  const agency = directory.get(named);
  if (agency === undefined) return { kind: 'unknown', code: named };
  if (readFor.has(agency.code)) return { kind: 'agency', code: agency.code };
  if (reported.has(agency.code)) return { kind: 'another', code: agency.code };
  const visited = new Set<string>([agency.code]);
  const follow = (code: string, depth: number): string | null => {
    if (depth > MAX_SUCCESSOR_DEPTH) return null;
    for (const successor of directory.get(code)?.successors ?? []) {
      const next = canonicalAgencyCode(successor.code);
      if (visited.has(next)) continue;
      visited.add(next);
      if (readFor.has(next)) return next;
      if (reported.has(next)) continue;
      const found = follow(next, depth + 1);
      if (found !== null) return found;
    }
    return null;
  };
  const heir = follow(agency.code, 1);
  return heir === null ? { kind: 'another', code: agency.code } : { kind: 'agency', code: heir };
}
