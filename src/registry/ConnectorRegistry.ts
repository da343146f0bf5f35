import type { ConnectorKind } from '../../connectors/contract';
import { ConnectorRuntime, type RuntimeDeps } from '../runtime/ConnectorRuntime';
import { CoverageIndex } from '../domain/CoverageIndex';
import { settingsDigest, type Registration } from './Registration';

/** A runtime with the whole registration it was built from. */
export type RegisteredRuntime = ConnectorRuntime<Registration>;

/**
 * The registered connectors the gateway routes to: one runtime per registration and the coverage
 * index over them, swapped as one snapshot so a request never sees half a change.
 */
export class ConnectorRegistry {
  private snapshot: { runtimes: ReadonlyMap<string, RegisteredRuntime>; coverage: CoverageIndex };

  constructor(
    private readonly kinds: ReadonlyMap<string, ConnectorKind<unknown>>,
    private readonly deps: RuntimeDeps<Registration>,
  ) {
    this.snapshot = { runtimes: new Map(), coverage: new CoverageIndex([]) };
  }

  /**
   * Replaces every registration at once. Registrations must already be validated. A registration
   * that did not change keeps its runtime (its token, circuit and connections); the others get new
   * ones and the old ones close.
   */
  async replaceAll(registrations: readonly Registration[]): Promise<void> {
    const previous = this.snapshot.runtimes;
    const kept = new Set<RegisteredRuntime>();
    const runtimes = new Map(
      registrations.map((registration) => {
        const existing = previous.get(registration.id);
        if (existing !== undefined && sameRegistration(existing.registration, registration)) {
          kept.add(existing);
          return [registration.id, existing] as const;
        }
        const kind = this.kinds.get(registration.kind);
        if (kind === undefined)
          throw new TypeError(`No connector kind "${registration.kind}" for ${registration.id}`);
        return [registration.id, ConnectorRuntime.create(registration, kind, this.deps)] as const;
      }),
    );
    this.snapshot = { runtimes, coverage: new CoverageIndex(registrations) };
    await Promise.all(
      [...previous.values()]
        .filter((runtime) => !kept.has(runtime))
        .map((runtime) => runtime.close()),
    );
  }

  get coverage(): CoverageIndex {
    return this.snapshot.coverage;
  }

  runtime(id: string): RegisteredRuntime | undefined {
    return this.snapshot.runtimes.get(id);
  }

  registrations(): Registration[] {
    return [...this.snapshot.runtimes.values()].map((runtime) => runtime.registration);
  }

  async close(): Promise<void> {
    await Promise.all([...this.snapshot.runtimes.values()].map((runtime) => runtime.close()));
  }
}

/** Same settings (its origin, e.g. a new version number alone, does not count). */
function sameRegistration(a: Registration, b: Registration): boolean {
  return settingsDigest(a) === settingsDigest(b);
}
