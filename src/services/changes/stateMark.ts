import { hash } from 'node:crypto';
import type { NationalDossier, NationalStatusCode } from '../../../connectors/model';

/**
 * Statuses after which a dossier no longer changes: rejected at intake (3), withdrawn (7),
 * stopped (8), result returned (10). A finished dossier (9) still awaits its return.
 */
const SETTLED: ReadonlySet<NationalStatusCode> = new Set([3, 7, 8, 10]);

/** What the gateway remembers of a dossier to tell a change (docs/decisions/0009). */
export interface StateMark {
  /**
   * Digest of the synced state as a lookup maps it: the status (code and the system's own value),
   * the due, finish and return times, the newest history step, the supplement rounds and result
   * documents counted. The same state, the same digest, on every replica.
   */
  full: string;
  /**
   * Digest of what a listing also carries (the status and the due, finish and return times, and
   * which of them were given without a time): a
   * listed dossier whose `core` differs from the one known is looked up to read its full state.
   */
  core: string;
  /** Whether it may still change (not settled); open dossiers are rechecked. */
  open: boolean;
  /**
   * When the system says it last changed (`systemChangedAt`, ms; 0 when it gives no time): a
   * reading older than the state known (a lookup that read before a push) is not a change.
   */
  version: number;
}

export function stateMark(dossier: NationalDossier): StateMark {
  // Fields joined by U+0001, as a list's join would, without the list (one per dossier read).
  const untimed = dossier.datesWithoutTime;
  const core =
    `${dossier.status.code ?? ''}\u0001${dossier.status.raw}\u0001${dossier.dueAt ?? ''}` +
    `\u0001${dossier.finishedAt ?? ''}\u0001${dossier.returnedAt ?? ''}` +
    // Which of them the system gave without a time: `12/03/2026` (read as 17:00) then
    // `12/03/2026 17:00:00` is a change. Only when there are some, so other digests stay as they were.
    (untimed !== undefined && untimed.length > 0
      ? `\u0001untimed:${[...untimed].sort().join(',')}`
      : '');
  const last = newestStep(dossier);
  const full =
    `${core}\u0001${last?.at ?? ''}\u0001${last?.status?.raw ?? ''}\u0001${dossier.history.length}` +
    `\u0001${dossier.supplements.length}\u0001${dossier.results.length}`;
  const changedAt = systemChangedAt(dossier);
  const version = changedAt === null ? 0 : Date.parse(changedAt);
  return {
    full: digest(full),
    core: digest(core),
    open: dossier.status.code === null || !SETTLED.has(dossier.status.code),
    version: Number.isNaN(version) ? 0 : version,
  };
}

/**
 * When the system says the dossier last changed: its newest history step's time, else its return,
 * finish or receipt time; null when it gives none.
 */
export function systemChangedAt(dossier: NationalDossier): string | null {
  return (
    newestStep(dossier)?.at ??
    dossier.returnedAt ??
    dossier.finishedAt ??
    dossier.receivedAt ??
    null
  );
}

/** Histories are answered oldest first, but a step without a time says nothing of order. */
function newestStep(dossier: NationalDossier): NationalDossier['history'][number] | undefined {
  for (let i = dossier.history.length - 1; i >= 0; i -= 1) {
    const step = dossier.history[i];
    if (step?.at !== null && step?.at !== undefined) return step;
  }
  return undefined;
}

/** SHA-256, base64url, 16 characters; one-shot (no Hash object per dossier), the same digest. */
function digest(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 16);
}
