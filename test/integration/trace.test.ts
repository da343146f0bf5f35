import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { startTestGateway, type TestGateway } from '../support/testGateway';

const TRACE = `query Trace($c: String!) { dossierTrace(code: $c) {
  code reference procedureCode
  parts { code agency connector discoveredBy discoveredFrom found missing { code message }
    receivedAt endedAt workingHours timeliness { state lateByHours dueAt } }
  timeline { partCode agency unit action status { code } startedAt endedAt workingHours }
  totals { agency workingHours steps } elapsedWorkingHours
  overall { state lateByHours dueAt endedAt }
  lateParts { code agency lateByHours } } }`;

interface Trace {
  code: string;
  reference: string | null;
  parts: Array<{
    code: string;
    agency: string;
    connector: string | null;
    discoveredBy: string;
    discoveredFrom: string | null;
    found: boolean;
    missing: { code: string; message: string } | null;
    workingHours: number;
    timeliness: { state: string; lateByHours: number } | null;
  }>;
  timeline: Array<{ partCode: string; agency: string; startedAt: string; workingHours: number }>;
  totals: Array<{ agency: string; workingHours: number; steps: number }>;
  elapsedWorkingHours: number;
  overall: { state: string; lateByHours: number } | null;
  lateParts: Array<{ code: string; agency: string; lateByHours: number }>;
}

/**
 * The inter-agency chains of the sample systems (samples/generator/interAgency.ts): hand-written,
 * so the expected hours below are worked by hand in office time (07:00–11:30, 13:30–17:00).
 */
describe('dossierTrace: one timeline across agencies', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 600, seed: 61 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const trace = async (code: string, as: 'auditor' | 'admin' = 'auditor') => {
    const answer = await t.query<{ dossierTrace: Trace }>(TRACE, { c: code }, as);
    expect(answer.errors).toBeUndefined();
    return answer.data?.dossierTrace as Trace;
  };

  it('follows the links between two systems, merges the timeline, and names the late part', async () => {
    const result = await trace('000.00.01.H56-260907-9001');
    expect(result.reference).toBe('LT-H56-2026-0001');
    expect(
      result.parts.map((p) => [p.code, p.agency, p.connector, p.discoveredBy, p.found]),
    ).toEqual([
      ['000.00.01.H56-260907-9001', '000.00.01.H56', 'thanh-hoa-motcua', 'START', true],
      ['000.01.12.H56-260907-9001', '000.01.12.H56', 'thanh-hoa-datdai', 'LINK', true],
    ]);
    // Ordered by time across both systems.
    const starts = result.timeline.map((step) => step.startedAt);
    expect([...starts].sort()).toEqual(starts);
    expect(new Set(result.timeline.map((step) => step.agency))).toEqual(
      new Set(['000.00.01.H56', '000.01.12.H56']),
    );
    // The one-stop centre, Mon 7/9 08:00 → Mon 14/9 10:00: 7 h that Monday, 8 h Tuesday to
    // Friday, 3 h the next Monday = 42 h; due after 5 days, Mon 14/9 08:00: 2 h late. The land
    // office, Mon 10:00 → Fri 11/9 16:00: 5 + 8 + 8 + 8 + 7 = 36 h; due after 3 days, Thu 10/9
    // 10:00: 5 h that Thursday and 7 h on Friday = 12 h late.
    expect(result.totals).toEqual([
      { agency: '000.00.01.H56', workingHours: 42, steps: 5 },
      { agency: '000.01.12.H56', workingHours: 36, steps: 3 },
    ]);
    // The land office's 36 h fall inside the centre's 42: the matter took 42 h, not 78.
    expect(result.elapsedWorkingHours).toBe(42);
    expect(result.overall).toMatchObject({ state: 'LATE', lateByHours: 2 });
    expect(result.lateParts).toEqual([
      { code: '000.01.12.H56-260907-9001', agency: '000.01.12.H56', lateByHours: 12 },
      { code: '000.00.01.H56-260907-9001', agency: '000.00.01.H56', lateByHours: 2 },
    ]);
    // Starting from the land part finds the same matter.
    const fromLand = await trace('000.01.12.H56-260907-9001');
    expect(fromLand.parts.map((p) => p.code).sort()).toEqual(
      result.parts.map((p) => p.code).sort(),
    );
  });

  it('finds the part of a system that does not link through the per-procedure configuration', async () => {
    const result = await trace('000.00.01.H56-261005-9003', 'admin');
    expect(
      result.parts.map((p) => [p.agency, p.connector, p.discoveredBy, p.discoveredFrom, p.found]),
    ).toEqual([
      ['000.00.01.H56', 'thanh-hoa-motcua', 'START', null, true],
      ['000.01.12.H56', 'thanh-hoa-datdai', 'LINK', '000.00.01.H56-261005-9003', true],
      ['000.00.20.G09', 'bo-noi-vu-dvc', 'CONFIGURATION', 'procedure 1.012346', true],
    ]);
    expect(result.overall?.state).toBe('ON_TIME');
    expect(result.lateParts.map((p) => p.agency)).toEqual(['000.00.20.G09']);
    // Started from the land part: the ministry's part is still found (under the provincial code),
    // and the land code tried there first does not show as a missing part.
    const fromLand = await trace('000.01.12.H56-261005-9003');
    expect(fromLand.parts.map((p) => [p.code, p.agency, p.discoveredBy, p.found]).sort()).toEqual(
      [
        ['000.00.01.H56-261005-9003', '000.00.01.H56', 'LINK', true],
        ['000.00.01.H56-261005-9003', '000.00.20.G09', 'CONFIGURATION', true],
        ['000.01.12.H56-261005-9003', '000.01.12.H56', 'START', true],
      ].sort(),
    );
    expect(fromLand.overall?.state).toBe('ON_TIME');
    // The audit log says which system each part was read from.
    const log = await t.query<{ auditLog: { nodes: Array<{ scope: string }> } }>(
      `{ auditLog(filter: { action: "read.trace", code: "000.01.12.H56-261005-9003" }) { nodes { scope } } }`,
    );
    expect(log.data?.auditLog.nodes[0]?.scope).toContain('000.00.01.H56-261005-9003@bo-noi-vu-dvc');
  });

  it('shows the steps’ free text only with a stated purpose', async () => {
    const plain = await trace('000.00.01.H56-260921-9002');
    expect(
      plain.timeline.every((step) => (step as { action?: string | null }).action === null),
    ).toBe(true);
    const answer = await t.query<{ dossierTrace: { timeline: Array<{ action: string | null }> } }>(
      `query ($c: String!) { dossierTrace(code: $c, purpose: "Thanh tra hồ sơ liên thông quý 3") { timeline { action } } }`,
      { c: '000.00.01.H56-260921-9002' },
      'auditor',
    );
    expect(answer.data?.dossierTrace.timeline.map((step) => step.action)).toContain(
      'Tiếp nhận hồ sơ',
    );
  });

  it('shows a part that cannot be read as missing, with the reason', async () => {
    const result = await trace('000.00.01.H56-261012-9004');
    expect(result.parts).toHaveLength(2);
    expect(result.parts[1]).toMatchObject({
      code: '000.01.12.H56-261012-9004',
      agency: '000.01.12.H56',
      discoveredBy: 'LINK',
      found: false,
      missing: { code: 'DOSSIER_NOT_FOUND' },
    });
    expect(result.overall?.state).toBe('IN_PROGRESS');
  });

  it('is for auditors and administrators only, and every trace is on record', async () => {
    for (const role of ['portal', 'province-it'] as const) {
      const refused = await t.query(TRACE, { c: '000.00.01.H56-260907-9001' }, role);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const log = await t.query<{
      auditLog: { nodes: Array<{ action: string; codes: string[]; outcome: string }> };
    }>(`{ auditLog(filter: { action: "read.trace" }) { nodes { action codes outcome } } }`);
    expect(log.data?.auditLog.nodes).toContainEqual({
      action: 'read.trace',
      codes: ['000.00.01.H56-261012-9004', '000.01.12.H56-261012-9004'],
      outcome: 'parts 2, missing 1',
    });
  });
});
