import { join } from 'node:path';
import { createTestLogger } from '../support/testLogger';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { noProgress, type ReportJob } from '../../src/services/reports/ReportJob';
import {
  runReport,
  startingPoint,
  type ReportCheckpoint,
  type ReportRunDeps,
} from '../../src/services/reports/runReport';
import { IndicatorTargets } from '../../src/services/reports/targets';
import { PROJECT_ROOT } from '../support/testGateway';

describe('A report resumed from a checkpoint an earlier version wrote', () => {
  it('starts again from its first page instead of failing on the old counts', async () => {
    const directory = await loadAgencyDirectory(join(PROJECT_ROOT, 'data/agencies.sample.yaml'));
    const now = () => new Date('2026-12-07T00:00:00Z');
    const deps: ReportRunDeps = {
      targets: await IndicatorTargets.load(join(PROJECT_ROOT, 'data/indicator-targets.yaml')),
      registry: new ConnectorRegistry(new Map(), {
        logger: createTestLogger(),
        now,
        network: NetworkPolicy.unrestricted(),
      }),
      directory,
      workingTime: new WorkingTimeService(
        await HolidayCalendar.load(join(PROJECT_ROOT, 'data/holidays.vn.yaml')),
        directory,
      ),
      now,
    };
    const job: ReportJob = {
      id: 'old',
      spec: { agencies: ['000.00.01.H56'], from: '2026-07-01', to: '2026-07-31' },
      state: 'RUNNING',
      requestedBy: 'key:1',
      createdAt: now(),
      startedAt: null,
      finishedAt: null,
      progress: noProgress(1),
      result: null,
      problems: [],
    };
    // What the previous version saved: no rules, no phase, the old accumulator's shape.
    const fresh = startingPoint(job, deps);
    const { rules: _rules, phase: _phase, ...withoutNew } = fresh;
    const old = {
      ...withoutNew,
      accumulator: { received: 12, byStatus: [], byChannel: [], perAgency: [], perMonth: [] },
    } as unknown as ReportCheckpoint;
    const saved: ReportCheckpoint[] = [];
    const result = await runReport(job, old, deps, {
      signal: new AbortController().signal,
      checkpoint: async (state) => {
        saved.push(structuredClone(state));
      },
    });
    // No system serves the agency here: the report ends with that problem, and nothing counted.
    expect(result?.table.at(-1)?.counts.toResolve).toBe(0);
    expect(job.problems).toEqual(['000.00.01.H56: no registered system covers it']);
    expect(saved.at(-1)?.rules).toEqual(deps.targets.rules);
  });
});
