import { NO_DIGITAL_FACTS, type NationalDossier } from '../../../connectors/model';
import { followsChanges, type Registration } from '../../registry/Registration';
import { dossierKey } from '../../domain/dossierKey';

/**
 * Whether a change of each dossier was ever delivered by the gateway's sync bridge, and since when
 * the bridge delivers the system's changes (its first delivery; null: never).
 */
export type SyncedByGateway = (
  connectorId: string,
  codes: readonly string[],
) => Promise<{ flags: boolean[]; since: string | null }>;

/**
 * Indicator 1.4 (dossiers synced to the portal over dossiers received; docs/INDICATORS.md): a
 * listed dossier whose system does not say whether it reached the portal is read from the
 * gateway's sync bridge, when the bridge is on and the gateway follows the system's changes (it
 * pushes, or its registration declares `changes`): synced when a change of it was delivered,
 * not synced otherwise — for dossiers received since the bridge first delivered a change of the
 * system; those received before stay without data. What the system says is kept as it says it. Returns the dossiers, how
 * many were read from the gateway, and why none could be (they stay unknown then: no data).
 */
export async function withGatewaySync(
  dossiers: readonly NationalDossier[],
  registration: Registration,
  synced: SyncedByGateway | undefined,
): Promise<{ dossiers: readonly NationalDossier[]; fromGateway: number; problem: string | null }> {
  if (synced === undefined || !followsChanges(registration))
    return { dossiers, fromGateway: 0, problem: null };
  const unsaid = dossiers.filter((dossier) => (dossier.digital?.syncedToPortal ?? null) === null);
  if (unsaid.length === 0) return { dossiers, fromGateway: 0, problem: null };
  let answer: { flags: boolean[]; since: string | null };
  try {
    answer = await synced(
      registration.id,
      // The bridge knows a dossier by its key (upper-cased for codes that are case-insensitive).
      unsaid.map((dossier) => dossierKey(registration.coverage.codes, dossier.code)),
    );
  } catch (error) {
    return {
      dossiers,
      fromGateway: 0,
      problem: `${registration.id}: dossiers left without sync data (indicator 1.4): ${(error as Error).message}`,
    };
  }
  // Received before the bridge first delivered anything of the system: the gateway cannot say
  // (it was not the way to the portal then), so no data.
  const since = answer.since === null ? Number.POSITIVE_INFINITY : Date.parse(answer.since);
  const judged = unsaid.flatMap((dossier, index) =>
    dossier.receivedAt !== null && Date.parse(dossier.receivedAt) >= since
      ? [[dossier.code, answer.flags[index] === true] as const]
      : [],
  );
  const byCode = new Map(judged);
  return {
    dossiers: dossiers.map((dossier) => {
      const flag = byCode.get(dossier.code);
      return flag === undefined
        ? dossier
        : {
            ...dossier,
            digital: { ...(dossier.digital ?? NO_DIGITAL_FACTS), syncedToPortal: flag },
          };
    }),
    fromGateway: judged.length,
    problem: null,
  };
}
