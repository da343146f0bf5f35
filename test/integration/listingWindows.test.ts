import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import { parseRegistration } from '../../src/registry/loadRegistrationFiles';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { noProgress, type ReportJob } from '../../src/services/reports/ReportJob';
import {
  runReport,
  startingPoint,
  type ReportCheckpoint,
  type ReportRunDeps,
} from '../../src/services/reports/runReport';
import { IndicatorTargets } from '../../src/services/reports/targets';
import { createTestLogger } from '../support/testLogger';
import { PROJECT_ROOT, SAMPLE_REGISTRATIONS } from '../support/testGateway';

const AGENCY = '000.00.07.H56';
const QUARTER = { from: '2026-07-01', to: '2026-09-30' };
const now = () => new Date('2026-12-07T00:00:00Z');
const bundled = readFileSync(join(SAMPLE_REGISTRATIONS, 'thanh-hoa-motcua.yaml'), 'utf8');

/**
 * Listing windows (listing.maxDays) through a report: the sample provincial system answers at most
 * 31 days per listing call (a longer range: HTTP 200 with an error object and no data).
 */
describe('A report over a system whose listing answers at most 31 days per call', () => {
  let samples: SampleSystems;
  const registries: ConnectorRegistry[] = [];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 66 });
  }, 30_000);
  afterAll(async () => {
    for (const registry of registries) await registry.replaceAll([]);
    await (samples as SampleSystems | undefined)?.close();
  });

  /** Report deps over the sample provincial system registered from `text`. */
  const depsFor = async (text: string): Promise<ReportRunDeps> => {
    const parsed = parseRegistration(text, 'thanh-hoa-motcua.yaml', {
      kinds: BUILTIN_KINDS,
      variables: samples.variables,
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const registry = new ConnectorRegistry(BUILTIN_KINDS, {
      logger: createTestLogger(),
      now,
      network: NetworkPolicy.unrestricted(),
    });
    registries.push(registry);
    await registry.replaceAll([parsed.registration]);
    const directory = await loadAgencyDirectory(join(PROJECT_ROOT, 'data/agencies.sample.yaml'));
    const targets = await IndicatorTargets.load(join(PROJECT_ROOT, 'data/indicator-targets.yaml'));
    return {
      targets,
      registry,
      directory,
      workingTime: new WorkingTimeService(
        await HolidayCalendar.load(join(PROJECT_ROOT, 'data/holidays.vn.yaml')),
        directory,
        targets.rules.lateFromSupplementRequests,
      ),
      now,
    };
  };
  const jobOf = (id: string): ReportJob => ({
    id,
    spec: { agencies: [AGENCY], ...QUARTER },
    state: 'RUNNING',
    requestedBy: 'key:1',
    createdAt: now(),
    startedAt: null,
    finishedAt: null,
    progress: noProgress(1),
    result: null,
    problems: [],
  });
  /** The report run to its end from `from`, every checkpoint kept. */
  const run = async (job: ReportJob, from: ReportCheckpoint, deps: ReportRunDeps) => {
    const saved: ReportCheckpoint[] = [];
    const result = await runReport(job, from, deps, {
      signal: new AbortController().signal,
      checkpoint: async (state) => {
        saved.push(structuredClone(state));
      },
    });
    return { result, saved };
  };
  /** What the system holds for the agency: received in the carry-over year and in the quarter. */
  const truth = (carriedOverSince: string) =>
    samples.provincial.dataset.listReceived(AGENCY, carriedOverSince, QUARTER.to, 0, 0).total;

  it('without listing.maxDays the quarter fails with the typed error the registration declares (config.errors) with the system message; with it, every dossier is counted', async () => {
    expect(bundled).toMatch(/\n {4}maxDays: 31\n/);
    const without = await depsFor(bundled.replace(/\n {4}maxDays: 31\n/, '\n'));
    const refused = jobOf('without');
    const failed = await run(refused, startingPoint(refused, without), without);
    expect(refused.problems).toEqual([
      expect.stringMatching(
        /^000\.00\.07\.H56: UPSTREAM_BAD_REQUEST: thanh-hoa-motcua listing: upstream refused the request \(HTTP 200, config\.errors\[0\]\): "Khoảng thời gian tối đa 31 ngày"/,
      ),
    ]);
    expect(failed.result?.complete).toBe(false);

    const windowed = await depsFor(bundled);
    const job = jobOf('with');
    const { result, saved } = await run(job, startingPoint(job, windowed), windowed);
    expect(job.problems).toEqual([]);
    expect(result?.complete).toBe(true);
    const carriedOverSince = result?.period.carriedOverSince as string;
    const source = result?.sources.find((s) => s.connector === 'thanh-hoa-motcua');
    expect(truth(carriedOverSince)).toBeGreaterThan(0);
    expect(source?.dossiers).toBe(truth(carriedOverSince));
    // The quarter was read as 3 windows of at most 31 days (its cursors name them).
    const cursors = saved.filter((s) => s.phase === 'period').map((s) => s.cursor);
    expect(cursors).toEqual(expect.arrayContaining(['w:1', 'w:2']));
  }, 60_000);

  it('the runtime lists a quarter window by window, names the window of a failure, and refuses a cursor of no window', async () => {
    const deps = await depsFor(bundled);
    const runtime = deps.registry.runtime('thanh-hoa-motcua');
    if (runtime === undefined) throw new Error('not registered');
    expect(runtime.listingMaxDays).toBe(31);
    const call = () => ({ signal: AbortSignal.timeout(10_000), requestId: 'windows-test' });
    const query = { agencyCode: AGENCY, ...QUARTER };
    const codes: string[] = [];
    const cursors: Array<string | null> = [];
    let cursor: string | null = null;
    do {
      const page = await runtime.listDossiers(query, cursor, call());
      if ('error' in page) throw new Error(`${page.error.code}: ${page.error.message}`);
      codes.push(...page.dossiers.map((d) => d.code));
      cursor = page.next;
      cursors.push(cursor);
    } while (cursor !== null && cursors.length < 100);
    expect(cursors).toEqual(['w:1', 'w:2', null]);
    const { total, dossiers } = samples.provincial.dataset.listReceived(
      AGENCY,
      QUARTER.from,
      QUARTER.to,
      0,
      1e9,
    );
    expect(total).toBeGreaterThan(0);
    expect([...codes].sort()).toEqual(dossiers.map((d) => d.code).sort());

    samples.provincial.faults.htmlInsteadOfJson = true;
    try {
      const failed = await runtime.listDossiers(query, 'w:1', call());
      expect('error' in failed && failed.error.message).toMatch(
        /thanh-hoa-motcua.* \(window 2026-08-01 → 2026-08-31, 2 of 3\)$/,
      );
    } finally {
      samples.provincial.faults.htmlInsteadOfJson = false;
    }
    const stale = await runtime.listDossiers(query, 'p:2:200', call());
    expect('error' in stale && stale.error).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining(
        'listing cursor "p:2:200" is not one of the 3 windows of 2026-07-01 → 2026-09-30',
      ),
    });
  }, 60_000);

  it('a report stopped after the first window resumes from its checkpoint without counting twice', async () => {
    const deps = await depsFor(bundled);
    const whole = jobOf('whole');
    const uninterrupted = await run(whole, startingPoint(whole, deps), deps);
    expect(whole.problems).toEqual([]);

    // Stopped at the checkpoint that ends the quarter's first window (the worker stops).
    const job = jobOf('stopped');
    const stop = new AbortController();
    let stoppedAt: ReportCheckpoint | null = null;
    const first = await runReport(job, startingPoint(job, deps), deps, {
      signal: stop.signal,
      checkpoint: async (state) => {
        if (stoppedAt !== null) return;
        if (state.phase === 'period' && state.cursor === 'w:1') {
          stoppedAt = structuredClone(state);
          stop.abort();
        }
      },
    });
    expect(first).toBeNull();
    const checkpoint = stoppedAt as ReportCheckpoint | null;
    if (checkpoint === null) throw new Error('the report never ended its first window');
    expect(checkpoint.progress.dossiers).toBeGreaterThan(0);

    const resumed = await run(job, checkpoint, deps);
    // The resumed report read windows 2 and 3 only, and its figures are the uninterrupted ones.
    expect(resumed.saved.map((s) => s.cursor)).not.toContain('w:1');
    expect(job.problems).toEqual([]);
    expect(job.progress.dossiers).toBe(whole.progress.dossiers);
    expect(job.progress.pages).toBe(whole.progress.pages);
    expect(resumed.result).toEqual(uninterrupted.result);
  }, 60_000);
});
