import type { NationalDossier, NationalStatusCode, StatusValue } from '../../connectors/model';
import type { AgencyDirectory } from './AgencyDirectory';

/** Longest parent chain walked; real hierarchies have four levels. */
const MAX_DEPTH = 10;

/**
 * The statuses an agency reports lossily, by the directory (`lossyStatuses` of the agency or its
 * nearest parent declaring it), or null. Registrations declare a system's lossy statuses
 * (`statuses.lossy`, `statuses.byAgency`); the directory declares an agency's practice, whichever
 * system answers for it.
 */
export function lossyStatusesOf(
  directory: AgencyDirectory,
  agencyCode: string | null,
): Readonly<Record<string, readonly number[]>> | null {
  let agency = agencyCode === null ? undefined : directory.get(agencyCode);
  for (let depth = 0; agency !== undefined && depth < MAX_DEPTH; depth += 1) {
    if (agency.lossyStatuses) return agency.lossyStatuses;
    agency = agency.parent === null ? undefined : directory.get(agency.parent);
  }
  return null;
}

/**
 * The dossier with its status and its history's statuses marked lossy where its agency's entry
 * says so (`lossyStatusesOf`): `lossy: true`, `mayBe` the union of what the registration and the
 * directory say. The dossier itself is not changed (cached values are shared); the same object
 * comes back when nothing applies. Its agency: the one it names (`agencyCode`), else `routed`.
 */
export function withAgencyStatusMeaning(
  dossier: NationalDossier,
  directory: AgencyDirectory,
  routed: string | null,
): NationalDossier {
  if (!directory.hasLossyStatuses) return dossier;
  const lossy = lossyStatusesOf(directory, dossier.agencyCode ?? routed);
  if (lossy === null) return dossier;
  const status = marked(dossier.status, lossy);
  let history = dossier.history;
  if (history.some((step) => step.status !== null && marked(step.status, lossy) !== step.status))
    history = history.map((step) =>
      step.status === null ? step : { ...step, status: marked(step.status, lossy) },
    );
  return status === dossier.status && history === dossier.history
    ? dossier
    : { ...dossier, status, history };
}

function marked(
  status: StatusValue,
  lossy: Readonly<Record<string, readonly number[]>>,
): StatusValue {
  const others = status.code === null ? undefined : lossy[String(status.code)];
  if (others === undefined) return status;
  const mayBe = [
    ...new Set<NationalStatusCode>([
      ...(status.mayBe.length > 0 ? status.mayBe : [status.code as NationalStatusCode]),
      ...(others as NationalStatusCode[]),
    ]),
  ].sort((a, b) => a - b);
  if (status.lossy && mayBe.length === status.mayBe.length) return status;
  return { ...status, lossy: true, mayBe };
}
