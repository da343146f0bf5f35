import type { ExpressionLimitError } from '../../../connectors/shared/expression/ExpressionLimitError';
import type { Registration } from '../../registry/Registration';

/**
 * Evaluations in a row stopped by a limit, on as many different inputs, before a registration is
 * quarantined. Default 5.
 */
export const QUARANTINE_AFTER = 5;

/**
 * Watches every evaluation of the runtime registrations' expressions and quarantines a version
 * one of whose expressions keeps being stopped by its limits: evaluations of it in a row, none
 * completing between them, stopped on `QUARANTINE_AFTER` different inputs (the registration's
 * other expressions, such as a record selector, do not count). A bad expression is stopped on
 * every record; a good one meeting one odd record completes on the next, which starts its count
 * again — and the same odd record asked for again and again counts once, so nobody can quarantine
 * a province's registration by looking one dossier up repeatedly.
 *
 * Only limits that are the same on every run count (steps, depth, sizes, refused functions): the
 * time limit also depends on how busy the machine is, and a load spike must not quarantine every
 * registration at once. Static registrations (files) are not quarantined: they are reviewed
 * deployment configuration, checked at start-up, and have no store version to mark.
 */
export class QuarantineWatch {
  /** Per registration id: its version and, per expression source, the inputs stopped in a row. */
  private readonly streaks = new Map<
    string,
    { version: number; stops: Map<string, Set<string>> }
  >();

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
    const inputs = streak.stops.get(source) ?? new Set<string>();
    streak.stops.set(source, inputs);
    if (inputs.size < this.after) inputs.add(stopped.inputKey ?? `#${inputs.size}`);
    // Every stop from then on asks again: a quarantine that could not be stored is retried.
    if (inputs.size >= this.after) {
      this.quarantine(
        id,
        version,
        `evaluations of one expression stopped by a limit on ${inputs.size} different records in a row; the last: ${stopped.message}`,
      );
    }
  }
}
