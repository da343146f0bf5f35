import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import { hierarchyKeys, isHierarchyKey } from '../agencies/agencyCode';
import type { AgencyDirectory } from '../agencies/AgencyDirectory';
import type { WorkingTimeService } from '../calendar/WorkingTimeService';
import { resolveAgencyRoute } from '../routing/routeDossierCode';
import { vietnamDate } from '../vietnamTime';
import { IndicatorAccumulator, type AccumulatorState } from './indicators';
import { noProgress, type ReportJob, type ReportSpec } from './ReportJob';
import { IndicatorTargets } from './targets';

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
  /** The next page's cursor within the current agency (null: its first page). */
  cursor: string | null;
  /** Cursors already followed within the current agency (a repeated one stops the listing). */
  seenCursors: string[];
  previousPage: string | null;
  /** Unfinished dossiers are judged at this instant (ISO), fixed at the start. */
  periodEnd: string;
  startedAt: string;
  accumulator: AccumulatorState;
  progress: ReportJob['progress'];
  problems: string[];
}

export interface ReportRunDeps {
  targets: IndicatorTargets;
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  workingTime: WorkingTimeService;
  now: () => Date;
}

export interface RunHooks {
  /** Aborted when the report is cancelled or the worker stops. */
  signal: AbortSignal;
  /** Called after every page with where the report stands (and the job's progress updated). */
  checkpoint(state: ReportCheckpoint): Promise<void>;
}

/** The first checkpoint of a report: its agencies fixed, nothing counted yet. */
export function startingPoint(job: ReportJob, deps: ReportRunDeps): ReportCheckpoint {
  const agencies = expandAgencies(job.spec, deps.directory);
  const now = deps.now();
  // Unfinished dossiers are judged at the end of the period, or now when that is still to come.
  const end = new Date(`${job.spec.to}T23:59:59.999+07:00`);
  const periodEnd = end.getTime() > now.getTime() ? now : end;
  return {
    agencies,
    agencyIndex: 0,
    cursor: null,
    seenCursors: [],
    previousPage: null,
    periodEnd: periodEnd.toISOString(),
    startedAt: now.toISOString(),
    accumulator: new IndicatorAccumulator(deps.workingTime, periodEnd).snapshot(),
    progress: noProgress(agencies.length),
    problems: [],
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
  const state: ReportCheckpoint = {
    ...from,
    seenCursors: [...from.seenCursors],
    problems: [...from.problems],
    progress: { ...from.progress },
  };
  job.progress = state.progress;
  job.problems = state.problems;
  job.startedAt = new Date(state.startedAt);
  const accumulator = new IndicatorAccumulator(deps.workingTime, new Date(state.periodEnd));
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
    const page = await listing.listDossiers(
      { agencyCode, from: job.spec.from, to: job.spec.to },
      state.cursor,
      {
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
        requestId: `report-${job.id}`,
      },
    );
    if (signal.aborted) return null;
    if ('error' in page) {
      addProblem(state, `${agencyCode}: ${page.error.code}: ${page.error.message}`);
      nextAgency(state);
      await save();
      continue;
    }
    // A system that ignores the page asked answers the same page again: stop, do not count it twice.
    const signature = `${page.dossiers.length}:${page.dossiers[0]?.code ?? ''}:${page.dossiers.at(-1)?.code ?? ''}`;
    if (page.dossiers.length > 0 && signature === state.previousPage) {
      addProblem(
        state,
        `${agencyCode}: ${listing.id} answered the same page twice; listing stopped`,
      );
      nextAgency(state);
      await save();
      continue;
    }
    state.previousPage = signature;
    if (page.unreadable > 0)
      addProblem(state, `${agencyCode}: ${page.unreadable} record(s) could not be read`);
    let outside = 0;
    for (const dossier of page.dossiers) {
      const day = dossier.receivedAt === null ? null : vietnamDate(new Date(dossier.receivedAt));
      if (day === null || day < job.spec.from || day > job.spec.to) outside += 1;
      else accumulator.add(dossier, agencyCode);
    }
    if (outside > 0)
      addProblem(
        state,
        `${agencyCode}: ${outside} listed dossier(s) were received outside the period (or undated); left out`,
      );
    state.progress.pages += 1;
    state.progress.dossiers += page.dossiers.length - outside;
    if (page.next === null) {
      nextAgency(state);
    } else if (state.seenCursors.includes(page.next)) {
      addProblem(state, `${agencyCode}: ${listing.id} repeated a page cursor; listing stopped`);
      nextAgency(state);
    } else {
      state.seenCursors.push(page.next);
      state.cursor = page.next;
    }
    await save();
  }
  if (signal.aborted) return null;
  const result = accumulator.result();
  job.result = {
    ...result,
    complete: state.problems.length === 0,
    onTheSpotTargets: deps.targets.onTheSpot.map((group) => {
      const agencies = result.agencies.filter((a) => IndicatorTargets.covers(group, a.agencyCode));
      const received = agencies.reduce((sum, a) => sum + a.received, 0);
      const count = agencies.reduce((sum, a) => sum + a.onTheSpot, 0);
      const rate = received === 0 ? null : count / received;
      return {
        label: group.label,
        target: group.target,
        received,
        count,
        rate,
        met: rate === null ? null : rate >= group.target,
      };
    }),
  };
  return job.result;
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

function nextAgency(state: ReportCheckpoint): void {
  state.agencyIndex += 1;
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

/** Agency codes of the spec: exact codes, and every agency under a hierarchy key, valid in the period. */
function expandAgencies(spec: ReportSpec, directory: AgencyDirectory): string[] {
  const codes = new Set<string>();
  for (const entry of spec.agencies) {
    if (isHierarchyKey(entry)) {
      for (const agency of directory.list({})) {
        const overlaps =
          (agency.validFrom === null || agency.validFrom <= spec.to) &&
          (agency.validTo === null || agency.validTo >= spec.from);
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
