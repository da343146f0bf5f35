import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noFaults } from '../../samples/sampleHttp';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { runCli } from '../support/runCli';
import { findCodes } from '../support/sampleCodes';
import {
  PROJECT_ROOT,
  SAMPLE_REGISTRATIONS,
  startTestGateway,
  takeStats,
  type TestGateway,
} from '../support/testGateway';

type Verdict = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

interface Report {
  connector: string;
  verdict: Verdict;
  sample: {
    source: string;
    agencies: string[];
    from: string | null;
    to: string | null;
    codes: number;
    found: number;
  };
  checks: Array<{ name: string; verdict: Verdict; reason: string; calls: number; ms: number }>;
  dates: Array<{
    field: string;
    parsed: number;
    failed: number;
    withoutTime: number;
    shapes: string[];
  }>;
  statuses: Array<{ field: string; raw: string; count: number; national: number | null }>;
  fieldsFilled: Array<{ field: string; filled: number; of: number }>;
}

const CHECK = `mutation ($d: String!, $c: [String!]!, $a: String, $n: Int!) {
  checkConnector(document: $d, codes: $c, agency: $a, days: $n) {
    connector verdict
    sample { source agencies from to codes found }
    checks { name verdict reason calls ms }
    dates { field parsed failed withoutTime shapes }
    statuses { field raw count national }
    fieldsFilled { field filled of }
  } }`;

/** The catalogue of the provincial sample system, as its bundled registration reads it. */
const CATALOGUE = `  catalogue:
    path: /api/v1/services
    query: { page: $page, size: $size }
    records: data
    pagination: { type: page, size: 4, total: total }
    mapping: { code: serviceCode, name: serviceName }
`;

/**
 * The conformance check (`checkConnector`, `npm run connectors -- check`) against the real sample
 * systems, through a real gateway: the provincial IT guide's REST example as it is (clean), and
 * with one defect at a time — each caught by its own check with a reason that says what to change.
 */
describe('Conformance check: a verdict per check against the live system', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let folder: string;
  let example: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    // The sample dossiers end on 31 October 2026: "today" is that day, for the last 30 days.
    t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', CACHE: 'none' },
      now: () => new Date('2026-10-31T10:00:00+07:00'),
    });
    folder = await mkdtemp(join(tmpdir(), 'check-'));
    example = (
      await readFile(
        join(PROJECT_ROOT, 'examples', 'runtime', 'thanh-hoa-trung-tam-pvhcc.yaml'),
        'utf8',
      )
    ).replace('http://127.0.0.1:7001', samples.provincial.url);
  });
  afterEach(() => {
    Object.assign(samples.provincial.faults, noFaults());
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
    await rm(folder, { recursive: true, force: true });
  });

  const check = async (
    document: string,
    options: { codes?: string[]; agency?: string; days?: number } = {},
  ): Promise<Report> => {
    const answer = await t.query<{ checkConnector: Report }>(
      CHECK,
      {
        d: document,
        c: options.codes ?? [],
        a: options.agency ?? null,
        n: options.days ?? 30,
      },
      'province-it',
    );
    expect(answer.errors).toBeUndefined();
    return answer.data?.checkConnector as Report;
  };
  const verdicts = (report: Report) =>
    Object.fromEntries(report.checks.map((c) => [c.name, c.verdict]));
  const reason = (report: Report, name: string) =>
    report.checks.find((c) => c.name === name)?.reason ?? '';
  const clean = () => example.replace('  statuses:\n', `${CATALOGUE}  statuses:\n`);

  it('passes a clean registration on every check, within a bounded number of calls, and says where its codes came from', async () => {
    takeStats(samples.provincial);
    const report = await check(clean());
    expect(verdicts(report)).toEqual({
      SAMPLE: 'PASS',
      BULK_LIMIT: 'PASS',
      NOT_FOUND: 'PASS',
      DATES: 'PASS',
      STATUSES: 'PASS',
      MAPPING: 'PASS',
      CATALOGUE: 'PASS',
      EXPRESSIONS: 'PASS',
    });
    expect(report.verdict).toBe('PASS');
    // 50 codes (maxBatch) from the listing: the last 30 days held fewer, so it looked back a year.
    expect(report.sample).toMatchObject({
      source: 'LISTING',
      agencies: ['000.00.01.H56'],
      to: '2026-10-31',
      codes: 50,
      found: 50,
    });
    expect(reason(report, 'SAMPLE')).toBe(
      '50 codes: 50 listed (000.00.01.H56, 2025-11-01 to 2026-10-31, 2 pages; the last 30 days held too few)',
    );
    expect(reason(report, 'BULK_LIMIT')).toBe(
      '50 codes in one call (maxBatch): all found, in order; 2 looked up alone agree',
    );
    expect(reason(report, 'NOT_FOUND')).toMatch(
      /^000\.00\.01\.H56-\d{6}-0000 \(cannot exist\) is DOSSIER_NOT_FOUND alone and beside 000\.00\.01\.H56-\d{6}-\d{4}, which is still found$/,
    );
    const received = report.dates.find((d) => d.field === 'receivedAt');
    expect(received).toEqual({
      field: 'receivedAt',
      parsed: 50,
      failed: 0,
      withoutTime: 0,
      shapes: [],
    });
    expect(report.statuses.every((s) => s.national !== null)).toBe(true);
    expect(report.fieldsFilled.find((f) => f.field === 'procedureCode')).toEqual({
      field: 'procedureCode',
      filled: 50,
      of: 50,
    });
    // Every call the system saw is one the report counted: listing pages, one bulk call, the
    // codes looked up alone, the code that cannot exist (alone and mixed), one catalogue page.
    const stats = takeStats(samples.provincial);
    const calls = report.checks.reduce((sum, c) => sum + c.calls, 0);
    expect(stats.attempts).toBe(calls);
    // With a bulk endpoint every lookup is a search: the 50 codes; the first and the last alone;
    // the code that cannot exist alone, then beside a real one.
    expect(stats.bulkCalls).toBe(5);
    expect(stats.codesRequested).toBe(50 + 2 + 1 + 2);
    expect(stats.singleCalls).toBe(0);
    expect(stats.cataloguePages).toBe(1);
    expect(stats.listPages).toBeLessThanOrEqual(5);
  });

  it('checks every kind: the SOAP example with codes given, the ministry system in the national sync format with its listing and catalogue', async () => {
    const soap = (
      await readFile(
        join(PROJECT_ROOT, 'examples', 'runtime', 'thanh-hoa-datdai-chi-nhanh.yaml'),
        'utf8',
      )
    ).replace('http://127.0.0.1:7003', samples.land.url);
    const codes = findCodes(samples.land.dataset, 20, (d) => d.agency.code === '000.30.12.H56');
    const land = await check(soap, { codes });
    expect(land.sample).toMatchObject({ source: 'GIVEN', codes: 20, found: 20 });
    expect(land.verdict).toBe('PASS');
    expect(verdicts(land)).toMatchObject({
      BULK_LIMIT: 'PASS',
      NOT_FOUND: 'PASS',
      CATALOGUE: 'SKIP',
    });
    // Fewer codes than maxBatch, and no listing to find more: said, as a warning.
    const few = await check(soap, { codes: codes.slice(0, 5) });
    expect(reason(few, 'BULK_LIMIT')).toBe(
      'only 5 real codes, fewer than maxBatch 20: 5 codes in one call all found, in order; 2 looked up alone agree; to check the limit, give 20 codes',
    );

    let national = await readFile(join(SAMPLE_REGISTRATIONS, 'bo-noi-vu-dvc.yaml'), 'utf8');
    for (const [name, value] of Object.entries(samples.variables))
      national = national.replaceAll(`\${${name}}`, value);
    const ministry = await t.query<{ checkConnector: Report }>(
      CHECK,
      { d: national.replace(/^id: .*$/m, 'id: bo-noi-vu-kiem-tra'), c: [], a: null, n: 30 },
      'admin',
    );
    expect(ministry.errors).toBeUndefined();
    const report = ministry.data?.checkConnector as Report;
    expect(report.sample).toMatchObject({ source: 'LISTING', codes: 100, found: 100 });
    expect(verdicts(report)).toEqual({
      SAMPLE: 'PASS',
      BULK_LIMIT: 'PASS',
      NOT_FOUND: 'PASS',
      DATES: 'PASS',
      STATUSES: 'PASS',
      MAPPING: 'PASS',
      CATALOGUE: 'PASS',
      EXPRESSIONS: 'PASS',
    });
  });

  it('fails the bulk limit when the registration declares more codes per call than the system takes', async () => {
    // The sample system refuses more than 50 codes in one search (HTTP 400).
    const report = await check(example.replace('maxBatch: 50', 'maxBatch: 80'));
    expect(report.sample.codes).toBe(80);
    expect(verdicts(report).BULK_LIMIT).toBe('FAIL');
    expect(reason(report, 'BULK_LIMIT')).toMatch(
      /^80 codes in one call all answered UPSTREAM_\w+: .*, yet 000\.00\.01\.H56-\d{6}-\d{4} alone is found: the system takes fewer than 80 codes per call; lower config\.lookup maxBatch \(now 80\)$/,
    );
    expect(report.verdict).toBe('FAIL');
  });

  it('fails the bulk limit when the system silently answers fewer codes than asked', async () => {
    samples.provincial.faults.bulkAnswersAtMost = 40;
    const report = await check(example);
    expect(verdicts(report).BULK_LIMIT).toBe('FAIL');
    expect(reason(report, 'BULK_LIMIT')).toMatch(
      /^10 of 50 codes in one call not in its answer, yet found alone \(e\.g\. \S+\): the system answered 40 codes of 50; lower config\.lookup maxBatch \(now 50\)$/,
    );
  });

  it('fails statuses the table does not map, naming them with their counts', async () => {
    const report = await check(example.replace('      done: 10\n', ''));
    expect(verdicts(report)).toMatchObject({
      BULK_LIMIT: 'PASS',
      NOT_FOUND: 'PASS',
      DATES: 'PASS',
      STATUSES: 'FAIL',
    });
    const done = report.statuses.filter((s) => s.raw === 'done');
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((s) => s.national === null)).toBe(true);
    const count = report.statuses
      .filter((s) => s.raw === 'done' && s.field === 'status')
      .reduce((sum, s) => sum + s.count, 0);
    const steps = report.statuses
      .filter((s) => s.raw === 'done' && s.field === 'history[].status')
      .reduce((sum, s) => sum + s.count, 0);
    expect(reason(report, 'STATUSES')).toBe(
      `1 of ${new Set(report.statuses.map((s) => s.raw)).size} raw statuses not in the status table: "done" ×${count + steps}: add them to config.statuses.map`,
    );
  });

  it('warns of values the mapping drops: a channel word missing from the channel table', async () => {
    const report = await check(
      example.replace('  channels: { DIRECT: 1, ONLINE: 2, POSTAL: 3 }\n', ''),
    );
    expect(verdicts(report)).toMatchObject({ DATES: 'PASS', STATUSES: 'PASS', MAPPING: 'WARN' });
    expect(reason(report, 'MAPPING')).toMatch(
      /^values dropped: channel: channel "…" is not in the registration's channel table ×50; \d+ of 24 national fields filled in every dossier/,
    );
    expect(report.fieldsFilled.find((f) => f.field === 'channel')).toEqual({
      field: 'channel',
      filled: 0,
      of: 50,
    });
    // Warnings do not fail the check.
    expect(report.verdict).toBe('WARN');
  });

  it('fails dates in a format the registration does not accept, showing their shape and not their value', async () => {
    const report = await check(
      example.replace("formats: ['dd/MM/yyyy HH:mm:ss']", "formats: ['yyyy-MM-dd']"),
    );
    expect(verdicts(report)).toMatchObject({ DATES: 'FAIL', STATUSES: 'PASS' });
    expect(report.dates.find((d) => d.field === 'receivedAt')).toEqual({
      field: 'receivedAt',
      parsed: 0,
      failed: 50,
      withoutTime: 0,
      shapes: ['99/99/9999 99:99:99'],
    });
    expect(reason(report, 'DATES')).toContain(
      'receivedAt 0 of 50 parsed (sent as 99/99/9999 99:99:99)',
    );
    expect(reason(report, 'DATES')).toMatch(/: add the format to config\.dates\.formats$/);
    // A field that is never parsed is empty in every dossier: the mapping check says so too.
    expect(verdicts(report).MAPPING).toBe('WARN');
    expect(reason(report, 'MAPPING')).toMatch(/^receivedAt, dueAt empty in all 50 dossiers/);
  });

  it('fails a not-found answer that is an error, and passes once the registration says how the system means "no such dossier"', async () => {
    samples.provincial.faults.unknownAsError = true;
    // One lookup per code, no bulk: the system's single lookup answers 200 with an error body.
    const single = example.replace(/ {4}bulk:\n(?: {6}.*\n)+/, '');
    expect(single).not.toContain('_search');
    const broken = await check(single);
    expect(verdicts(broken).NOT_FOUND).toBe('FAIL');
    expect(reason(broken, 'NOT_FOUND')).toMatch(
      /^000\.00\.01\.H56-\d{6}-0000 \(cannot exist\) answered UPSTREAM_BAD_RESPONSE: .* alone, not "no such dossier": declare how the system says so/,
    );
    const fixed = await check(
      single.replace(
        '      notFoundStatuses: [404]\n',
        '      notFoundStatuses: [404]\n      notFoundWhen: \'status = "ERROR"\'\n',
      ),
    );
    expect(verdicts(fixed)).toMatchObject({ BULK_LIMIT: 'PASS', NOT_FOUND: 'PASS' });
  });

  it('gives a hung system its own timeout: failed checks, each with the timeout as its reason', async () => {
    samples.provincial.faults.hang = true;
    const started = Date.now();
    const report = await check(
      example.replace('  timeoutMs: 3000\n', '  timeoutMs: 300\n  resilience: { retries: 0 }\n'),
    );
    expect(verdicts(report)).toMatchObject({
      SAMPLE: 'FAIL',
      BULK_LIMIT: 'SKIP',
      NOT_FOUND: 'FAIL',
      DATES: 'SKIP',
    });
    expect(reason(report, 'SAMPLE')).toMatch(
      /^listing of 000\.00\.01\.H56 failed: UPSTREAM_TIMEOUT: .*300 ms/,
    );
    expect(reason(report, 'NOT_FOUND')).toMatch(/answered UPSTREAM_TIMEOUT: /);
    expect(report.checks.find((c) => c.name === 'SAMPLE')?.calls).toBe(1);
    // Two calls of 300 ms, not the check's 30 s.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('uses the codes given when the registration has no listing, and fails with no codes at all', async () => {
    const noListing = example.replace(
      / {2}# Hồ sơ của đơn vị[^\n]*\n {2}listing:\n(?: {4}.*\n)+/,
      '',
    );
    expect(noListing).not.toContain('listing:');
    const codes = findCodes(
      samples.provincial.dataset,
      3,
      (d) => d.agency.code === '000.00.01.H56',
    );
    const given = await check(noListing, { codes });
    expect(given.sample).toMatchObject({ source: 'GIVEN', agencies: [], codes: 3, found: 3 });
    expect(verdicts(given)).toMatchObject({
      SAMPLE: 'PASS',
      BULK_LIMIT: 'WARN',
      NOT_FOUND: 'PASS',
    });
    expect(reason(given, 'BULK_LIMIT')).toMatch(/^only 3 real codes, fewer than maxBatch 50/);
    expect(given.verdict).toBe('WARN');
    const none = await check(noListing);
    expect(none.sample.source).toBe('NONE');
    expect(verdicts(none)).toMatchObject({
      SAMPLE: 'FAIL',
      BULK_LIMIT: 'SKIP',
      DATES: 'SKIP',
      STATUSES: 'SKIP',
      MAPPING: 'SKIP',
    });
    expect(reason(none, 'SAMPLE')).toBe(
      'no listing declared and no codes given: give real codes after the file name',
    );
    expect(none.verdict).toBe('FAIL');
  });

  it("is refused as a dry run is: outside the caller's scope, an agency outside the coverage, one check of an id at a time", async () => {
    const outside = await t.query(
      CHECK,
      { d: example.replace('[000.00.01.H56]', '[000.00.01.G09]'), c: [], a: null, n: 30 },
      'province-it',
    );
    expect(outside.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const agency = await t.query(
      CHECK,
      { d: example, c: [], a: '000.00.10.H56', n: 30 },
      'province-it',
    );
    expect(agency.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(agency.errors?.[0]?.message).toContain(
      "agency: 000.00.10.H56 is outside thanh-hoa-trung-tam-pvhcc's coverage",
    );
    const malformed = await t.query(
      CHECK,
      { d: example, c: ['x'.repeat(101)], a: 'h56 x', n: 0 },
      'province-it',
    );
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    for (const problem of [
      'codes: "xxx',
      'is longer than 100 characters: not a dossier code',
      'days: a whole number from 1 to 366, got 0',
      'agency: "h56 x" is not an agency code',
    ])
      expect(malformed.errors?.[0]?.message).toContain(problem);
    const portal = await t.query(CHECK, { d: example, c: [], a: null, n: 30 }, 'portal');
    expect(portal.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A slow system keeps the first check running while the second arrives.
    samples.provincial.faults.delayMs = 200;
    const both = await Promise.all(
      [0, 1].map(() => t.query(CHECK, { d: example, c: [], a: null, n: 30 }, 'province-it')),
    );
    const refused = both.filter((a) => a.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.errors?.[0]?.message).toBe(
      'a check of thanh-hoa-trung-tam-pvhcc is already running on this gateway; run it again when it has finished',
    );
    expect(both.filter((a) => a.errors === undefined)).toHaveLength(1);
  });

  it('npm run connectors -- check prints the table, exits 0 on warnings and 1 on a failure, and shows no personal data', async () => {
    const cli = (...args: string[]) =>
      runCli('connectors', { GATEWAY_URL: t.url, GATEWAY_API_KEY: t.keys['province-it'] }, ...args);
    const good = join(folder, 'good.yaml');
    await writeFile(good, example);
    const passed = await cli('check', good);
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    const lines = passed.stdout.split('\n');
    expect(lines[0]).toBe('Conformance check of thanh-hoa-trung-tam-pvhcc');
    expect(lines[1]).toMatch(
      /^Sample: 50 codes from the listing of 000\.00\.01\.H56 \(\d{4}-\d{2}-\d{2} to 2026-10-31\); 50 dossiers read$/,
    );
    expect(lines[3]).toMatch(/^CHECK +VERDICT +CALLS +MS +REASON$/);
    expect(lines.slice(4, 12).map((line) => line.split(/ {2,}/).slice(0, 2))).toEqual([
      ['sample', 'PASS'],
      ['bulk limit', 'PASS'],
      ['not found', 'PASS'],
      ['dates', 'PASS'],
      ['statuses', 'PASS'],
      ['mapping', 'PASS'],
      ['catalogue', 'SKIP'],
      ['expressions', 'PASS'],
    ]);
    expect(passed.stdout).toContain('\nMapping coverage (dossiers with a value, of 50)\n');
    expect(passed.stdout).toMatch(/\nVerdict: PASS \(8 passed or skipped, 0 warned, 0 failed\)\n$/);
    // No applicant's name, phone or ID number of the dossiers checked is in the output.
    const json = await cli('check', good, '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.verdict).toBe('PASS');
    for (const code of samples.provincial.dataset.codes()) {
      if (!code.startsWith('000.00.01.H56-')) continue;
      const applicant = samples.provincial.dataset.get(code)?.applicant;
      for (const value of [applicant?.name, applicant?.phone, applicant?.idNumber]) {
        if (value !== undefined) {
          expect(passed.stdout).not.toContain(value);
          expect(json.stdout).not.toContain(value);
        }
      }
    }

    const warn = join(folder, 'warn.yaml');
    await writeFile(warn, example.replace('  channels: { DIRECT: 1, ONLINE: 2, POSTAL: 3 }\n', ''));
    const warned = await cli('check', warn);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/\nmapping +WARN +0 +\d+ +values dropped: channel/);
    expect(warned.stdout).toMatch(/\nVerdict: WARN \(7 passed or skipped, 1 warned, 0 failed\)\n$/);

    const bad = join(folder, 'bad.yaml');
    await writeFile(bad, example.replace('      done: 10\n', ''));
    const failed = await cli('check', bad, '--days', '60');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /\nstatuses +FAIL +0 +\d+ +1 of \d+ raw statuses not in the status table: "done" ×\d+/,
    );
    expect(failed.stdout).toMatch(/\nstatus +"done" +\d+ +NOT MAPPED\n/);
    expect(failed.stdout).toMatch(
      /\nVerdict: FAIL \(\d passed or skipped, 0 warned, 1 failed\)\n$/,
    );
  });
});
