import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleDossier } from '../../samples/generator/SampleDataset';
import {
  DEFAULT_DIRECTORY_FILE,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { vietnamDate } from '../../src/domain/vietnamTime';
import { REPORT_RESULT_FIELDS, type ReportResultView } from '../support/reportFields';
import { runCli } from '../support/runCli';
import { findCodes } from '../support/sampleCodes';
import { PROJECT_ROOT, startTestGateway, type TestGateway } from '../support/testGateway';

type Answer<T> = {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

/**
 * An agency the provincial sample system has dossiers of, but the gateway's directory file does
 * not list: what an administrator adds at runtime. Its name is written decomposed (NFD), as some
 * editors save it; the directory keeps it NFC.
 */
const NEW_CODE = '000.00.15.H56';
const NEW_NAME = 'Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa';
const newEntry = (extra = '') => `code: H56.15
name: "${NEW_NAME.normalize('NFD')}"
level: 2
parent: 000.00.00.H56
${extra}`;

const AGENCY = 'code name level parent { code } validTo origin version entry';
const PUT = `mutation ($e: String!, $v: Int!, $n: String) { putAgencyEntry(entry: $e, version: $v, note: $n) { ${AGENCY} } }`;
const DELETE = `mutation ($c: String!, $v: Int!, $n: String) { deleteAgencyEntry(code: $c, version: $v, note: $n) { ${AGENCY} } }`;
const LOOKUP = `query ($c: [String!]!) { dossiers(codes: $c) { code
  dossier { source { connector routedVia } agency { code name origin } heldBy { code name }
    timeliness { state lateByHours } }
  error { code message } } }`;
const VERSIONS = `query ($c: String!) { agencyEntryVersions(code: $c) { code version deleted updatedBy note entry } }`;

interface Agency {
  code: string;
  name: string;
  level: number;
  parent: { code: string } | null;
  validTo: string | null;
  origin: 'FILE' | 'RUNTIME';
  version: number;
  entry: string;
}

interface Looked {
  dossiers: Array<{
    code: string;
    dossier: {
      source: { connector: string; routedVia: string[] };
      agency: { code: string; name: string; origin: string } | null;
      heldBy: { code: string; name: string } | null;
      timeliness: { state: string; lateByHours: number };
    } | null;
    error: { code: string; message: string } | null;
  }>;
}

/** The sample directory with one more agency, for the sample systems only. */
async function samplesDirectory(folder: string): Promise<string> {
  const file = join(folder, 'agencies.yaml');
  const sample = await readFile(DEFAULT_DIRECTORY_FILE, 'utf8');
  await writeFile(
    file,
    `${sample.trimEnd()}\n  - code: ${NEW_CODE}\n    name: ${NEW_NAME}\n    level: 2\n    parent: 000.00.00.H56\n`,
  );
  return file;
}

/** Polls `read` until `done` holds of its value (at most `ms`), and returns the last value. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

describe('The agency directory at runtime: two replicas on one Redis', () => {
  let folder: string;
  let samples: SampleSystems;
  let first: TestGateway;
  let second: TestGateway;
  let env: Record<string, string>;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'directory-test-'));
    samples = await startSampleSystems({
      size: 1500,
      seed: 97,
      directoryFile: await samplesDirectory(folder),
    });
    env = {
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      REDIS_KEY_PREFIX: `dir-${randomBytes(4).toString('hex')}:`,
      // Registry, directory and audit log all in Redis: a change and its entry are one script.
      REGISTRY_DIR: '',
      AUDIT_DIR: '',
      CACHE: 'memory',
      CATALOGUE_SYNC_INTERVAL_MS: '0',
    };
    first = await startTestGateway({ samples, env });
    second = await startTestGateway({ samples, env });
  }, 30_000);
  afterAll(async () => {
    await (first as TestGateway | undefined)?.close();
    await (second as TestGateway | undefined)?.close();
    await (samples as SampleSystems | undefined)?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const lookup = async (t: TestGateway, codes: string[], as: 'portal' | 'auditor' = 'auditor') =>
    (await t.query<Looked>(LOOKUP, { c: codes }, as)).data?.dossiers ?? [];
  const readiness = async (t: TestGateway) =>
    (await (await fetch(`${t.url}/readyz`)).json()) as Record<string, unknown>;
  const agency = async (t: TestGateway, code: string) =>
    (
      await t.query<{ agency: Agency | null }>(
        `query ($c: String!) { agency(code: $c) { ${AGENCY} } }`,
        { c: code },
        'portal',
      )
    ).data?.agency ?? null;
  const versions = async (code: string) =>
    (
      await first.query<{ agencyEntryVersions: Array<Record<string, unknown>> }>(VERSIONS, {
        c: code,
      })
    ).data?.agencyEntryVersions ?? [];

  it('an admin adds an agency: its dossiers route to the covering registration at once, and on the other replica without a restart', async () => {
    const [code] = findCodes(samples.provincial.dataset, 1, (d) => d.agency.code === NEW_CODE);
    const before = await lookup(second, [code as string]);
    expect(before[0]?.error?.code).toBe('UNKNOWN_AGENCY');
    const { agencies } = await readiness(second);

    const put = await first.query<{ putAgencyEntry: Agency }>(PUT, {
      e: newEntry(),
      v: 0,
      n: 'Quyết định 15/QĐ-UBND thành lập Sở',
    });
    expect(put.errors).toBeUndefined();
    expect(put.data?.putAgencyEntry).toMatchObject({
      code: NEW_CODE,
      name: NEW_NAME,
      level: 2,
      parent: { code: '000.00.00.H56' },
      origin: 'RUNTIME',
      version: 1,
    });
    expect(put.data?.putAgencyEntry.name).toBe(NEW_NAME.normalize('NFC'));
    expect(put.data?.putAgencyEntry.entry).toBe(
      `code: ${NEW_CODE}\nname: ${NEW_NAME}\nlevel: 2\nparent: 000.00.00.H56\n`,
    );

    // Under H56, covered by the province's system: routed there, found there.
    const here = await lookup(first, [code as string]);
    expect(here[0]?.error).toBeNull();
    expect(here[0]?.dossier?.source.connector).toBe('thanh-hoa-motcua');
    expect(here[0]?.dossier?.agency).toEqual({ code: NEW_CODE, name: NEW_NAME, origin: 'RUNTIME' });

    const there = await until(
      () => lookup(second, [code as string]),
      (answer) => answer[0]?.dossier != null,
    );
    expect(there[0]?.dossier?.source.connector).toBe('thanh-hoa-motcua');
    expect(await agency(second, 'H56.15')).toMatchObject({ origin: 'RUNTIME', version: 1 });
    expect(await readiness(second)).toMatchObject({
      directoryStore: 'ok',
      directoryNotApplied: [],
      agencies: (agencies as number) + 1,
    });
  });

  it('a successor given to a closing agency: its dossiers are held by the successor, on both replicas', async () => {
    // Closed the day before yesterday (Vietnam time), its work with the new agency from yesterday.
    const closed = vietnamDate(new Date(Date.now() - 2 * 86_400_000));
    const from = vietnamDate(new Date(Date.now() - 86_400_000));
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.10.H56',
    ) as [string];
    const before = await lookup(first, [code]);
    expect(before[0]?.dossier?.source.routedVia).toEqual([]);
    const justice = (await agency(first, '000.00.10.H56')) as Agency;
    expect(justice).toMatchObject({ origin: 'FILE', version: 0, validTo: null });

    const put = await first.query<{ putAgencyEntry: Agency }>(PUT, {
      e: `${justice.entry}validTo: ${closed}\nsuccessors:\n  - { code: ${NEW_CODE}, from: ${from}, scope: toàn bộ }\n`,
      v: justice.version,
      n: null,
    });
    expect(put.errors).toBeUndefined();
    expect(put.data?.putAgencyEntry).toMatchObject({
      origin: 'RUNTIME',
      version: 1,
      validTo: closed,
    });

    for (const t of [first, second]) {
      const after = await until(
        () => lookup(t, [code]),
        (answer) => answer[0]?.dossier?.heldBy?.code === NEW_CODE,
      );
      expect(after[0]?.dossier).toMatchObject({
        source: { connector: 'thanh-hoa-motcua', routedVia: [NEW_CODE] },
        agency: { code: '000.00.10.H56' },
        heldBy: { code: NEW_CODE, name: NEW_NAME },
      });
    }
    const predecessors = await first.query<{ agency: { predecessors: Array<{ code: string }> } }>(
      `{ agency(code: "${NEW_CODE}") { predecessors { code } } }`,
    );
    expect(predecessors.data?.agency.predecessors).toEqual([{ code: '000.00.10.H56' }]);
  });

  it('office hours changed at runtime change a dossier’s timeliness; deleting the entry brings the file’s back', async () => {
    const DAY = 86_400_000;
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d: SampleDossier) =>
        d.agency.code === '000.00.01.H56' &&
        [9, 10].includes(d.status) &&
        d.finishedAt !== null &&
        d.supplements.length === 0 &&
        d.finishedAt.toMillis() - d.dueAt.toMillis() > 3 * DAY,
    ) as [string];
    // As the portal: its answers are kept as bytes, and must not outlive the directory they used.
    const lateBy = async (t: TestGateway) =>
      (await lookup(t, [code], 'portal'))[0]?.dossier?.timeliness as {
        state: string;
        lateByHours: number;
      };
    const usual = await lateBy(first);
    expect(usual.state).toBe('LATE');
    // Asked again: the same answer (kept, when the gateway keeps answers).
    expect(await lateBy(first)).toEqual(usual);

    const centre = (await agency(first, '000.00.01.H56')) as Agency;
    const put = await first.query<{ putAgencyEntry: Agency }>(PUT, {
      e: `${centre.entry}officeHours: [["07:00", "09:00"]]\n`,
      v: 0,
      n: 'Giờ làm việc rút gọn',
    });
    expect(put.errors).toBeUndefined();
    // Two office hours a day instead of eight: the same lateness is about a quarter of the hours.
    const shorter = await lateBy(first);
    expect(shorter.state).toBe('LATE');
    expect(shorter.lateByHours).toBeGreaterThan(0);
    expect(shorter.lateByHours).toBeLessThan(usual.lateByHours / 2);
    expect(
      await until(
        () => lateBy(second),
        (value) => value.lateByHours === shorter.lateByHours,
      ),
    ).toEqual(shorter);

    const deleted = await first.query<{ deleteAgencyEntry: Agency | null }>(DELETE, {
      c: '000.00.01.H56',
      v: 1,
      n: null,
    });
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data?.deleteAgencyEntry).toMatchObject({ origin: 'FILE', version: 2 });
    expect(await lateBy(first)).toEqual(usual);
  });

  it('records every version (who, when, why) and a directory.* audit entry for each change', async () => {
    expect(await versions('000.00.01.H56')).toEqual([
      {
        code: '000.00.01.H56',
        version: 1,
        deleted: false,
        updatedBy: `key:${first.keys.admin.slice(5, 21)}`,
        note: 'Giờ làm việc rút gọn',
        entry: expect.stringContaining('officeHours: [["07:00", "09:00"]]'),
      },
      {
        code: '000.00.01.H56',
        version: 2,
        deleted: true,
        updatedBy: `key:${first.keys.admin.slice(5, 21)}`,
        note: 'deleted',
        entry: expect.stringContaining('officeHours: [["07:00", "09:00"]]'),
      },
    ]);
    expect(await versions('H56.15')).toEqual([
      expect.objectContaining({ version: 1, note: 'Quyết định 15/QĐ-UBND thành lập Sở' }),
    ]);
    const audited = await first.query<{
      auditLog: { nodes: Array<{ action: string; operation: string; scope: string; who: string }> };
    }>('{ auditLog(first: 100) { nodes { action operation scope who } } }', {}, 'auditor');
    expect(
      audited.data?.auditLog.nodes
        .filter((entry) => entry.action.startsWith('directory.'))
        .map((entry) => [entry.action, entry.scope])
        .reverse(),
    ).toEqual([
      ['directory.put', `${NEW_CODE} v1 (Quyết định 15/QĐ-UBND thành lập Sở)`],
      ['directory.put', '000.00.10.H56 v1'],
      ['directory.put', '000.00.01.H56 v1 (Giờ làm việc rút gọn)'],
      ['directory.delete', '000.00.01.H56 v2 (deleted)'],
    ]);
  });

  it('an agency’s lossy statuses, declared in its entry, mark its dossiers whichever system answers; deleting the entry unmarks them', async () => {
    // The land system's provincial office reports 9 for 9 alone (its registration says so) …
    const [code] = findCodes(
      samples.land.dataset,
      1,
      (d: SampleDossier) => d.agency.code === '000.01.12.H56' && d.status === 9,
    ) as [string];
    const status = async (t: TestGateway) =>
      (
        await t.query<{ dossier: { status: { code: number; lossy: boolean; mayBe: string[] } } }>(
          'query ($c: String!) { dossier(code: $c) { status { code lossy mayBe } } }',
          { c: code },
          'portal',
        )
      ).data?.dossier.status;
    expect(await status(first)).toEqual({ code: 9, lossy: false, mayBe: [] });
    // … until the directory says it reports 5, 6 and 8 as 9 too.
    const office = (await agency(first, '000.01.12.H56')) as Agency;
    const put = await first.query<{ putAgencyEntry: Agency }>(PUT, {
      e: `${office.entry}lossyStatuses: { 9: [5, 6, 8] }\n`,
      v: 0,
      n: 'Văn phòng báo gộp trạng thái 5, 6, 8 thành 9',
    });
    expect(put.errors).toBeUndefined();
    expect(put.data?.putAgencyEntry.entry).toContain('lossyStatuses');
    // The agency says so too; its parent, which declares nothing, does not.
    const declared = async (code: string) =>
      (
        await first.query<{ agency: { lossyStatuses: unknown[] } }>(
          'query ($c: String!) { agency(code: $c) { lossyStatuses { status mayBe } } }',
          { c: code },
          'portal',
        )
      ).data?.agency.lossyStatuses;
    const finished = {
      status: 'FINISHED',
      mayBe: ['SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'STOPPED', 'FINISHED'],
    };
    expect(await declared('000.01.12.H56')).toEqual([finished]);
    expect(await declared('000.00.12.H56')).toEqual([]);
    const lossy = {
      code: 9,
      lossy: true,
      mayBe: ['SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'STOPPED', 'FINISHED'],
    };
    expect(await status(first)).toEqual(lossy);
    expect(
      await until(
        () => status(second),
        (value) => value?.lossy === true,
      ),
    ).toEqual(lossy);
    const deleted = await first.query<{ deleteAgencyEntry: Agency | null }>(DELETE, {
      c: '000.01.12.H56',
      v: 1,
      n: null,
    });
    expect(deleted.errors).toBeUndefined();
    expect(await status(first)).toEqual({ code: 9, lossy: false, mayBe: [] });
  });

  it('refuses invalid changes naming the problem, and changes nothing', async () => {
    const before = {
      created: await versions(NEW_CODE),
      justice: await versions('000.00.10.H56'),
      province: await versions('000.00.00.H56'),
      list: (
        await first.query(
          '{ agencies(first: 500) { nodes { code name validTo parent { code } successors { agency { code } } } } }',
          {},
          'portal',
        )
      ).data,
    };
    const cases: Array<[string, string, Record<string, unknown>, string, string]> = [
      [
        'unknown parent',
        PUT,
        { e: newEntry().replace('000.00.00.H56', '000.00.00.H99'), v: 1 },
        'BAD_USER_INPUT',
        `${NEW_CODE} parent: unknown agency 000.00.00.H99`,
      ],
      [
        'successor cycle',
        PUT,
        {
          e: newEntry(
            'validTo: 2025-12-31\nsuccessors: [{ code: 000.00.10.H56, from: 2026-01-01 }]\n',
          ),
          v: 1,
        },
        'BAD_USER_INPUT',
        `000.00.10.H56 successors: successor cycle 000.00.10.H56 → ${NEW_CODE} → 000.00.10.H56`,
      ],
      [
        'parent cycle',
        PUT,
        { e: 'code: 000.00.00.H56\nname: UBND tỉnh Thanh Hóa\nlevel: 1\nparent: H56.15\n', v: 0 },
        'BAD_USER_INPUT',
        `parent cycle 000.00.00.H56 → ${NEW_CODE} → 000.00.00.H56`,
      ],
      [
        'successor on an open agency',
        PUT,
        { e: newEntry('successors: [{ code: 000.00.07.H56, from: 2026-01-01 }]\n'), v: 1 },
        'BAD_USER_INPUT',
        `${NEW_CODE} successors: only a closed agency (validTo set) has successors`,
      ],
      [
        'malformed code',
        PUT,
        { e: newEntry().replace('H56.15', 'h56/15'), v: 0 },
        'BAD_USER_INPUT',
        'code: an agency code of digits, A–Z and dots',
      ],
      [
        'malformed office hours and an unknown field',
        PUT,
        { e: newEntry('officeHours: [["13:00", "11:00"]]\nmanager: someone\n'), v: 1 },
        'BAD_USER_INPUT',
        'officeHours: periods must be increasing and not overlap; (entry): Unrecognized key: "manager"',
      ],
      [
        'the whole file instead of one entry',
        PUT,
        { e: `agencies:\n  - ${newEntry().replace(/\n/g, '\n    ')}`, v: 1 },
        'BAD_USER_INPUT',
        '(entry): Unrecognized key: "agencies"',
      ],
      [
        'removing an agency others name as successor',
        DELETE,
        { c: NEW_CODE, v: 1 },
        'BAD_USER_INPUT',
        `000.00.10.H56 successors[0].code: unknown agency ${NEW_CODE}`,
      ],
      [
        'a stale version',
        PUT,
        { e: newEntry(), v: 0 },
        'CONFLICT',
        `the runtime entry of ${NEW_CODE} is at version 1, not 0`,
      ],
      [
        'deleting what the file holds',
        DELETE,
        { c: 'H56.07', v: 0 },
        'NOT_FOUND',
        '000.00.07.H56 has no runtime entry to delete',
      ],
      [
        'a malformed code to delete',
        DELETE,
        { c: 'H56 07', v: 0 },
        'BAD_USER_INPUT',
        'is not an agency code',
      ],
    ];
    for (const [what, mutation, variables, errorCode, message] of cases) {
      const answer: Answer<unknown> = await first.query(mutation, { n: null, ...variables });
      expect([what, answer.errors?.[0]?.extensions?.code]).toEqual([what, errorCode]);
      expect([what, answer.errors?.[0]?.message]).toEqual([what, expect.stringContaining(message)]);
    }
    expect({
      created: await versions(NEW_CODE),
      justice: await versions('000.00.10.H56'),
      province: await versions('000.00.00.H56'),
      list: (
        await first.query(
          '{ agencies(first: 500) { nodes { code name validTo parent { code } successors { agency { code } } } } }',
          {},
          'portal',
        )
      ).data,
    }).toEqual(before);
  });

  it('lets only administrators change the directory; auditors read its versions', async () => {
    for (const role of ['portal', 'province-it', 'auditor'] as const) {
      const put: Answer<unknown> = await first.query(PUT, { e: newEntry(), v: 1 }, role);
      expect([role, put.errors?.[0]?.extensions?.code]).toEqual([role, 'FORBIDDEN']);
      const removed: Answer<unknown> = await first.query(DELETE, { c: NEW_CODE, v: 1 }, role);
      expect([role, removed.errors?.[0]?.extensions?.code]).toEqual([role, 'FORBIDDEN']);
    }
    const refused: Answer<unknown> = await first.query(VERSIONS, { c: NEW_CODE }, 'portal');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const read = await first.query<{ agencyEntryVersions: unknown[] }>(
      VERSIONS,
      { c: NEW_CODE },
      'auditor',
    );
    expect(read.data?.agencyEntryVersions).toHaveLength(1);
    expect(await versions(NEW_CODE)).toHaveLength(1);
  });

  it('reports run in the worker with the directory in effect', async () => {
    const started = await first.query<{ startReport: { id: string } }>(
      'mutation ($i: ReportInput!) { startReport(input: $i) { id } }',
      { i: { agencies: [NEW_CODE], from: '2026-07-01', to: '2026-07-31' } },
      'auditor',
    );
    expect(started.errors).toBeUndefined();
    const job = await until(
      async () =>
        (
          await first.query<{
            report: { state: string; problems: string[]; result: ReportResultView | null };
          }>(
            `query ($id: ID!) { report(id: $id) { state problems result ${REPORT_RESULT_FIELDS} } }`,
            { id: started.data?.startReport.id },
            'auditor',
          )
        ).data?.report,
      (report) => report !== undefined && !['QUEUED', 'RUNNING'].includes(report.state),
      60_000,
    );
    expect([job?.state, job?.problems]).toEqual(['DONE', []]);
    const row = job?.result?.table.find((entry) => entry.scope === 'AGENCY');
    // The name comes from the worker's directory: the code alone had the entry not reached it.
    expect(row).toMatchObject({ agency: NEW_CODE, label: NEW_NAME });
    expect(row?.received).toBeGreaterThan(0);
  }, 70_000);

  it('the agencies command line does the same through the API', async () => {
    const run = (...args: string[]) =>
      runCli('agencies', { GATEWAY_URL: first.url, GATEWAY_API_KEY: first.keys.admin }, ...args);
    const file = join(folder, 'h5616.yaml');
    await writeFile(file, 'code: H56.16\nname: Sở Du lịch tỉnh Thanh Hóa\nlevel: 2\nparent: H56\n');
    const put = await run('put', file, '--note', 'thử nghiệm');
    expect([put.code, put.stderr]).toEqual([0, '']);
    expect(put.stdout).toBe(
      '# 000.00.16.H56: runtime entry; send version 1 with a change\ncode: 000.00.16.H56\nname: Sở Du lịch tỉnh Thanh Hóa\nlevel: 2\nparent: 000.00.00.H56\n',
    );
    const listed = await run('list', 'du lich');
    expect(listed.stdout).toContain('000.00.16.H56  RUNTIME v1  Sở Du lịch tỉnh Thanh Hóa');
    expect(listed.stdout).toContain(`${NEW_CODE}  RUNTIME v1  ${NEW_NAME}`);
    const stale = await run('put', file);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      'CONFLICT: the runtime entry of 000.00.16.H56 is at version 1, not 0',
    );
    const shown = await run('show', 'H56.16');
    await writeFile(file, shown.stdout.replace('Sở Du lịch', 'Sở Du lịch và Thể thao'));
    const changed = await run('put', file, '1');
    expect(changed.stdout).toContain('name: Sở Du lịch và Thể thao tỉnh Thanh Hóa');
    const history = JSON.parse((await run('versions', 'H56.16')).stdout) as Array<{
      version: number;
      note: string | null;
    }>;
    expect(history.map((entry) => [entry.version, entry.note])).toEqual([
      [1, 'thử nghiệm'],
      [2, null],
    ]);
    const deleted = await run('delete', 'H56.16', '2');
    expect(deleted.stdout).toBe(
      'H56.16: runtime entry deleted; the code is no longer in the directory\n',
    );
    expect(await agency(first, 'H56.16')).toBeNull();
    const unknown = await run('show', 'H56.16');
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'NOT_FOUND: no agency H56.16 in the directory\n',
    ]);
  });

  it('a restart keeps the entries (Redis)', async () => {
    const third = await startTestGateway({ samples, env });
    try {
      expect(await agency(third, NEW_CODE)).toMatchObject({
        name: NEW_NAME,
        origin: 'RUNTIME',
        version: 1,
      });
      expect(await agency(third, '000.00.10.H56')).toMatchObject({
        origin: 'RUNTIME',
        validTo: expect.any(String),
      });
      expect(await agency(third, '000.00.01.H56')).toMatchObject({ origin: 'FILE', version: 2 });
    } finally {
      await third.close();
    }
  });
});

/**
 * The entries a guide tells provincial IT to send (its section on new agencies), as written: the
 * blocks that are agency entries (the section also shows a registration's `coverage`).
 */
async function guideEntries(file: string, heading: string): Promise<string[]> {
  const text = await readFile(join(PROJECT_ROOT, 'docs', file), 'utf8');
  const section = text.slice(
    text.indexOf(heading),
    text.indexOf('\n## ', text.indexOf(heading) + 1),
  );
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .filter((block) => /^code:/.test(block));
}

describe('The agency directory at runtime: one machine, files', () => {
  it('takes the entries of both guides as written, the same in English and Vietnamese', async () => {
    const english = await guideEntries(
      'provincial-it-guide.md',
      '## New, renamed or closed agencies',
    );
    const vietnamese = await guideEntries(
      'huong-dan-dang-ky-ket-noi.md',
      '## Cơ quan mới, đổi tên hoặc giải thể',
    );
    expect(english).toHaveLength(2);
    // The same entries; only the comments are translated.
    const fields = (yaml: string) => yaml.replace(/ # .*$/gm, '');
    expect(vietnamese.map(fields)).toEqual(english.map(fields));
    const samples = await startSampleSystems({ size: 600, seed: 99 });
    const t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', CACHE: 'none' },
    });
    try {
      for (const entry of vietnamese) {
        const put = await t.query<{ putAgencyEntry: Agency }>(PUT, { e: entry, v: 0, n: null });
        expect(put.errors).toBeUndefined();
      }
      const [code] = findCodes(
        samples.provincial.dataset,
        1,
        (d) => d.agency.code === '000.00.10.H56',
      ) as [string];
      const answer = await t.query<Looked>(LOOKUP, { c: [code] }, 'auditor');
      expect(answer.data?.dossiers[0]?.dossier).toMatchObject({
        source: { connector: 'thanh-hoa-motcua', routedVia: [NEW_CODE] },
        heldBy: { code: NEW_CODE, name: NEW_NAME },
      });
    } finally {
      await t.close();
      await samples.close();
    }
  });

  it('keeps the entries in <REGISTRY_DIR>/directory/ across a restart', async () => {
    const registryDir = await mkdtemp(join(tmpdir(), 'directory-files-'));
    const samples = await startSampleSystems({ size: 300, seed: 98 });
    const env = { REGISTRY_DIR: registryDir, CATALOGUE_SYNC_INTERVAL_MS: '0', CACHE: 'none' };
    try {
      const one = await startTestGateway({ samples, env });
      try {
        const put = await one.query<{ putAgencyEntry: Agency }>(PUT, {
          e: newEntry(),
          v: 0,
          n: null,
        });
        expect(put.data?.putAgencyEntry).toMatchObject({
          code: NEW_CODE,
          origin: 'RUNTIME',
          version: 1,
        });
      } finally {
        await one.close();
      }
      expect(await readdir(join(registryDir, 'directory'))).toEqual([`${NEW_CODE}.json`]);
      const stored = JSON.parse(
        await readFile(join(registryDir, 'directory', `${NEW_CODE}.json`), 'utf8'),
      );
      expect(stored.versions[0]).toMatchObject({
        id: NEW_CODE,
        version: 1,
        document: { code: NEW_CODE, name: NEW_NAME },
      });
      const two = await startTestGateway({ samples, env });
      try {
        const found = await two.query<{ agency: Agency | null }>(
          `{ agency(code: "${NEW_CODE}") { ${AGENCY} } }`,
        );
        expect(found.data?.agency).toMatchObject({ name: NEW_NAME, origin: 'RUNTIME', version: 1 });
        // Runtime registrations in the same folder do not see the directory's entries.
        const connectors = await two.query<{ connectors: Array<{ origin: string }> }>(
          '{ connectors { origin } }',
        );
        expect(connectors.data?.connectors.filter((c) => c.origin === 'RUNTIME')).toEqual([]);
      } finally {
        await two.close();
      }
    } finally {
      await samples.close();
      await rm(registryDir, { recursive: true, force: true });
    }
  });
});
