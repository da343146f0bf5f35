import type { ConnectorKind, Logger } from '../../../connectors/contract';
import { CoverageIndex } from '../../domain/CoverageIndex';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import { crossCheck } from '../../registry/loadRegistrationFiles';
import type { Registration } from '../../registry/Registration';
import type { RegistrationStore, StoredRegistration } from '../../registry/RegistrationStore';
import { coverageSchema, type Coverage } from '../../registry/registrationSchema';
import type { SecretBox } from '../../registry/secretBox';
import { StoredReads, type StoredRead } from './StoredReads';

/** A switched-on runtime registration that is not routed, and why. */
export interface UnroutedRegistration {
  id: string;
  version: number;
  /**
   * Sealed with a key not configured, no longer valid (e.g. a kind removed), in conflict, or
   * quarantined (expressions unsafe under the current rules, or kept stopped by their limits).
   */
  problem: 'unreadable' | 'invalid' | 'conflict' | 'quarantined';
  /** Words for the log (field paths, key ids; never a secret). */
  detail: string;
}

export interface RoutingDeps {
  store: RegistrationStore;
  registry: ConnectorRegistry;
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>;
  secrets: SecretBox;
  logger: Logger;
  /** Called with the ids whose registration is new or changed (the catalogue syncs them). */
  onChanged?: (ids: string[]) => void;
  /** Asked to mark a stored version quarantined, found unsafe under the current rules. */
  quarantine: (id: string, version: number, reason: string) => void;
}

/**
 * Applies the stored runtime registrations to routing (the ConnectorRegistry and its coverage
 * index), with the static ones, on every change here or on another replica: the switched-on
 * versions that can be read and fit together are routed, the others reported (health) and left
 * as they were. It also answers whether a version about to be stored would fit.
 */
export class RegistrationRouting {
  private runtime: StoredRegistration[] = [];
  /** Switched-on runtime registrations not routed at the last reload, and why. */
  private unrouted: UnroutedRegistration[] = [];
  /** Why the last reload could not read the store; null when it could. */
  private storeError: string | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private pending = false;
  private readonly reads: StoredReads;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: RoutingDeps,
    private readonly statics: readonly Registration[],
  ) {
    this.reads = new StoredReads(deps.kinds, deps.secrets);
    this.unsubscribe = deps.store.onChange(() => void this.reload());
  }

  close(): void {
    this.unsubscribe();
  }

  /** Reloads from the store (serialised; a change during a reload triggers one more). */
  reload(): Promise<void> {
    if (this.pending) return this.reloading;
    this.pending = true;
    this.reloading = this.reloading.then(async () => {
      this.pending = false;
      try {
        await this.apply(await this.deps.store.latest());
        this.storeError = null;
      } catch (error) {
        this.storeError = (error as Error).message;
        this.deps.logger.error({ err: this.storeError }, 'registry reload failed');
      }
    });
    return this.reloading;
  }

  /**
   * For /readyz: runtime registrations switched on but not routed (unreadable with the configured
   * secrets keys, no longer valid, or in conflict with another), and a store that cannot be read
   * (routing then stays as it was).
   */
  health(): { unrouted: readonly UnroutedRegistration[]; storeError: string | null } {
    return { unrouted: this.unrouted, storeError: this.storeError };
  }

  /**
   * Keeps the read of a version this replica is storing, so the reload that routes it does not
   * read it again; forgotten when it was not stored.
   */
  remember(record: StoredRegistration, read: StoredRead): void {
    this.reads.remember(record, read);
  }

  /** Drops what `remember` kept for a version that was then not stored. */
  forget(record: StoredRegistration): void {
    this.reads.forget(record);
  }

  /** The latest stored version of every runtime id, deletions included, as of the last reload. */
  latest(): readonly StoredRegistration[] {
    return this.runtime;
  }

  /**
   * How a version about to be stored reads for routing: from what routing keeps, or anew (a
   * write that validated its document has the registration already).
   */
  read(record: StoredRegistration): StoredRead {
    return this.reads.read(record);
  }

  /**
   * Problems of `record`, read as `read`, among the static and the other switched-on runtime
   * registrations.
   */
  conflicts(record: StoredRegistration, read: StoredRead): string[] {
    if (!('registration' in read)) return [`(document): ${read.problem}: ${read.detail}`];
    const candidate = read.registration;
    const others = this.active().filter((registration) => registration.id !== record.id);
    // A quarantined registration is not routed, but its coverage stays its own: a new version of
    // it takes it back, and no other registration may take it meanwhile.
    const held = CoverageIndex.conflicts([
      ...this.quarantinedClaims().filter((claim) => claim.id !== record.id),
      candidate,
    ]).map(
      (conflict) =>
        `coverage: ${conflict.key} is held by the quarantined registration "${conflict.first}"`,
    );
    return [
      ...crossCheck([...others, candidate])
        .filter((problem) => problem.file.includes(record.id) || problem.path === 'coverage')
        .map((problem) => `${problem.path}: ${problem.message}`),
      ...held,
    ];
  }

  /** The coverage of the switched-on runtime registrations that are quarantined. */
  private quarantinedClaims(): Array<{ id: string; coverage: Coverage }> {
    return this.unrouted
      .filter((entry) => entry.problem === 'quarantined')
      .flatMap((entry) => {
        const stored = this.runtime.find((candidate) => candidate.id === entry.id);
        const coverage = coverageSchema.safeParse(
          (stored?.document as { coverage?: unknown } | undefined)?.coverage,
        );
        return coverage.success ? [{ id: entry.id, coverage: coverage.data }] : [];
      });
  }

  private active(): Registration[] {
    return [
      ...this.statics,
      ...this.runtime
        .filter((stored) => stored.enabled && !stored.deleted)
        .flatMap((stored) => this.toRegistration(stored) ?? []),
    ];
  }

  private toRegistration(stored: StoredRegistration): Registration | null {
    const read = this.reads.read(stored);
    return 'registration' in read ? read.registration : null;
  }

  /** Routes to the static and switched-on runtime registrations that fit together. */
  private async apply(latest: StoredRegistration[]): Promise<void> {
    const before = new Map(
      this.deps.registry.registrations().map((r) => [r.id, JSON.stringify(r)]),
    );
    this.runtime = latest;
    const accepted: Registration[] = [...this.statics];
    const unrouted: UnroutedRegistration[] = [];
    for (const [stored, read] of this.reads.readLatest(latest)) {
      if (!('registration' in read)) {
        unrouted.push({ id: stored.id, version: stored.version, ...read });
        continue;
      }
      // A registration racing another replica's into the same coverage: the first one wins here,
      // and the other is reported rather than half-applied.
      const problems = crossCheck([...accepted, read.registration]);
      if (problems.length > 0) {
        unrouted.push({
          id: stored.id,
          version: stored.version,
          problem: 'conflict',
          detail: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        });
        continue;
      }
      accepted.push(read.registration);
    }
    for (const problem of unrouted) {
      if (!this.unrouted.some((u) => u.id === problem.id && u.version === problem.version))
        this.deps.logger.error({ ...problem }, 'runtime registration not routed');
      // Unsafe under the current rules but not yet marked: marked once, by whichever replica
      // stores it first (the store's compare-and-set), audited there. Not awaited: storing it
      // reloads, and this is a reload.
      const stored = latest.find((candidate) => candidate.id === problem.id);
      if (problem.problem === 'quarantined' && !stored?.quarantine)
        this.deps.quarantine(problem.id, problem.version, `unsafe expressions: ${problem.detail}`);
    }
    this.unrouted = unrouted;
    await this.deps.registry.replaceAll(accepted);
    const changed = accepted
      .filter((registration) => before.get(registration.id) !== JSON.stringify(registration))
      .map((registration) => registration.id);
    if (changed.length > 0) this.deps.onChanged?.(changed);
  }
}
