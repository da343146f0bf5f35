import type { ExpressionLimitError } from '../../../connectors/shared/expression/ExpressionLimitError';
import type { Registration } from '../../registry/Registration';

/** Evaluations in a row stopped by a limit before a registration is quarantined. Default 5. */
export const QUARANTINE_AFTER = 5;

/**
 * Watches every evaluation of the runtime registrations' expressions and quarantines a version
 * one of whose expressions keeps being stopped by its limits: `QUARANTINE_AFTER` evaluations of it
 * in a row, none completing between them (the registration's other expressions, such as a record
 * selector, do not count). A bad expression is stopped on every record; a good one meeting one odd
 * record completes on the next, which starts its count again.
 *
 * Only limits that are the same on every run count (steps, depth, sizes, refused functions): the
 * time limit also depends on how busy the machine is, and a load spike must not quarantine every
 * registration at once. Static registrations (files) are not quarantined: they are reviewed
 * deployment configuration, checked at start-up, and have no store version to mark.
 */
export class QuarantineWatch {
  /** Per registration id: its version and, per expression source, the stops in a row. */
  private readonly streaks = new Map<string, { version: number; stops: Map<string, number> }>();

  constructor(
    private readonly quarantine: (id: string, version: number, reason: string) => void,
    private readonly after = QUARANTINE_AFTER,
  ) {}

  observe(registration: Registration, stopped: ExpressionLimitError | null, source: string): void {
    if (registration.origin.type !== 'runtime') return;
    const { id } = registration;
    const version = registration.origin.version;
    let streak = this.streaks.get(id);
    if (streak === undefined || streak.version !== version) {
      if (stopped === null) return;
      streak = { version, stops: new Map() };
      this.streaks.set(id, streak);
    }
    if (stopped === null) {
      streak.stops.delete(source);
      return;
    }
    if (stopped.limit === 'time') return;
    const stops = (streak.stops.get(source) ?? 0) + 1;
    streak.stops.set(source, stops);
    if (stops === this.after) {
      this.quarantine(
        id,
        version,
        `${stops} evaluations in a row stopped by a limit; the last: ${stopped.message}`,
      );
    }
  }
}
