import { DateTime } from 'luxon';
import type { SampleDataset, SampleDossier } from '../../samples/generator/SampleDataset';
import { landStatus } from '../../samples/land-soap/renderLand';
import { provincialStatus } from '../../samples/provincial-rest/renderProvincial';

/** The form's counted columns for one agency, as worked out here. */
export interface Recomputed {
  carriedOver: number;
  receivedOnline: number;
  receivedInPerson: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  openNotDue: number;
  openOverdue: number;
  withdrawn: number;
  stopped: number;
  unknown: number;
  rejectedAtIntake: number;
  notReceived: number;
}

const PROVINCIAL_WORDS: Record<string, number> = {
  receiving: 1,
  new: 2,
  denied: 3,
  processing: 4,
  waiting: 5,
  paying: 6,
  cancelled: 7,
  unresolved: 8,
  releasing: 9,
  done: 10,
};

/**
 * A second reading of the result form, written apart from the gateway's: straight from a sample
 * system's generated dossiers, with the status each system shows for them (its own words and
 * lossy collapses: what its listing answers), by the rules of docs/INDICATORS.md as plainly as they
 * can be put — no working-time arithmetic (the sample systems always give the due date after a
 * supplement), no code shared with src/services/reports.
 */
export function recomputeResultForm(
  dataset: SampleDataset,
  system: 'provincial' | 'land',
  agencyCode: string,
  from: string,
  to: string,
  carryOverDays = 365,
): Recomputed {
  const counts: Recomputed = {
    carriedOver: 0,
    receivedOnline: 0,
    receivedInPerson: 0,
    resolvedEarly: 0,
    resolvedOnTime: 0,
    resolvedLate: 0,
    openNotDue: 0,
    openOverdue: 0,
    withdrawn: 0,
    stopped: 0,
    unknown: 0,
    rejectedAtIntake: 0,
    notReceived: 0,
  };
  const zone = 'UTC+7';
  const start = DateTime.fromISO(from, { zone }).startOf('day');
  const end = DateTime.fromISO(to, { zone }).endOf('day');
  const listedFrom = start.minus({ days: carryOverDays }).toISODate() as string;
  const shown = (dossier: SampleDossier, status: number): number | null =>
    system === 'land'
      ? landStatus(dossier, status)
      : (PROVINCIAL_WORDS[provincialStatus(dossier, status)] ?? null);
  const { dossiers } = dataset.listReceived(agencyCode, listedFrom, to, 0, 1e9);
  for (const dossier of dossiers) {
    const inPeriod = dossier.receivedAt >= start;
    const status = shown(dossier, dossier.status);
    if (status === 1 || status === 3) {
      if (inPeriod) counts[status === 1 ? 'notReceived' : 'rejectedAtIntake'] += 1;
      continue;
    }
    // Processing ends at the first step whose shown status is 7, 8, 9 or 10.
    const endings = dossier.history
      .map((step) => ({ at: step.at, status: shown(dossier, step.status) }))
      .filter((step) => step.status !== null && step.status >= 7)
      .sort((a, b) => a.at.toMillis() - b.at.toMillis());
    let ending: { at: DateTime; status: number | null } | null = endings[0] ?? null;
    if (ending === null && status !== null && status >= 7) {
      const at = dossier.finishedAt ?? dossier.returnedAt;
      ending = at === null ? null : { at, status };
    }
    if (!inPeriod && ending !== null && ending.at < start) continue;
    // Before the period with a status the registration does not map: open then or not, unknown.
    if (!inPeriod && status === null) continue;
    if (inPeriod) counts[dossier.channel === 2 ? 'receivedOnline' : 'receivedInPerson'] += 1;
    else counts.carriedOver += 1;
    const endedInPeriod = ending !== null && ending.at <= end;
    if (status === null) {
      counts.unknown += 1;
      continue;
    }
    if (endedInPeriod && ending !== null && (ending.status === 7 || ending.status === 8)) {
      counts[ending.status === 7 ? 'withdrawn' : 'stopped'] += 1;
      continue;
    }
    const due = dossier.supplements.reduce(
      (latest, round) => (round.dueAfter > latest ? round.dueAfter : latest),
      dossier.dueAt,
    );
    const tooManyRounds = dossier.supplements.length >= 2;
    if (!endedInPeriod || ending === null) {
      counts[tooManyRounds || end > due ? 'openOverdue' : 'openNotDue'] += 1;
      continue;
    }
    if (tooManyRounds || ending.at > due) counts.resolvedLate += 1;
    else if (ending.at.setZone(zone).toISODate() === due.setZone(zone).toISODate())
      counts.resolvedOnTime += 1;
    else counts.resolvedEarly += 1;
  }
  return counts;
}
