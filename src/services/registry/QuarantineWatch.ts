import type { ExpressionLimitError } from '../../../connectors/shared/expression/ExpressionLimitError';
import type { Registration } from '../../registry/Registration';

/** Evaluations in a row stopped by a limit before a registration is quarantined. Default 5. */
export const QUARANTINE_AFTER = 5;

/**
 * Watches every evaluation of the runtime registrations' expressions and quarantines a version
 * whose evaluations keep being stopped by their limits: `QUARANTINE_AFTER` in a row with none
 * completing between them. A bad expression is stopped on every record; a good one meeting one
 * odd record completes on the next, which starts the count again.
 *
 * Only limits that are the same on every run count (steps, depth, sizes, refused functions): the
 * time limit also depends on how busy the machine is, and a load spike must not quarantine every
 * registration at once. Static registrations (files) are not quarantined: they are reviewed
 * deployment configuration, checked at start-up, and have no store version to mark.
 */
export class QuarantineWatch {
  private readonly streaks = new Map<string, { version: number; stops: number }>();

  constructor(
    private readonly quarantine: (id: string, version: number, reason: string) => void,
    private readonly after = QUARANTINE_AFTER,
  ) {}

  observe(registration: Registration, stopped: ExpressionLimitError | null): void {
    if (registration.origin.type !== 'runtime') return;
    const { id } = registration;
    const version = registration.origin.version;
    if (stopped === null) {
      this.streaks.delete(id);
      return;
    }
    if (stopped.limit === 'time') return;
    const streak = this.streaks.get(id);
    const stops = streak?.version === version ? streak.stops + 1 : 1;
    this.streaks.set(id, { version, stops });
    if (stops === this.after) {
      this.quarantine(
        id,
        version,
        `${stops} evaluations in a row stopped by a limit; the last: ${stopped.message}`,
      );
    }
  }
}
