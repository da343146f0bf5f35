import type { NationalDossier } from '../../../connectors/model';

/** How the gateway learnt of a change (docs/decisions/0009-change-feed-and-sync-bridge.md). */
export type ChangeSource = 'push' | 'poll' | 'lookup';

/**
 * One change of one dossier: the system now holds a state of it that the gateway had not seen
 * (or had never seen the dossier). Found once across replicas, whichever way it came: push,
 * polling, or a lookup (the last-known-state store compares and sets atomically).
 */
export interface DossierChange {
  connectorId: string;
  /**
   * The dossier's key (src/domain/dossierKey.ts): its code, upper-cased for a system whose codes
   * are case-insensitive; `dossier.code` is the code as the system stores it.
   */
  code: string;
  /** Digest of the synced state (`stateMark(dossier).full`): the same state, the same digest. */
  state: string;
  /** The digest known before; null when the gateway had never seen the dossier. */
  previousState: string | null;
  source: ChangeSource;
  /**
   * When the system says the dossier changed (ISO 8601 +07:00): its newest history step's time,
   * else its return, finish or receipt time; null when it gives none.
   */
  changedAt: string | null;
  /** When the gateway found the change (ISO 8601 +07:00). */
  detectedAt: string;
  /** The dossier as found, unmasked: the sync format carries the applicant's data. */
  dossier: NationalDossier;
}

/** `<connector>:<code>:<state>`: the same change, the same key, on every delivery. */
export function idempotencyKey(
  change: Pick<DossierChange, 'connectorId' | 'code' | 'state'>,
): string {
  return `${change.connectorId}:${change.code}:${change.state}`;
}

/** Where found changes go (the sync bridge's outbox); appended before the change is announced. */
export interface ChangeSink {
  append(changes: readonly DossierChange[]): Promise<void>;
}
