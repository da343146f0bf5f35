import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { chromium } from 'playwright-core';
import { renderNational } from '../../samples/ministry-national/renderNational';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { recomputeResultForm, type Recomputed } from '../support/recomputeResultForm';
import {
  REPORT_RESULT_FIELDS,
  type ReportResultView,
  type ResultRowView,
} from '../support/reportFields';
import { runCli } from '../support/runCli';
import { PROJECT_ROOT, startTestGateway, type TestGateway } from '../support/testGateway';
import { hierarchyKeys } from '../../connectors/shared/agencyCode';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';

const START = `mutation ($i: ReportInput!) { startReport(input: $i) { id state } }`;
const READ = `query ($id: ID!) { report(id: $id) { id state problems
  progress { percent agenciesDone agenciesTotal pages dossiers etaSeconds }
  result ${REPORT_RESULT_FIELDS} } }`;

interface Job {
  id: string;
  state: string;
  problems: string[];
  progress: {
    percent: number;
    agenciesDone: number;
    agenciesTotal: number;
    pages: number;
    dossiers: number;
  };
  result: ReportResultView | null;
}

/** The land system holds the land registry's units; the provincial system every other H56 unit. */
const systemOf = (code: string) => (/\.1[12]\.H56$/.test(code) ? 'land' : 'provincial');

/** Indicator reports as jobs, checked against the sample systems' own data. */
describe('Indicator reports', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 6000, seed: 66 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
  }, 30_000);
  // Whatever failed at the start, what was started is stopped, so that jest exits.
  afterAll(async () => {
    await (t as TestGateway | undefined)?.close();
    await (samples as SampleSystems | undefined)?.close();
  });

  const waitFor = async (id: string, as: 'auditor' | 'admin' = 'auditor'): Promise<Job> => {
    // A quarter with its year of carry-over is 4× the pages: under a loaded CI it may take long.
    const deadline = Date.now() + 80_000;
    for (;;) {
      const answer = await t.query<{ report: Job }>(READ, { id }, as);
      const job = answer.data?.report as Job;
      if (!['QUEUED', 'RUNNING'].includes(job.state) || Date.now() > deadline) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it.each([
    ['2026-07-01', '2026-09-30'],
    ['2026-04-01', '2026-06-30'],
  ])(
    'H56 from %s to %s: every agency row equals a second, independent reading of the systems’ own data',
    async (from, to) => {
      const started = await t.query<{ startReport: { id: string; state: string } }>(
        START,
        { i: { agencies: ['H56'], from, to } },
        'auditor',
      );
      expect(started.errors).toBeUndefined();
      const job = await waitFor(started.data?.startReport.id as string);
      expect([job.state, job.problems]).toEqual(['DONE', []]);
      expect(job.progress).toMatchObject({ percent: 100 });
      const result = job.result as ReportResultView;
      expect(result.complete).toBe(true);
      expect(result.period).toMatchObject({ from, to });
      // The systems read: both sample systems that hold H56, every listed agency under one of them.
      expect(result.sources.map((source) => source.connector).sort()).toEqual([
        'thanh-hoa-datdai',
        'thanh-hoa-motcua',
      ]);
      expect(result.sources.reduce((sum, source) => sum + source.pages, 0)).toBe(
        job.progress.pages,
      );
      // The land system lists every unit's dossiers: read once for all its units, not once per
      // unit, 100 a page, each phase (the year before, the period) from its first page.
      const land = result.sources.find((source) => source.connector === 'thanh-hoa-datdai');
      const carriedOverSince = result.period.carriedOverSince as string;
      const everyUnit = (first: string, last: string) =>
        samples.land.dataset.listReceived(null, first, last, 0, 0).total;
      const before = everyUnit(carriedOverSince, dayBefore(from));
      const during = everyUnit(from, to);
      expect(land).toMatchObject({
        agencyFilter: 'GATEWAY',
        dossiers: before + during,
        pages: Math.max(1, Math.ceil(before / 100)) + Math.max(1, Math.ceil(during / 100)),
        // Every land unit open in those days is in an H56 report.
        otherAgencies: 0,
      });
      expect(
        result.sources.find((source) => source.connector === 'thanh-hoa-motcua'),
      ).toMatchObject({ agencyFilter: 'SYSTEM', otherAgencies: 0 });
      const agencyRows = result.table.filter((row) => row.scope === 'AGENCY');
      const sum = { received: 0, carriedOver: 0, resolvedLate: 0, openOverdue: 0 };
      for (const row of agencyRows) {
        const code = row.agency as string;
        const system = systemOf(code);
        const truth = recomputeResultForm(samples[system].dataset, system, code, from, to);
        expect([code, pickCounted(row)]).toEqual([code, truth]);
        sum.received += truth.receivedOnline + truth.receivedInPerson;
        sum.carriedOver += truth.carriedOver;
        sum.resolvedLate += truth.resolvedLate;
        sum.openOverdue += truth.openOverdue;
      }
      expect(result.total).toMatchObject(sum);
      // Not a trivial agreement: every column has dossiers in it somewhere.
      for (const column of [
        'carriedOver',
        'resolvedEarly',
        'resolvedOnTime',
        'resolvedLate',
        'openNotDue',
        'openOverdue',
        'withdrawn',
        'stopped',
        'rejectedAtIntake',
        'notReceived',
      ] as const)
        expect([column, result.total[column] > 0]).toEqual([column, true]);
      // Every H56 agency with a dossier counted is in the report, and no other.
      const directory = await loadAgencyDirectory(
        join(PROJECT_ROOT, 'data', 'agencies.sample.yaml'),
      );
      const expected = [...directory.list({})]
        .filter((a) => hierarchyKeys(a.code).includes('H56'))
        .map((a) => a.code)
        .filter((code) => {
          const system = systemOf(code);
          const truth = recomputeResultForm(samples[system].dataset, system, code, from, to);
          return Object.values(truth).some((count) => count > 0);
        })
        .sort();
      expect(agencyRows.map((row) => row.agency).sort()).toEqual(expected);
      // The queue shows in /metrics: nothing waiting now, reports done.
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/^dvcgw_report_jobs\{state="queued"\} 0$/m);
      expect(metrics).toMatch(/^dvcgw_report_jobs\{state="done"\} [1-9]\d*$/m);
      // On-the-spot targets by level (data/indicator-targets.yaml): the centre (20 %), the communes (50 %).
      expect(result.onTheSpotTargets.map((g) => g.target)).toEqual([0.2, 0.5]);
      for (const group of result.onTheSpotTargets)
        expect(group.met).toBe(group.rate === null ? null : group.rate >= group.target);
    },
    120_000,
  );

  it('gives the figures as CSV and as a self-contained HTML page that renders offline in Chromium', async () => {
    const started = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['H56'], from: '2026-04-01', to: '2026-09-30' } },
      'auditor',
    );
    const id = started.data?.startReport.id as string;
    expect((await waitFor(id)).state).toBe('DONE');
    const outputs = await t.query<{
      report: {
        csv: string;
        html: string;
        result: {
          table: Array<{ scope: string }>;
          total: { received: number };
          months: Array<{ month: string }>;
        };
      };
    }>(
      `query ($id: ID!) { report(id: $id) { csv html result { table { scope } total { received } months { month } } } }`,
      { id },
      'auditor',
    );
    const report = outputs.data?.report as NonNullable<typeof outputs.data>['report'];
    expect(report.result.months.map((m) => m.month)).toEqual([
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
    ]);
    const lines = report.csv.split('\r\n').filter(Boolean);
    expect(lines[0]?.split(',').slice(0, 8)).toEqual([
      'scope',
      'key',
      'agency_code',
      'field_code',
      'label',
      'c03_to_resolve',
      'c04_received_online',
      'c05_received_in_person_or_post',
    ]);
    expect(lines).toHaveLength(report.result.table.length + 1);
    const last = lines.at(-1)?.split(',') as string[];
    expect(Number(last[6]) + Number(last[7])).toBe(report.result.total.received);
    expect(report.csv).toContain('Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa');

    const chromiumPath = '/usr/bin/chromium';
    if (!existsSync(chromiumPath))
      throw new Error(
        'Chromium is not installed. Install it with: apt-get update && apt-get install -y chromium',
      );
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requested: string[] = [];
      await page.route('**/*', (route) => {
        requested.push(route.request().url());
        return route.abort();
      });
      await page.setContent(report.html);
      for (const chart of ['status-mix', 'on-time-trend']) {
        expect(await page.locator(`#${chart} rect`).count()).toBeGreaterThan(0);
      }
      expect(await page.locator('#on-time-trend rect').count()).toBe(6);
      expect(await page.locator('h1').textContent()).toBe(
        'TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH',
      );
      // The form as filed: columns (1)–(20) numbered, a row per table row, dates dd/MM/yyyy.
      const numbers = await page.locator('#result-form thead tr:nth-child(3) th').allTextContents();
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `(${i + 1})`));
      expect(await page.locator('#result-form tbody tr').count()).toBe(report.result.table.length);
      expect(await page.locator('.period').textContent()).toBe(
        'Kỳ báo cáo: từ ngày 01/04/2026 đến ngày 30/09/2026',
      );
      // Every indicator shows its counts or why it has none; none is an empty 0 %.
      const statuses = await page.locator('#indicators tbody tr td:nth-child(7)').allTextContents();
      expect(statuses).toContain('Chưa có dữ liệu');
      for (const row of await page.locator('#indicators tbody tr').all()) {
        const cells = await row.locator('td').allTextContents();
        if (cells[6] === 'Chưa có dữ liệu' || cells[6] === 'Không áp dụng')
          expect([cells[0], cells[2], cells[3], cells[5]]).toEqual([cells[0], '—', '—', '—']);
      }
      // Printed on A4 landscape, the form's header repeats on every page.
      const pdf = await page.pdf({ format: 'A4', landscape: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      mkdirSync(join(PROJECT_ROOT, 'test', 'artifacts'), { recursive: true });
      await page.screenshot({
        path: join(PROJECT_ROOT, 'test', 'artifacts', 'report.png'),
        fullPage: true,
      });
      // Self-contained: nothing was fetched.
      expect(requested).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('a ministry system that sends the 2022 fields: digitisation, payment and VNeID are computed, sync and electronic results are not', async () => {
    const started = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['G09'], from: '2026-07-01', to: '2026-09-30' } },
      'auditor',
    );
    const job = await waitFor(started.data?.startReport.id as string);
    expect([job.state, job.problems]).toEqual(['DONE', []]);
    const result = job.result as ReportResultView;
    // The truth, from the ministry system's own records as it renders them.
    let received = 0;
    let digitised = 0;
    let feeBearing = 0;
    let paid = 0;
    for (const row of result.table.filter((r) => r.scope === 'AGENCY')) {
      const { dossiers } = samples.ministry.dataset.listReceived(
        row.agency as string,
        '2026-07-01',
        '2026-09-30',
        0,
        1e9,
      );
      for (const dossier of dossiers) {
        if (dossier.status === 1 || dossier.status === 3) continue;
        const record = renderNational(dossier, false);
        received += 1;
        if (record.HoSoCoThanhPhanSoHoa === '1') digitised += 1;
        if (dossier.fees.some((fee) => fee.amount > 0)) {
          feeBearing += 1;
          if (record.DuocThanhToanTrucTuyen === '1') paid += 1;
        }
      }
    }
    expect(result.total.received).toBe(received);
    const figure = (id: string) => result.indicators.find((entry) => entry.id === id);
    expect(figure('4.2')).toMatchObject({
      status: 'COMPUTED',
      numerator: digitised,
      denominator: received,
    });
    expect(figure('3.6')).toMatchObject({
      status: 'COMPUTED',
      numerator: paid,
      denominator: feeBearing,
    });
    expect(figure('4.5')?.status).toBe('COMPUTED');
    expect(received).toBeGreaterThan(20);
    expect(digitised).toBeGreaterThan(0);
    // What the system does not send is "no data", never 0 %.
    expect(figure('1.4')).toMatchObject({ status: 'NO_DATA', rate: null });
    expect(figure('4.1')).toMatchObject({ status: 'NO_DATA', rate: null });
    // Where dossiers were submitted, as the system says.
    expect(result.bySubmittedVia.map((entry) => entry.key).sort()).toEqual(['1', '2', '3']);
    expect(result.bySubmittedVia.reduce((sum, entry) => sum + entry.count, 0)).toBe(received);
  });

  it('a system whose listing ignores the agency asked: another unit’s dossiers are left out, and said so; a predecessor’s are its own', async () => {
    const report = async (agency: string, from: string, to: string) => {
      const started = await t.query<{ startReport: { id: string } }>(
        START,
        { i: { agencies: [agency], from, to } },
        'auditor',
      );
      return waitFor(started.data?.startReport.id as string);
    };
    try {
      // Asked for the finance department, the system answers the justice department's dossiers.
      samples.provincial.faults.listingAnswersFor = '000.00.10.H56';
      const other = await report('000.00.07.H56', '2026-07-01', '2026-07-31');
      expect(other.state).toBe('DONE');
      expect(other.result?.complete).toBe(false);
      expect(other.result?.total.toResolve).toBe(0);
      expect(other.problems.join('\n')).toMatch(
        /000\.00\.07\.H56: \d+ listed dossier\(s\) belong to another agency by their own data; left out/,
      );
      // The planning department (closed 28/2/2025) merged into finance: its dossiers are finance's.
      samples.provincial.faults.listingAnswersFor = '000.00.06.H56';
      const merged = await report('000.00.07.H56', '2025-01-01', '2025-02-28');
      const truth = samples.provincial.dataset.listReceived(
        '000.00.06.H56',
        '2025-01-01',
        '2025-02-28',
        0,
        1e9,
      );
      expect([merged.state, merged.problems]).toEqual(['DONE', []]);
      expect(
        (merged.result?.total.received ?? 0) +
          (merged.result?.total.rejectedAtIntake ?? 0) +
          (merged.result?.total.notReceived ?? 0),
      ).toBe(truth.total);
      expect(truth.total).toBeGreaterThan(0);
    } finally {
      samples.provincial.faults.listingAnswersFor = null;
    }
  });

  it('a system whose listing takes no unit (and dd/MM/yyyy dates): a report for one unit counts that unit’s dossiers only', async () => {
    const [from, to] = ['2026-07-01', '2026-09-30'];
    const unit = '000.01.12.H56';
    const started = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: [unit], from, to } },
      'auditor',
    );
    const job = await waitFor(started.data?.startReport.id as string);
    expect([job.state, job.problems]).toEqual(['DONE', []]);
    const result = job.result as ReportResultView;
    expect(result.complete).toBe(true);
    // The unit's row is what the sample system holds for that unit alone.
    const rows = result.table.filter((row) => row.scope === 'AGENCY');
    expect(rows.map((row) => row.agency)).toEqual([unit]);
    const truth = recomputeResultForm(samples.land.dataset, 'land', unit, from, to);
    expect(pickCounted(rows[0] as ResultRowView)).toEqual(truth);
    // The system did list the other units' dossiers (thousands), and none was counted here.
    const since = result.period.carriedOverSince as string;
    const listed = (agency: string | null) =>
      samples.land.dataset.listReceived(agency, since, dayBefore(from), 0, 0).total +
      samples.land.dataset.listReceived(agency, from, to, 0, 0).total;
    const others = listed(null) - listed(unit);
    expect(others).toBeGreaterThan(listed(unit));
    expect(result.sources).toEqual([
      expect.objectContaining({
        connector: 'thanh-hoa-datdai',
        agencies: [unit],
        agencyFilter: 'GATEWAY',
        dossiers: listed(null),
        otherAgencies: others,
      }),
    ]);
    expect(result.total).toMatchObject(pickCounted(rows[0] as ResultRowView));
    // The sources say so in the HTML too.
    const html = await t.query<{ report: { html: string } }>(
      `query ($id: ID!) { report(id: $id) { html } }`,
      { id: job.id },
      'auditor',
    );
    expect(html.data?.report.html).toContain(
      `cổng kết nối lọc theo đơn vị của từng hồ sơ (hệ thống trả hồ sơ mọi đơn vị); ${others} hồ sơ của đơn vị ngoài báo cáo không tính`,
    );
  });

  it('refuses a report whose listed dossiers’ unit cannot be told (a listing of every unit, its agency mapped from the unit’s name)', async () => {
    const text = (
      await readFile(
        join(PROJECT_ROOT, 'examples', 'runtime', 'thanh-hoa-datdai-chi-nhanh.yaml'),
        'utf8',
      )
    )
      .replace('http://127.0.0.1:7003', samples.land.url)
      .replace('id: thanh-hoa-datdai-chi-nhanh', 'id: datdai-ma-don-vi-sai')
      .replace('agencyCode: MaDonVi', 'agencyCode: TenDonVi')
      .replace(
        '  faults:',
        [
          '  listing:',
          '    action: http://motcua.thanhhoa.gov.vn/datdai/LayDanhSachHoSo',
          '    body: <LayDanhSachHoSo xmlns="http://motcua.thanhhoa.gov.vn/datdai"><TuNgay>{{from}}</TuNgay><DenNgay>{{to}}</DenNgay><TrangSo>{{page}}</TrangSo><SoBanGhi>{{size}}</SoBanGhi></LayDanhSachHoSo>',
          '    records: LayDanhSachHoSoResponse.LayDanhSachHoSoResult.HoSo',
          '    pagination: { type: page, size: 100, total: LayDanhSachHoSoResponse.LayDanhSachHoSoResult.TongSo }',
          '    dateFormat: dd/MM/yyyy',
          '    filtersByAgency: false',
          '  faults:',
        ].join('\n'),
      );
    const made = await t.query<{ registerConnector: { version: number } }>(
      'mutation ($d: String!) { registerConnector(document: $d) { version } }',
      { d: text },
      'province-it',
    );
    expect(made.errors).toBeUndefined();
    try {
      const started = await t.query<{ startReport: { id: string } }>(
        START,
        { i: { agencies: ['000.30.12.H56'], from: '2026-07-01', to: '2026-07-31' } },
        'auditor',
      );
      const job = await waitFor(started.data?.startReport.id as string);
      expect(job.state).toBe('FAILED');
      expect(job.result).toBeNull();
      expect(job.problems).toEqual([
        expect.stringMatching(
          /^the report failed: UNKNOWN_AGENCY: datdai-ma-don-vi-sai lists every unit's dossiers \(listing\.filtersByAgency: false\), and the agency of \d+ listed dossier\(s\) is not in the agency directory or not given, e\.g\. 000\.\d\d\.\d\d\.H56-\d{6}-\d{4} \(agency "[^"]+"\), .*so the report is refused rather than count them under a wrong unit or leave them out unsaid\. Map the agency code \(mapping\.agencyCode\), or add the agency to the directory$/,
        ),
      ]);
    } finally {
      await t.query(
        `mutation { deleteConnector(id: "datdai-ma-don-vi-sai", version: ${made.data?.registerConnector.version}) { id } }`,
        {},
        'province-it',
      );
    }
  });

  it('runs from the command line with a progress bar and writes the CSV, HTML and Excel files', async () => {
    const out = await mkdtemp(join(tmpdir(), 'report-cli-'));
    const run = (...args: string[]) =>
      runCli('report', { GATEWAY_URL: t.url, GATEWAY_API_KEY: t.keys.auditor }, ...args);
    const done = await run(
      '--agencies',
      '000.00.01.H56',
      '--from',
      '2026-07-01',
      '--to',
      '2026-07-31',
      '--out',
      out,
    );
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/\[#{20}\] 100\.0 % · \d+ dossiers/);
    const [summary, csvFile, htmlFile, xlsxFile] = done.stdout.trim().split('\n');
    expect(summary).toMatch(
      /^to resolve \d+ \(carried over \d+, received \d+\); resolved \d+ \(late \d+\); overdue unresolved \d+; 2\.1 on time [\d.]+ %; 3\.3 online [\d.]+ % \(partial\)$/,
    );
    expect((await readFile(csvFile as string, 'utf8')).split('\r\n')[0]).toContain('c07_resolved');
    expect(await readFile(htmlFile as string, 'utf8')).toContain('<svg id="status-mix"');
    // The workbook: the form's sheet with its title, numbered columns and the same rows as the CSV.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsxFile as string);
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual([
      'Biểu II.06a',
      'Chỉ số 766',
      'Phương pháp',
    ]);
    const form = book.getWorksheet('Biểu II.06a') as ExcelJS.Worksheet;
    expect(form.getCell('A2').value).toBe('TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH');
    expect(form.getCell('A3').value).toBe('Kỳ báo cáo: từ ngày 01/07/2026 đến ngày 31/07/2026');
    expect(form.getRow(8).values).toEqual([
      undefined,
      ...Array.from({ length: 20 }, (_, i) => `(${i + 1})`),
    ]);
    const csvRows = (await readFile(csvFile as string, 'utf8')).split('\r\n').slice(1, -1);
    for (const [index, line] of csvRows.entries()) {
      const cells = line.split(',');
      const sheetRow = form.getRow(9 + index).values as unknown[];
      // Columns (3)–(20) equal the CSV's (the 18 before its last five, the data flags).
      expect(sheetRow.slice(3, 21)).toEqual(cells.slice(-23, -5).map(Number));
    }
    const indicators = book.getWorksheet('Chỉ số 766') as ExcelJS.Worksheet;
    expect(indicators.getCell('A2').value).toBe('1.1');
    const refused = await run(
      '--agencies',
      'nowhere',
      '--from',
      '2026-07-01',
      '--to',
      '2026-07-31',
      '--out',
      out,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'BAD_USER_INPUT: agencies: "nowhere" is neither an agency code',
    );
  }, 120_000);

  it('is for auditors and admins, who share the reports; every start is on record', async () => {
    for (const role of ['portal', 'province-it'] as const) {
      const refused = await t.query(
        START,
        { i: { agencies: ['H56'], from: '2026-07-01', to: '2026-07-31' } },
        role,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const purpose = 'Báo cáo tháng 7/2026 theo Quyết định 766/QĐ-TTg';
    const mine = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['000.00.01.H56'], from: '2026-07-01', to: '2026-07-31', purpose } },
      'admin',
    );
    const id = mine.data?.startReport.id as string;
    expect((await waitFor(id, 'auditor')).state).toBe('DONE');
    const log = await t.query<{ auditLog: { nodes: Array<{ scope: string; purpose: string }> } }>(
      `{ auditLog(filter: { action: "report.start" }) { nodes { scope purpose } } }`,
    );
    expect(log.data?.auditLog.nodes).toContainEqual({
      scope: `000.00.01.H56 from 2026-07-01 to 2026-07-31; report ${id}`,
      purpose,
    });
    const vague = await t.query(
      START,
      { i: { agencies: ['H56'], from: '2026-07-01', to: '2026-07-31', purpose: 'vì' } },
      'auditor',
    );
    expect(vague.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a bad scope or period, naming it, and cancels on request', async () => {
    const bad = await t.query(
      START,
      { i: { agencies: ['not-an-agency'], from: '2026-07-01', to: '2026-07-31' } },
      'auditor',
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toContain('"not-an-agency" is neither an agency code');
    const long = await t.query(
      START,
      { i: { agencies: ['H56'], from: '2024-01-01', to: '2026-09-30' } },
      'auditor',
    );
    expect(long.errors?.[0]?.message).toContain('at most 366 days');
    const started = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['H56', 'G09'], from: '2025-10-01', to: '2026-09-30' } },
      'auditor',
    );
    const id = started.data?.startReport.id as string;
    const cancelled = await t.query<{ cancelReport: { state: string } }>(
      `mutation ($id: ID!) { cancelReport(id: $id) { state } }`,
      { id },
      'auditor',
    );
    expect(cancelled.data?.cancelReport.state).toBe('CANCELLED');
    const after = await waitFor(id);
    expect([after.state, after.result]).toEqual(['CANCELLED', null]);
    // A finished report stays as it is.
    const small = await t.query<{ startReport: { id: string } }>(
      START,
      { i: { agencies: ['000.00.01.H56'], from: '2026-07-01', to: '2026-07-02' } },
      'auditor',
    );
    const smallId = small.data?.startReport.id as string;
    expect((await waitFor(smallId)).state).toBe('DONE');
    const again = await t.query<{ cancelReport: { state: string } }>(
      `mutation ($id: ID!) { cancelReport(id: $id) { state } }`,
      { id: smallId },
      'auditor',
    );
    expect(again.data?.cancelReport.state).toBe('DONE');
  });
});

/** The day before a yyyy-MM-dd day. */
function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** The columns the second reading counts, from a report row. */
function pickCounted(row: ResultRowView): Recomputed {
  return {
    carriedOver: row.carriedOver,
    receivedOnline: row.receivedOnline,
    receivedInPerson: row.receivedInPerson + row.receivedChannelUnknown,
    resolvedEarly: row.resolvedEarly,
    resolvedOnTime: row.resolvedOnTime,
    resolvedLate: row.resolvedLate,
    openNotDue: row.openNotDue,
    openOverdue: row.openOverdue,
    withdrawn: row.withdrawn,
    stopped: row.stopped,
    unknown: row.unknown,
    rejectedAtIntake: row.rejectedAtIntake,
    notReceived: row.notReceived,
  };
}
