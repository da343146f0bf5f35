import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { MergedDossier } from '../../samples/merged-platform/renderMerged';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { REPORT_RESULT_FIELDS, type ReportResultView } from '../support/reportFields';
import { runCli } from '../support/runCli';
import { startTestGateway, SAMPLE_REGISTRATIONS, type TestGateway } from '../support/testGateway';

/**
 * Issue 22's done-when: ONE registration (examples/registrations/tuyen-quang-motcua.yaml) for a
 * vendor platform with all ten quirks (samples/merged-platform), checked through a real gateway
 * against the platform's own truth.
 */
const CONNECTOR = 'tuyen-quang-motcua';
const PURPOSE = 'Kiểm tra đối chiếu dữ liệu nền tảng hợp nhất (issue 22)';
const VIETNAM = 'UTC+7';

const DOSSIER_FIELDS = `code codeAsked codeCaseDiffers personalDataMasked
  procedureCode agency { code } heldBy { code } channel { value raw }
  applicant { name type ids { type kind number } }
  summary receivedAt dueAt dueAtTimeGiven datesWithoutTime finishedAt
  status { code raw lossy }
  history { at status { code raw } }
  supplements { dueBefore dueAfter dueBeforeTimeGiven dueAfterTimeGiven }
  source { connector }`;

interface DossierView {
  code: string;
  codeAsked: string;
  codeCaseDiffers: boolean;
  personalDataMasked: boolean;
  procedureCode: string | null;
  agency: { code: string } | null;
  heldBy: { code: string } | null;
  channel: { value: string | null; raw: string } | null;
  applicant: {
    name: string | null;
    type: string | null;
    ids: Array<{ type: string | null; kind: string | null; number: string }>;
  };
  summary: string | null;
  receivedAt: string | null;
  dueAt: string | null;
  dueAtTimeGiven: boolean | null;
  datesWithoutTime: string[];
  finishedAt: string | null;
  status: { code: number | null; raw: string; lossy: boolean };
  history: Array<{ at: string | null; status: { code: number | null; raw: string } | null }>;
  supplements: Array<{
    dueBefore: string | null;
    dueAfter: string | null;
    dueBeforeTimeGiven: boolean | null;
    dueAfterTimeGiven: boolean | null;
  }>;
  source: { connector: string };
}

const instant = (value: DateTime | null) => (value === null ? null : value.toMillis());
const parsed = (value: string | null) => (value === null ? null : Date.parse(value));
/** The day (yyyy-MM-dd, Vietnam time) of an instant the gateway answered. */
const dayOf = (value: string | null) =>
  value === null ? null : DateTime.fromISO(value).setZone(VIETNAM).toISODate();

/** Asks the code with its agency part in the other case than stored (both ways are lookups). */
function otherCase(stored: string): string {
  const dash = stored.indexOf('-');
  const agency = stored.slice(0, dash);
  const flipped = agency === agency.toUpperCase() ? agency.toLowerCase() : agency.toUpperCase();
  return flipped + stored.slice(dash);
}

describe('One registration for a vendor platform with ten quirks (issue 22)', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let folder: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
    folder = await mkdtemp(join(tmpdir(), 'vendor-'));
  }, 60_000);
  afterAll(async () => {
    await (t as TestGateway | undefined)?.close();
    await (samples as SampleSystems | undefined)?.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('answers 50 sampled dossiers, asked in either case, as the platform holds them', async () => {
    const stored = samples.merged.sampleCodes(50);
    expect(stored).toHaveLength(50);
    // Half asked as stored, half with the agency part in the other case.
    const asked = stored.map((code, index) => (index % 2 === 0 ? code : otherCase(code)));
    const answer = await t.query<{
      dossiers: Array<{ code: string; dossier: DossierView | null; error: unknown }>;
    }>(
      `query ($c: [String!]!, $p: String) { dossiers(codes: $c, purpose: $p) {
        code dossier { ${DOSSIER_FIELDS} } error { code message } } }`,
      { c: asked, p: PURPOSE },
      'admin',
    );
    expect(answer.errors).toBeUndefined();
    const results = answer.data?.dossiers ?? [];
    expect(results.map((r) => [r.code, r.error])).toEqual(asked.map((code) => [code, null]));

    const seen = { migrated: 0, vni: 0, status3: new Set<string>(), taxCodes: new Set<number>() };
    results.forEach((result, index) => {
      const d = result.dossier as DossierView;
      const truth = samples.merged.truth(stored[index] as string) as MergedDossier;
      const { dossier } = truth;
      const context = `${asked[index]}`;
      // 4. The code as the system stores it, the code asked, and that they differ in case.
      expect([context, d.code, d.codeAsked, d.codeCaseDiffers]).toEqual([
        context,
        truth.storedCode,
        asked[index],
        asked[index] !== truth.storedCode,
      ]);
      expect(d.source.connector).toBe(CONNECTOR);
      expect(d.personalDataMasked).toBe(false);
      if (truth.storedCode !== dossier.code) seen.migrated += 1;
      expect([context, d.procedureCode, d.agency?.code]).toEqual([
        context,
        dossier.procedure.code,
        dossier.agency.code,
      ]);
      // 5. The status by the procedure type, the system's own value kept.
      expect([context, d.status.code, d.status.raw, d.status.lossy]).toEqual([
        context,
        dossier.status,
        truth.statusCode,
        false,
      ]);
      if (truth.statusCode === '3') seen.status3.add(`${truth.procedureType}→${dossier.status}`);
      expect(d.history.map((step) => [parsed(step.at), step.status?.code])).toEqual(
        dossier.history.map((step) => [instant(step.at), step.status]),
      );
      // 6. Names and summaries decoded when the record says VNI, left as they are otherwise.
      expect([context, d.applicant.name, d.summary]).toEqual([
        context,
        dossier.applicant.name,
        dossier.summary,
      ]);
      if (truth.font === 'VNI') seen.vni += 1;
      // 10. Tax codes of 10 or 13 digits are a kind of their own.
      const expectedKind = { CCCD: 'PERSONAL_ID', CMND: 'OLD_ID_CARD', MST: 'TAX_CODE' }[
        truth.idKind
      ];
      expect([context, d.applicant.ids]).toEqual([
        context,
        [
          {
            type: { CCCD: '1', CMND: '2', MST: 'MST' }[truth.idKind],
            kind: expectedKind,
            number: dossier.applicant.idNumber,
          },
        ],
      ]);
      if (truth.idKind === 'MST') seen.taxCodes.add(dossier.applicant.idNumber.length);
      // Dates with a time are read as given.
      expect([context, parsed(d.receivedAt), parsed(d.finishedAt)]).toEqual([
        context,
        instant(dossier.receivedAt),
        instant(dossier.finishedAt),
      ]);
      // 7. The due date is a day only: that day (or the next working day), at the end of the
      // working day, and the answer says the time was not given.
      if (dossier.dueAt === null) {
        expect(d.dueAt).toBeNull();
      } else {
        expect([context, d.dueAtTimeGiven, d.datesWithoutTime]).toEqual(
          expect.arrayContaining([context, false, expect.arrayContaining(['dueAt'])]),
        );
        const due = DateTime.fromISO(d.dueAt as string).setZone(VIETNAM);
        const given = dossier.dueAt.setZone(VIETNAM).startOf('day');
        const daysLater = due.startOf('day').diff(given, 'days').days;
        expect([context, daysLater >= 0 && daysLater <= 7]).toEqual([context, true]);
        if (daysLater === 0) expect([context, due.toFormat('HH:mm')]).toEqual([context, '17:00']);
      }
      expect(d.supplements).toHaveLength(dossier.supplements.length);
      d.supplements.forEach((round, r) => {
        const given = dossier.supplements[r]?.dueAfter ?? null;
        expect([context, round.dueAfterTimeGiven]).toEqual([
          context,
          given === null ? null : false,
        ]);
        if (given !== null)
          expect([
            context,
            (dayOf(round.dueAfter) as string) >= (given.toISODate() as string),
          ]).toEqual([context, true]);
      });
    });
    // The sample covered the quirks it is meant to show.
    expect(seen.migrated).toBeGreaterThan(5);
    expect(seen.vni).toBeGreaterThan(2);
    expect([...seen.status3].sort()).toEqual(['THUONG→5', 'THUPHI→6']);
    expect([...seen.taxCodes].sort()).toEqual([10, 13]);
  }, 60_000);

  it('one dossier asked in two cases is one call and one answer; an unknown code is typed', async () => {
    const [migrated] = samples.merged
      .sampleCodes(50)
      .filter((code) => code !== code.toUpperCase())
      .slice(-1);
    const before = samples.merged.stats.bulkCalls + samples.merged.stats.singleCalls;
    const unknown = '000.00.08.H60-260101-9999';
    const answer = await t.query<{
      dossiers: Array<{
        code: string;
        dossier: { code: string } | null;
        error: { code: string } | null;
      }>;
    }>(
      `query ($c: [String!]!) { dossiers(codes: $c) { code dossier { code } error { code } } }`,
      { c: [migrated, (migrated as string).toUpperCase(), unknown] },
      'portal',
    );
    expect(answer.data?.dossiers).toEqual([
      { code: migrated, dossier: { code: migrated }, error: null },
      { code: (migrated as string).toUpperCase(), dossier: { code: migrated }, error: null },
      { code: unknown, dossier: null, error: { code: 'DOSSIER_NOT_FOUND' } },
    ]);
    // The two spellings were one code to the system (the unknown one may share the call).
    const calls = samples.merged.stats.bulkCalls + samples.merged.stats.singleCalls - before;
    expect(calls).toBeLessThanOrEqual(2);
  }, 30_000);

  it('more codes than the platform takes at once are split, not failed', async () => {
    const codes = samples.merged.sampleCodes(60).slice(10, 60);
    const answer = await t.query<{ dossiers: Array<{ error: unknown }> }>(
      `query ($c: [String!]!) { dossiers(codes: $c) { error { code message } } }`,
      { c: codes },
      'portal',
    );
    expect(answer.data?.dossiers.filter((d) => d.error !== null)).toEqual([]);
  }, 30_000);

  it('reads the catalogue, which has no per-channel breakdown, as every channel', async () => {
    const synced = await t.query(
      `mutation ($c: String) { syncProcedureCatalogue(connector: $c) { connector } }`,
      { c: CONNECTOR },
      'admin',
    );
    expect(synced.errors).toBeUndefined();
    const answer = await t.query<{
      procedures: {
        nodes: Array<{
          sources: Array<{ connector: string }>;
          channels: Array<{ channel: { value: string } | null }>;
        }>;
      };
    }>(
      `query { procedures(first: 500) { nodes { sources { connector } channels { channel { value } } } } }`,
      {},
      'portal',
    );
    const nodes = (answer.data?.procedures.nodes ?? []).filter((node) =>
      node.sources.some((source) => source.connector === CONNECTOR),
    );
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) expect(node.channels.map((c) => c.channel?.value)).toEqual(['ALL']);
  }, 30_000);

  it('reports a quarter over a listing of at most 31 days per call, complete', async () => {
    const from = '2026-07-01';
    const to = '2026-09-30';
    // Received, by the result form's rule: not "submitted, not yet received" (1) nor rejected (3).
    const receivedBy = (unit: string) =>
      samples.merged.dataset
        .listReceived(unit, from, to, 0, 1e9)
        .dossiers.filter((d) => d.status !== 1 && d.status !== 3);
    const [agency, received] = ['000.00.01.H60', '000.00.08.H60', '000.01.70.H60']
      .map((unit) => [unit, receivedBy(unit)] as const)
      .sort((a, b) => b[1].length - a[1].length)[0] as readonly [string, unknown[]];
    expect(received.length).toBeGreaterThan(10);
    const started = await t.query<{ startReport: { id: string } }>(
      `mutation ($i: ReportInput!) { startReport(input: $i) { id } }`,
      { i: { agencies: [agency], from, to } },
      'auditor',
    );
    const id = started.data?.startReport.id as string;
    type Job = { state: string; problems: string[]; result: ReportResultView | null };
    const until = Date.now() + 60_000;
    let job: Job;
    for (;;) {
      job = (
        await t.query<{ report: Job }>(
          `query ($id: ID!) { report(id: $id) { state problems result ${REPORT_RESULT_FIELDS} } }`,
          { id },
          'auditor',
        )
      ).data?.report as Job;
      if (!['QUEUED', 'RUNNING'].includes(job.state) || Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([job.state, job.problems]).toEqual(['DONE', []]);
    expect(job.result?.complete).toBe(true);
    expect(job.result?.total.received).toBe(received.length);
  }, 90_000);

  it('the same document dry-runs and registers from the CLI with the key from the shell (item 9)', async () => {
    // The bundled registration as a runtime one of its own id, its secrets as ${…} references.
    const text = (await readFile(join(SAMPLE_REGISTRATIONS, `${CONNECTOR}.yaml`), 'utf8'))
      .replace(`id: ${CONNECTOR}`, 'id: tuyen-quang-motcua-thu')
      .replace('units: [H47, H60]', 'agencies: [000.00.01.H60]');
    const file = join(folder, 'tuyen-quang.yaml');
    await writeFile(file, text);
    const shell = {
      GATEWAY_URL: t.url,
      GATEWAY_API_KEY: t.keys.admin,
      SAMPLE_MERGED_URL: samples.merged.url,
      SAMPLE_MERGED_API_KEY: SAMPLE_CREDENTIALS.SAMPLE_MERGED_API_KEY,
      SAMPLE_MERGED_CLIENT_ID: SAMPLE_CREDENTIALS.SAMPLE_MERGED_CLIENT_ID,
    };
    const [code] = samples.merged.sampleCodes(200).filter((c) => c.startsWith('000.00.01.H60-'));
    expect(code).toBeDefined();
    const tested = await runCli('connectors', shell, 'test', file, code as string);
    expect([tested.code, tested.stderr]).toEqual([0, '']);
    expect(JSON.parse(tested.stdout).dossiers).toEqual([{ code, found: true, error: null }]);
    const registered = await runCli('connectors', shell, 'register', file);
    expect([registered.code, registered.stderr]).toEqual([0, '']);
    const shown = await runCli('connectors', shell, 'show', 'tuyen-quang-motcua-thu');
    expect(shown.stdout).toContain('********');
    expect(shown.stdout).not.toContain(SAMPLE_CREDENTIALS.SAMPLE_MERGED_API_KEY);
    // A wrong key from the shell: the platform's error inside HTTP 200 is typed.
    const wrong = await runCli(
      'connectors',
      { ...shell, SAMPLE_MERGED_API_KEY: 'not-the-key' },
      'test',
      file,
      code as string,
    );
    expect(wrong.stdout + wrong.stderr).toContain('UPSTREAM_AUTH_FAILED');
    expect(wrong.stdout + wrong.stderr).not.toContain('not-the-key');
  }, 90_000);
});
