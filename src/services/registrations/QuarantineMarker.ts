import type { Logger } from '../../../connectors/contract';
import type { SecretBox } from '../../registry/secretBox';
import { recordVersion, stampVersion, type RecordVersionDeps } from './recordVersion';
import { openSecrets } from './registrationSecrets';

export interface QuarantineMarkerDeps extends RecordVersionDeps {
  secrets: SecretBox;
  logger: Logger;
  now: () => Date;
}

/**
 * Quarantines a runtime registration the gateway will not run (docs/resilience.md "Quarantine"):
 * a new version of the same document, marked with the reason, by the gateway, audited
 * (`registry.quarantine`), applied on every replica. Asked by QuarantineWatch (expressions kept
 * stopped by their limits) and by routing (expressions unsafe under the current rules).
 */
export class QuarantineMarker {
  /** Quarantines being stored from this replica (`id@version`). */
  private readonly quarantining = new Set<string>();

  constructor(private readonly deps: QuarantineMarkerDeps) {}

  /**
   * Nothing happens when the version that was stopped is no longer the one stored or served
   * (someone fixed it meanwhile), or it already is quarantined. A later version (update,
   * rollback) clears it.
   */
  async quarantine(id: string, version: number, reason: string): Promise<void> {
    const key = `${id}@${version}`;
    if (this.quarantining.has(key)) return;
    this.quarantining.add(key);
    try {
      const history = await this.deps.store.history(id);
      const latest = history.at(-1);
      if (latest === undefined || latest.deleted || latest.quarantine) return;
      // The version stopped may be older than the one stored (a runtime is kept across versions
      // with the same settings): the latest is marked only when it is the same document, never a
      // fix saved meanwhile on another replica.
      const stopped = history.find((candidate) => candidate.version === version);
      if (
        stopped === undefined ||
        JSON.stringify(openSecrets(this.deps.secrets, stopped.document)) !==
          JSON.stringify(openSecrets(this.deps.secrets, latest.document))
      )
        return;
      const stamp = stampVersion('gateway', latest.version, this.deps.now());
      const written = await recordVersion(
        this.deps,
        'gateway',
        {
          ...latest,
          ...stamp,
          quarantine: { reason, since: stamp.updatedAt },
          note: `quarantined: ${reason.length > 300 ? `${reason.slice(0, 299)}…` : reason}`,
        },
        'registry.quarantine',
      );
      if (written.ok) {
        this.deps.logger.error(
          { id, version: latest.version + 1, reason },
          'registration quarantined',
        );
      }
    } catch (error) {
      // The store is away: the version stays unrouted here and is tried again at the next reload.
      this.deps.logger.error({ id, err: (error as Error).message }, 'quarantine not stored');
    } finally {
      this.quarantining.delete(key);
    }
  }
}
