import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import {
  canonicalAgencyCode,
  hierarchyKeys,
  isHierarchyKey,
} from '../../../connectors/shared/agencyCode';
import type { NationalDossier } from '../../../connectors/model';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import type { WorkingTimeService } from '../calendar/WorkingTimeService';
import { withGatewaySync, type SyncedByGateway } from './gatewaySync';
import { withAgencyStatusMeaning } from '../../domain/agencyStatusMeaning';
import { resolveAgencyRoute } from '../../domain/routeDossierCode';
import { vietnamDate } from '../../domain/vietnamTime';
import { reportPeriod, type ReportPeriod } from './classifyDossier';
import { IndicatorAccumulator, type AccumulatorState } from './indicators';
import { listedAgency, namedAgency } from './listedAgency';
import { ReportRefusedError } from './ReportRefusedError';
import { buildReportResult, type ReportSource } from './reportResult';
import type { ReportRules } from './reportRules';
import { noProgress, type ReportJob, type ReportSpec } from './ReportJob';
import type { IndicatorTargets } from './targets';

/**
 * Where a report stands after a page: enough to carry on from there in another process, with the
 * same result as an uninterrupted run. Written after every page by a durable queue; the figures
 * count the pages before `cursor` of `agencies[agencyIndex]` and nothing after it, so a worker
 * that dies between a page and its checkpoint reads that page again and counts it once.
 */
export interface ReportCheckpoint {
  /** The agencies, fixed when the report started (a later directory change does not move them). */
  agencies: string[];
  agencyIndex: number;
  /**
   * Which listing of the current agency is being read: `before` (the `carryOverDays` before the
   * period, for the dossiers carried over) or `period` (the period itself).
   */
  phase: 'before' | 'period';
  /**
   * The agencies the current listing is read for: the current agency alone, or, when its system
   * lists every unit's dossiers (`listing.filtersByAgency: false`), every agency of the report
   * that system serves and that is still to come, read once together. Empty before the current
   * agency's first page.
   */
  readFor: string[];
  /** Agencies already counted through another agency's listing: skipped when their turn comes. */
  readWithOthers: string[];
  /** The next page's cursor within the current listing (null: its first page). */
  cursor: string | null;
  /** Cursors already followed within the current agency (a repeated one stops the listing). */
  seenCursors: string[];
  previousPage: string | null;
  /** Unfinished dossiers are judged at this instant (ISO), fixed at the start. */
  periodEnd: string;
  /** The rules the report counts by, fixed at the start. */
  rules: ReportRules;
  startedAt: string;
  accumulator: AccumulatorState;
  progress: ReportJob['progress'];
  problems: string[];
  /** The systems read so far: what each listed, and when (the report's freshness). */
  sources: ReportSource[];
}

export interface ReportRunDeps {
  /** Targets by level and the rules where the sources leave room (INDICATOR_TARGETS_FILE). */
  targets: IndicatorTargets;
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  workingTime: WorkingTimeService;
  now: () => Date;
  /** The sync bridge's deliveries, when it is on (indicator 1.4: gatewaySync.ts). */
  synced?: SyncedByGateway;
}

export interface RunHooks {
  /** Aborted when the report is cancelled or the worker stops. */
  signal: AbortSignal;
  /** Called after every page with where the report stands (and the job's progress updated). */
  checkpoint(state: ReportCheckpoint): Promise<void>;
}

/** The first checkpoint of a report: its agencies fixed, nothing counted yet. */
export function startingPoint(job: ReportJob, deps: ReportRunDeps): ReportCheckpoint {
  const rules = deps.targets.rules;
  // An agency closed before the period (a 2025 merger) may still hold dossiers carried over.
  const agencies = expandAgencies(
    job.spec,
    deps.directory,
    carryOverRange(job.spec.from, rules.carryOverDays).from,
  );
  const now = deps.now();
  // Unfinished dossiers are judged at the end of the period, or now when that is still to come.
  const period = reportPeriod(job.spec.from, job.spec.to, now);
  return {
    agencies,
    agencyIndex: 0,
    phase: rules.carryOverDays > 0 ? 'before' : 'period',
    readFor: [],
    readWithOthers: [],
    cursor: null,
    seenCursors: [],
    previousPage: null,
    periodEnd: period.end.toISOString(),
    rules,
    startedAt: now.toISOString(),
    accumulator: new IndicatorAccumulator(deps.workingTime, period, rules).snapshot(),
    progress: noProgress(agencies.length),
    problems: [],
    sources: [],
  };
}

/**
 * Runs a report from a checkpoint to its end, page by page through each agency's system; memory
 * holds one page and the counters. Returns null when stopped by the signal (nothing is final then:
 * the last checkpoint is where a resumed run carries on). `job.progress` and `job.problems` follow
 * the run; the result is written to `job.result`.
 */
export async function runReport(
  job: ReportJob,
  from: ReportCheckpoint,
  deps: ReportRunDeps,
  hooks: RunHooks,
): Promise<ReportJob['result']> {
  // A checkpoint written before the result form (no rules, no rows): its counts cannot be carried
  // on, so the report starts again from its first page.
  // The same for one written before listings could be read for several agencies together.
  const resumable =
    from.rules !== undefined &&
    Array.isArray(from.accumulator.rows) &&
    Array.isArray(from.sources) &&
    Array.isArray(from.readFor) &&
    Array.isArray(from.readWithOthers);
  const start = resumable ? from : startingPoint(job, deps);
  const state: ReportCheckpoint = {
    ...start,
    readFor: [...start.readFor],
    readWithOthers: [...start.readWithOthers],
    seenCursors: [...start.seenCursors],
    problems: [...start.problems],
    progress: { ...start.progress },
    sources: start.sources.map((source) => ({ ...source, agencies: [...source.agencies] })),
  };
  job.progress = state.progress;
  job.problems = state.problems;
  job.startedAt = new Date(state.startedAt);
  const period: ReportPeriod = {
    ...reportPeriod(job.spec.from, job.spec.to, new Date(state.periodEnd)),
    end: new Date(state.periodEnd),
  };
  const accumulator = new IndicatorAccumulator(deps.workingTime, period, state.rules);
  accumulator.restore(state.accumulator);
  const save = async () => {
    state.accumulator = accumulator.snapshot();
    updateProgress(state, deps.now());
    await hooks.checkpoint(state);
  };
  const { signal } = hooks;
  while (state.agencyIndex < state.agencies.length) {
    if (signal.aborted) return null;
    const agencyCode = state.agencies[state.agencyIndex] as string;
    const listing = listingOf(job, agencyCode, deps);
    if (typeof listing === 'string') {
      addProblem(state, listing);
      nextAgency(state);
      await save();
      continue;
    }
    const filtersByAgency = listing.listingFiltersByAgency;
    if (state.readFor.length === 0)
      state.readFor = filtersByAgency ? [agencyCode] : readTogether(job, state, listing.id, deps);
    // Problems name the agencies the listing is read for.
    const named = state.readFor.join(', ');
    const range =
      state.phase === 'before'
        ? carryOverRange(job.spec.from, state.rules.carryOverDays)
        : { from: job.spec.from, to: job.spec.to };
    const page = await listing.listDossiers({ agencyCode, ...range }, state.cursor, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
      requestId: `report-${job.id}`,
    });
    if (signal.aborted) return null;
    if ('error' in page) {
      addProblem(state, `${named}: ${page.error.code}: ${page.error.message}`);
      nextAgency(state);
      await save();
      continue;
    }
    // A system that ignores the page asked answers the same page again: stop, do not count it twice.
    const signature = `${page.dossiers.length}:${page.dossiers[0]?.code ?? ''}:${page.dossiers.at(-1)?.code ?? ''}`;
    if (page.dossiers.length > 0 && signature === state.previousPage) {
      addProblem(state, `${named}: ${listing.id} answered the same page twice; listing stopped`);
      nextListing(state);
      await save();
      continue;
    }
    state.previousPage = signature;
    const {
      dossiers: listed,
      fromGateway,
      problem,
    } = await withGatewaySync(page.dossiers, listing.registration, deps.synced);
    if (signal.aborted) return null;
    // Said once per report, not once per page.
    if (problem !== null && !state.problems.includes(problem)) addProblem(state, problem);
    if (page.unreadable > 0)
      addProblem(state, `${named}: ${page.unreadable} record(s) could not be read`);
    // Whose each listed dossier is, before any is counted: a page that cannot be told is refused whole.
    const rows = filtersByAgency
      ? listed.map((dossier) => askedRow(dossier, agencyCode, state, deps))
      : gatewayRows(listed, listing.id, state, deps);
    let outside = 0;
    let counted = 0;
    let elsewhere = 0;
    let otherUnits = 0;
    let failed = 0;
    for (const [index, dossier] of listed.entries()) {
      const row = rows[index] as Row;
      const day = dossier.receivedAt === null ? null : vietnamDate(new Date(dossier.receivedAt));
      if (row.kind === 'elsewhere') elsewhere += 1;
      else if (row.kind === 'outside-report') otherUnits += 1;
      else if (day === null || day < range.from || day > range.to) outside += 1;
      else {
        // One record whose dates defeat the arithmetic (a due date in 1900, a span of centuries)
        // is left out and said, not allowed to fail the whole report.
        try {
          const read = withAgencyStatusMeaning(dossier, deps.directory, row.agency);
          if (accumulator.add(read, row.agency) === 'counted') counted += 1;
        } catch {
          failed += 1;
        }
      }
    }
    if (failed > 0)
      addProblem(
        state,
        `${named}: ${failed} dossier(s) have dates that cannot be counted in working time (out of range); left out`,
      );
    // A system said to filter by agency that lists another unit's dossiers all the same.
    if (elsewhere > 0)
      addProblem(
        state,
        `${agencyCode}: ${elsewhere} listed dossier(s) belong to another agency by their own data; left out (does ${listing.id}'s listing filter by agency? If not, declare listing.filtersByAgency: false)`,
      );
    if (outside > 0)
      addProblem(
        state,
        `${named}: ${outside} listed dossier(s) were received outside ${range.from} → ${range.to} (or undated); left out`,
      );
    state.progress.pages += 1;
    noteSource(state, listing.id, filtersByAgency, page.dossiers.length, otherUnits, deps.now());
    noteGatewaySync(state, listing.id, fromGateway);
    state.progress.dossiers += counted;
    if (page.next === null) {
      nextListing(state);
    } else if (state.seenCursors.includes(page.next)) {
      addProblem(state, `${named}: ${listing.id} repeated a page cursor; listing stopped`);
      nextListing(state);
    } else {
      state.seenCursors.push(page.next);
      state.cursor = page.next;
    }
    await save();
  }
  if (signal.aborted) return null;
  job.result = buildReportResult(accumulator.result(), {
    period,
    rules: state.rules,
    complete: state.problems.length === 0,
    directory: deps.directory,
    targets: deps.targets,
    sources: state.sources,
  });
  return job.result;
}

/**
 * Where a listed dossier is counted: in an agency's row, or left out as another unit's — of one
 * the system says is another agency's although it filters by agency (`elsewhere`: a problem), or
 * of a unit outside the report in a listing of every unit (`outside-report`: expected, counted in
 * the source).
 */
type Row = { kind: 'agency'; agency: string } | { kind: 'elsewhere' } | { kind: 'outside-report' };

/**
 * A dossier of a listing that filters by agency is the asked agency's: unless its own agency (as
 * mapped) is another unit of the directory — not one the asked agency took over in a merger (old
 * dossiers keep the old codes), and not one the report lists itself (then it counts there, once).
 * No agency, or one the directory does not know, says nothing against the system.
 */
function askedRow(
  dossier: NationalDossier,
  asked: string,
  state: ReportCheckpoint,
  deps: ReportRunDeps,
): Row {
  const mapped = dossier.agencyCode === null ? null : canonicalAgencyCode(dossier.agencyCode);
  const where = listedAgency(mapped, new Set([asked]), new Set(state.agencies), deps.directory);
  return where.kind === 'another' ? { kind: 'elsewhere' } : { kind: 'agency', agency: asked };
}

/**
 * The rows of a page from a system that lists every unit's dossiers: each dossier in the row of
 * the agency it names (its mapped agency, else its code's; a closed agency's in its successor's,
 * listedAgency.ts), units outside the report left out. A dossier whose agency cannot be told
 * refuses the report: counting it anywhere would be a guess, and leaving it out a silent gap.
 */
function gatewayRows(
  dossiers: readonly NationalDossier[],
  connector: string,
  state: ReportCheckpoint,
  deps: ReportRunDeps,
): Row[] {
  const readFor = new Set(state.readFor);
  const reported = new Set(state.agencies);
  const untold: string[] = [];
  const codes = deps.registry.runtime(connector)?.registration.coverage.codes;
  const rows = dossiers.map((dossier): Row => {
    const where = listedAgency(namedAgency(dossier, codes), readFor, reported, deps.directory);
    if (where.kind === 'unknown') {
      untold.push(
        where.code === null
          ? `${dossier.code} (no agency)`
          : `${dossier.code} (agency ${JSON.stringify(where.code.slice(0, 40))})`,
      );
      return { kind: 'outside-report' };
    }
    return where.kind === 'agency'
      ? { kind: 'agency', agency: where.code }
      : { kind: 'outside-report' };
  });
  if (untold.length > 0)
    throw new ReportRefusedError(
      'UNKNOWN_AGENCY',
      `${connector} lists every unit's dossiers (listing.filtersByAgency: false), and the agency of ` +
        `${untold.length} listed dossier(s) is not in the agency directory or not given, e.g. ` +
        `${untold.slice(0, 3).join(', ')}: whose they are cannot be told, so the report is refused ` +
        `rather than count them under a wrong unit or leave them out unsaid. Map the agency code ` +
        `(mapping.agencyCode), or add the agency to the directory`,
    );
  return rows;
}

/**
 * The agencies of the report, from the current one on, that `connector` serves and that no
 * listing has counted yet: a system that lists every unit's dossiers is read once for all of them.
 */
function readTogether(
  job: ReportJob,
  state: ReportCheckpoint,
  connector: string,
  deps: ReportRunDeps,
): string[] {
  return state.agencies.slice(state.agencyIndex).filter((code) => {
    if (state.readWithOthers.includes(code)) return false;
    const listing = listingOf(job, code, deps);
    return typeof listing !== 'string' && listing.id === connector;
  });
}

/** Records a page read from a system (for the report's list of sources). */
function noteSource(
  state: ReportCheckpoint,
  connector: string,
  filtersByAgency: boolean,
  dossiers: number,
  otherAgencies: number,
  at: Date,
): void {
  let source = state.sources.find((entry) => entry.connector === connector);
  if (source === undefined) {
    source = {
      connector,
      agencies: [],
      agencyFilter: filtersByAgency ? 'SYSTEM' : 'GATEWAY',
      pages: 0,
      dossiers: 0,
      otherAgencies: 0,
      syncFromGateway: 0,
      firstReadAt: at.toISOString(),
      lastReadAt: at.toISOString(),
    };
    state.sources.push(source);
  }
  for (const code of state.readFor) if (!source.agencies.includes(code)) source.agencies.push(code);
  source.pages += 1;
  source.dossiers += dossiers;
  source.otherAgencies += otherAgencies;
  source.lastReadAt = at.toISOString();
}

/** Listed dossiers whose sync to the portal was read from the gateway's bridge (1.4). */
function noteGatewaySync(state: ReportCheckpoint, connector: string, count: number): void {
  const source = state.sources.find((entry) => entry.connector === connector);
  if (source !== undefined) source.syncFromGateway = (source.syncFromGateway ?? 0) + count;
}

/** The days before the period listed for carried-over dossiers. */
function carryOverRange(from: string, days: number): { from: string; to: string } {
  const start = Date.parse(`${from}T00:00:00Z`);
  const day = (offset: number) => new Date(start + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-days), to: day(-1) };
}

/** The agency's system when it lists dossiers, or why not. */
function listingOf(job: ReportJob, agencyCode: string, deps: ReportRunDeps) {
  const agency = deps.directory.get(agencyCode);
  const route =
    agency === undefined
      ? undefined
      : resolveAgencyRoute(agency, deps.directory, deps.registry.coverage, job.spec.to);
  const runtime = route === undefined ? undefined : deps.registry.runtime(route.id);
  if (runtime === undefined) return `${agencyCode}: no registered system covers it`;
  if (!runtime.servesListing) return `${agencyCode}: ${runtime.id} lists no dossiers`;
  return runtime;
}

/** After the carry-over listing, the period's; after that, the next agency. */
function nextListing(state: ReportCheckpoint): void {
  if (state.phase === 'before') {
    state.phase = 'period';
    state.cursor = null;
    state.seenCursors = [];
    state.previousPage = null;
  } else nextAgency(state);
}

/**
 * The current agency is done; so are the others its listing was read for (counted, or not
 * listable with it: read again, a listing that failed part-way would count its first pages twice).
 */
function nextAgency(state: ReportCheckpoint): void {
  const current = state.agencies[state.agencyIndex];
  for (const code of state.readFor)
    if (code !== current && !state.readWithOthers.includes(code)) state.readWithOthers.push(code);
  state.readFor = [];
  do state.agencyIndex += 1;
  while (
    state.agencyIndex < state.agencies.length &&
    state.readWithOthers.includes(state.agencies[state.agencyIndex] as string)
  );
  state.phase = state.rules.carryOverDays > 0 ? 'before' : 'period';
  state.cursor = null;
  state.seenCursors = [];
  state.previousPage = null;
  state.progress.agenciesDone = state.agencyIndex;
}

function updateProgress(state: ReportCheckpoint, now: Date): void {
  const { agenciesDone, agenciesTotal } = state.progress;
  const fraction = agenciesTotal === 0 ? 1 : agenciesDone / agenciesTotal;
  state.progress.percent = Math.round(fraction * 1000) / 10;
  const elapsed = now.getTime() - new Date(state.startedAt).getTime();
  state.progress.etaSeconds =
    fraction === 0 ? null : Math.max(0, Math.round((elapsed / fraction - elapsed) / 1000));
}

/**
 * Agency codes of the spec: exact codes, and every agency under a hierarchy key valid at some time
 * from `since` (the first day listed for carried-over dossiers) to the period's end.
 */
function expandAgencies(spec: ReportSpec, directory: AgencyDirectory, since: string): string[] {
  const codes = new Set<string>();
  for (const entry of spec.agencies) {
    if (isHierarchyKey(entry)) {
      for (const agency of directory.list({})) {
        const overlaps =
          (agency.validFrom === null || agency.validFrom <= spec.to) &&
          (agency.validTo === null || agency.validTo >= since);
        if (overlaps && hierarchyKeys(agency.code).includes(entry)) codes.add(agency.code);
      }
    } else {
      const agency = directory.get(entry);
      if (agency !== undefined) codes.add(agency.code);
    }
  }
  return [...codes].sort();
}

/** Problems kept with a report; past this, one line says more were left out. */
const MAX_PROBLEMS = 200;

function addProblem(state: ReportCheckpoint, problem: string): void {
  if (state.problems.length < MAX_PROBLEMS) state.problems.push(problem);
  else if (state.problems.length === MAX_PROBLEMS)
    state.problems.push(`more problems than ${MAX_PROBLEMS}; the rest are left out`);
}
