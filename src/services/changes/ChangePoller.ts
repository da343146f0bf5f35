import type { CallContext, DossierPage, Logger } from '../../../connectors/contract';
import type { ErrorDetail } from '../../errors/GatewayError';
import type { NationalDossier } from '../../../connectors/model';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { resolveAgencyRoute } from '../../domain/routeDossierCode';
import { vietnamDate, vietnamIso } from '../../domain/vietnamTime';
import { dossierKey } from '../../domain/dossierKey';
import type { ConnectorRegistry, RegisteredRuntime } from '../../registry/ConnectorRegistry';
import type { ChangeTracker } from './ChangeTracker';
import { stateMark } from './stateMark';

/** Listed dossiers looked up in one poll at most; the rest are looked up by the next polls. */
export const LISTING_LOOKUPS_PER_POLL = 1000;
/** Pages of one agency's listing read in one poll at most (a guard against endless cursors). */
const MAX_PAGES = 500;
/** How far back the first changed-since read of a system goes. */
export const FIRST_MODIFIED_READ_MS = 86_400_000;

/** What one poll of one system did. */
export interface PollOutcome {
  connectorId: string;
  /** When it started (ms). */
  startedAt: number;
  durationMs: number;
  /** Dossiers read from the listings (changed since, and by date received). */
  listed: number;
  /** Listed dossiers looked up (their status or dates differed, or they were never seen). */
  lookedUp: number;
  /** Open dossiers rechecked. */
  rechecked: number;
  /** New states passed on. */
  changes: number;
  /** What went wrong (an error code and message each); the poll went on where it could. */
  problems: string[];
}

export interface ChangePollerDeps {
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  tracker: ChangeTracker;
  logger: Logger;
  now: () => Date;
  onPolled?: (outcome: PollOutcome) => void;
}

/**
 * One poll of one system for its changes, as its registration's `changes` says (docs/changes.md):
 * the dossiers changed since the last complete read (a mark shared by the replicas) and the
 * listing of recent days, whose dossiers are looked up when their status or dates differ from
 * those known, and the recheck of open dossiers, the longest unchecked first. Every call goes
 * through the system's runtime (rate limit, bulkhead, circuit breaker, retries) and ends with the
 * poll's budget; whatever was found is passed to the tracker as the poll goes.
 */
export class ChangePoller {
  constructor(private readonly deps: ChangePollerDeps) {}

  async poll(connectorId: string, signal: AbortSignal): Promise<PollOutcome> {
    const startedAt = Date.now();
    const outcome: PollOutcome = {
      connectorId,
      startedAt,
      durationMs: 0,
      listed: 0,
      lookedUp: 0,
      rechecked: 0,
      changes: 0,
      problems: [],
    };
    const runtime = this.deps.registry.runtime(connectorId);
    const changes = runtime?.registration.changes;
    if (runtime === undefined || changes === undefined) {
      outcome.problems.push(`NO_CONNECTOR: ${connectorId} is not registered, or polls no changes`);
      return this.done(outcome);
    }
    const call: CallContext = { signal, requestId: `changes-${connectorId}-${startedAt}` };
    try {
      if (changes.modified !== undefined)
        await this.readModified(runtime, changes.modified.overlapSeconds, call, outcome);
      if (changes.listing !== undefined && !signal.aborted)
        await this.readListing(runtime, changes.listing.days, call, outcome);
      if (changes.recheck !== undefined && !signal.aborted)
        await this.recheck(runtime, changes.recheck.perPoll, call, outcome);
    } catch (error) {
      // The known states could not be read or written: nothing found since is lost, the next
      // poll finds it again.
      outcome.problems.push(`CHANGES_UNAVAILABLE: ${(error as Error).message}`);
    }
    if (signal.aborted) outcome.problems.push('UPSTREAM_TIMEOUT: the poll ran out of time');
    return this.done(outcome);
  }

  private done(outcome: PollOutcome): PollOutcome {
    outcome.durationMs = Date.now() - outcome.startedAt;
    this.deps.onPolled?.(outcome);
    if (outcome.problems.length > 0)
      this.deps.logger.warn(
        {
          connector: outcome.connectorId,
          changes: outcome.changes,
          problems: outcome.problems.slice(0, 3),
        },
        'change poll incomplete',
      );
    return outcome;
  }

  /**
   * The listing of the last `days` days, agency by agency (once for a system whose listing
   * holds every unit's dossiers): dossiers never seen, or whose status or dates differ, are
   * looked up for their full state.
   */
  private async readListing(
    runtime: RegisteredRuntime,
    days: number,
    call: CallContext,
    outcome: PollOutcome,
  ): Promise<void> {
    if (!runtime.servesListing) {
      outcome.problems.push(
        `BAD_USER_INPUT: ${runtime.id} declares changes.listing but its registration has no listing`,
      );
      return;
    }
    const now = this.deps.now();
    const to = vietnamDate(now);
    const from = vietnamDate(new Date(now.getTime() - (days - 1) * 86_400_000));
    const agencies = this.agenciesOf(runtime.id, to);
    const read = runtime.listingFiltersByAgency ? agencies : agencies.slice(0, 1);
    const candidates: string[] = [];
    for (const agencyCode of read)
      await this.readPages(
        runtime.id,
        (cursor) => runtime.listDossiers({ agencyCode, from, to }, cursor, call),
        call,
        outcome,
        candidates,
      );
    outcome.lookedUp += await this.lookUp(
      runtime,
      candidates.slice(0, LISTING_LOOKUPS_PER_POLL),
      call,
      outcome,
    );
  }

  /**
   * The dossiers changed since the mark — the start of the last complete read — less the
   * overlap (a day back on the first read), page by page: those never seen, or whose status or
   * dates differ, are looked up. The mark moves to this read's start only when every page was
   * read and every differing dossier looked up; otherwise the next poll reads from the same mark.
   */
  private async readModified(
    runtime: RegisteredRuntime,
    overlapSeconds: number,
    call: CallContext,
    outcome: PollOutcome,
  ): Promise<void> {
    if (!runtime.servesChangedSince) {
      outcome.problems.push(
        `BAD_USER_INPUT: ${runtime.id} declares changes.modified but its registration has no changedSince request`,
      );
      return;
    }
    const states = this.deps.tracker.states;
    const startedAt = this.deps.now().getTime();
    const mark = await states.mark(runtime.id);
    const since = vietnamIso(
      new Date(mark === null ? startedAt - FIRST_MODIFIED_READ_MS : mark - overlapSeconds * 1000),
    );
    const problems = outcome.problems.length;
    const candidates: string[] = [];
    const complete = await this.readPages(
      runtime.id,
      (cursor) => runtime.listChangedSince(since, cursor, call),
      call,
      outcome,
      candidates,
    );
    if (!complete && outcome.problems.length === problems && !call.signal.aborted)
      outcome.problems.push(
        `UPSTREAM_BAD_RESPONSE: ${runtime.id}'s changes since ${since} go on past ${MAX_PAGES} pages`,
      );
    const unique = [...new Set(candidates)];
    if (complete && unique.length > LISTING_LOOKUPS_PER_POLL)
      outcome.problems.push(
        `${unique.length} changed dossiers, ${LISTING_LOOKUPS_PER_POLL} looked up: the next poll reads from the same mark`,
      );
    outcome.lookedUp += await this.lookUp(
      runtime,
      unique.slice(0, LISTING_LOOKUPS_PER_POLL),
      call,
      outcome,
    );
    if (complete && outcome.problems.length === problems && !call.signal.aborted)
      await states.setMark(runtime.id, startedAt);
  }

  /**
   * Reads a listing page by page (at most MAX_PAGES), adding to `candidates` the dossiers that
   * may have changed; true when its last page was read and every record could be read.
   */
  private async readPages(
    connectorId: string,
    page: (cursor: string | null) => Promise<DossierPage | { error: ErrorDetail }>,
    call: CallContext,
    outcome: PollOutcome,
    candidates: string[],
  ): Promise<boolean> {
    let cursor: string | null = null;
    let unreadable = 0;
    let last = false;
    for (let read = 0; read < MAX_PAGES && !call.signal.aborted && !last; read += 1) {
      const answer = await page(cursor);
      if ('error' in answer) {
        outcome.problems.push(`${answer.error.code}: ${answer.error.message}`);
        return false;
      }
      outcome.listed += answer.dossiers.length;
      unreadable += answer.unreadable;
      candidates.push(...(await this.differing(connectorId, answer.dossiers)));
      cursor = answer.next;
      last = cursor === null;
    }
    // Records the mapping could not read may be changes: said, and the read is not complete.
    if (unreadable > 0)
      outcome.problems.push(
        `UPSTREAM_BAD_RESPONSE: ${unreadable} listed record(s) of ${connectorId} could not be read`,
      );
    return last && unreadable === 0;
  }

  /**
   * Listed dossiers that may have changed: never seen, or whose status or dates differ from those
   * known, or whose newest step (when the listing gives steps) is newer than the state known.
   */
  private async differing(
    connectorId: string,
    listed: readonly NationalDossier[],
  ): Promise<string[]> {
    // By the dossiers' keys, as the states are known (upper-cased for case-insensitive codes).
    const codes = this.deps.registry.runtime(connectorId)?.registration.coverage.codes;
    const keys = listed.map((dossier) => dossierKey(codes, dossier.code));
    const known = await this.deps.tracker.states.cores(connectorId, keys);
    return keys.filter((_, index) => {
      const before = known[index];
      const mark = stateMark(listed[index] as NationalDossier);
      return before == null || before.core !== mark.core || mark.version > before.version;
    });
  }

  private async recheck(
    runtime: RegisteredRuntime,
    perPoll: number,
    call: CallContext,
    outcome: PollOutcome,
  ): Promise<void> {
    const codes = await this.deps.tracker.states.dueForRecheck(runtime.id, perPoll);
    outcome.rechecked += await this.lookUp(runtime, codes, call, outcome);
  }

  /**
   * Looks the codes up (the runtime cuts them into calls) and hands what it found on; returns how
   * many it looked up.
   */
  private async lookUp(
    runtime: RegisteredRuntime,
    codes: readonly string[],
    call: CallContext,
    outcome: PollOutcome,
  ): Promise<number> {
    if (codes.length === 0) return 0;
    const unique = [...new Set(codes)];
    const answers = await runtime.getDossiers(unique, call);
    const found: NationalDossier[] = [];
    const gone: string[] = [];
    const failed: string[] = [];
    let firstError: string | null = null;
    unique.forEach((code, index) => {
      const answer = answers[index];
      if (answer?.kind === 'found') found.push(answer.dossier);
      else if (answer?.kind === 'notFound') gone.push(code);
      else {
        failed.push(code);
        firstError ??=
          answer === undefined ? 'no answer' : `${answer.error.code}: ${answer.error.message}`;
      }
    });
    const states = this.deps.tracker.states;
    const changes = await this.deps.tracker.observe(runtime.registration, found, 'poll');
    outcome.changes += changes.length;
    await states.drop(runtime.id, gone);
    // Failed ones wait for their turn again, behind the others.
    await states.touch(runtime.id, failed, this.deps.now().getTime());
    if (firstError !== null)
      outcome.problems.push(`${failed.length} lookups failed, e.g. ${firstError}`);
    return unique.length;
  }

  /** The agencies whose dossiers route to the system today (not through successors). */
  private agenciesOf(connectorId: string, today: string): string[] {
    const { directory, registry } = this.deps;
    const own: string[] = [];
    for (const agency of directory.list({ activeOn: today })) {
      const route = resolveAgencyRoute(agency, directory, registry.coverage, today);
      if (route?.id === connectorId && route.via.length === 0) own.push(agency.code);
    }
    return own;
  }
}
