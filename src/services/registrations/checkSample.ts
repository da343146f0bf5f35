import type { CallContext } from '../../../connectors/contract';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { canonicalAgencyCode, hierarchyKeys } from '../../../connectors/shared/agencyCode';
import { parseStandardDossierCode } from '../../domain/dossierCode';
import { dossierKey } from '../../domain/dossierKey';
import { vietnamDate } from '../../domain/vietnamTime';
import type { ErrorDetail } from '../../errors/GatewayError';
import type { Registration } from '../../registry/Registration';
import type { ConnectorRuntime } from '../../runtime/ConnectorRuntime';

/** Most listing pages one check reads, over every agency it tries. */
export const MAX_LISTING_PAGES = 5;

/** What reading a registration's listing gave: real codes, and where they came from. */
export interface ListedSample {
  codes: string[];
  /** The agencies asked, in order. */
  agencies: string[];
  /** The first and last day received of the (last) window read, Vietnam dates. */
  from: string;
  to: string;
  pages: number;
  /** Records on the pages that could not be read as dossiers. */
  unreadable: number;
  /** The first page that failed, with the agency asked; reading stopped there. */
  failed: { agency: string; error: ErrorDetail } | null;
  /** Whether the days asked gave too few codes, and the listing was read over WIDER_DAYS. */
  widened: boolean;
}

/** Whether a registration's coverage names the agency, exactly or by a hierarchy key. */
export function covers(registration: Registration, agencyCode: string): boolean {
  const { agencies, units } = registration.coverage;
  const code = canonicalAgencyCode(agencyCode);
  return (
    agencies.some((agency) => canonicalAgencyCode(agency) === code) ||
    hierarchyKeys(code).some((key) => units.includes(key))
  );
}

/**
 * The agencies a check lists, in order: the one asked for; else those of the given codes the
 * registration covers, the agencies its coverage names, and the agencies of its units that are
 * open today (from the directory; the unit's own code when the directory has none).
 */
export function agenciesToList(
  registration: Registration,
  directory: AgencyDirectory,
  asked: string | null,
  given: readonly string[],
  today: string,
): string[] {
  if (asked !== null) return [canonicalAgencyCode(asked)];
  const agencies = new Set<string>();
  for (const code of given) {
    const agency = parseStandardDossierCode(
      dossierKey(registration.coverage.codes, code),
    )?.agencyCode;
    if (agency !== undefined && covers(registration, agency)) agencies.add(agency);
  }
  for (const agency of registration.coverage.agencies) agencies.add(canonicalAgencyCode(agency));
  for (const unit of registration.coverage.units) {
    let any = false;
    for (const agency of directory.list({ activeOn: today })) {
      if (!hierarchyKeys(agency.code).includes(unit)) continue;
      agencies.add(agency.code);
      any = true;
    }
    if (!any) agencies.add(canonicalAgencyCode(unit));
  }
  return [...agencies];
}

/** Days a listing is widened to when the days asked give too few codes. */
export const WIDER_DAYS = 365;

/**
 * Reads up to `wanted` codes of dossiers received in the last `days` days (Vietnam dates, today
 * included), agency after agency; when they give fewer, the last WIDER_DAYS days the same way (a
 * small agency, or a system whose recent dossiers are few). At most MAX_LISTING_PAGES pages in
 * all, through the runtime's guard and limits; stops at the first page that fails.
 */
export async function readListing(
  runtime: ConnectorRuntime,
  agencies: readonly string[],
  days: number,
  now: Date,
  wanted: number,
  exclude: ReadonlySet<string>,
  call: CallContext,
): Promise<ListedSample> {
  const to = vietnamDate(now);
  const codes = new Set<string>();
  const asked = new Set<string>();
  const sample: ListedSample = {
    codes: [],
    agencies: [],
    from: to,
    to,
    pages: 0,
    unreadable: 0,
    failed: null,
    widened: false,
  };
  for (const span of days < WIDER_DAYS ? [days, WIDER_DAYS] : [days]) {
    if (codes.size >= wanted || sample.pages >= MAX_LISTING_PAGES || call.signal.aborted) break;
    const from = vietnamDate(new Date(now.getTime() - (span - 1) * 86_400_000));
    sample.widened = span !== days;
    sample.from = from;
    for (const agency of agencies) {
      if (codes.size >= wanted || sample.pages >= MAX_LISTING_PAGES) break;
      asked.add(agency);
      let cursor: string | null = null;
      do {
        if (call.signal.aborted) break;
        const page = await runtime.listDossiers({ agencyCode: agency, from, to }, cursor, call);
        sample.pages += 1;
        if ('error' in page) {
          sample.failed = { agency, error: page.error };
          return { ...sample, codes: [...codes], agencies: [...asked] };
        }
        sample.unreadable += page.unreadable;
        for (const dossier of page.dossiers) {
          if (codes.size >= wanted) break;
          if (!exclude.has(dossier.code)) codes.add(dossier.code);
        }
        // A system that gives the same cursor again would loop: one page of it is enough.
        cursor = page.next === cursor ? null : page.next;
      } while (cursor !== null && codes.size < wanted && sample.pages < MAX_LISTING_PAGES);
    }
  }
  return { ...sample, codes: [...codes], agencies: [...asked] };
}
