import { join } from 'node:path';
import type { NationalDossier } from '../../connectors/model';
import { createAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { IndicatorAccumulator } from '../../src/services/reports/indicators';
import { PROJECT_ROOT } from '../support/testGateway';

/** 300 dossiers over three agencies and three months: finished early, late, open, online or not. */
function dossiers(): Array<{ dossier: NationalDossier; agency: string }> {
  const out: Array<{ dossier: NationalDossier; agency: string }> = [];
  for (let i = 0; i < 300; i += 1) {
    const month = 7 + (i % 3);
    const day = 1 + (i % 27);
    const received = `2026-0${month}-${String(day).padStart(2, '0')}T08:00:00+07:00`;
    const due = new Date(Date.parse(received) + 5 * 86_400_000).toISOString();
    const ended =
      i % 4 === 0
        ? null
        : new Date(Date.parse(received) + ((i % 9) + 1) * 86_400_000).toISOString();
    const status = ended === null ? 4 : 10;
    out.push({
      agency: ['000.00.01.H56', '000.00.10.H56', '000.01.12.H56'][i % 3] as string,
      dossier: {
        code: `000.00.01.H56-2607${String(day).padStart(2, '0')}-${String(i).padStart(4, '0')}`,
        receivedAt: received,
        dueAt: due,
        finishedAt: ended,
        returnedAt: ended,
        status: { code: status, raw: String(status), lossy: false, mayBe: [] },
        channel: { code: (1 + (i % 2)) as 1 | 2, raw: String(1 + (i % 2)) },
        history:
          ended === null
            ? []
            : [{ at: ended, status: { code: 9, raw: '9', lossy: false, mayBe: [] } }],
        supplements: i % 50 === 0 ? [{ dueAfter: null }, { dueAfter: null }] : [],
      } as unknown as NationalDossier,
    });
  }
  return out;
}

describe('Indicator accumulator', () => {
  it('resumes from a snapshot (through JSON) with the same result as an uninterrupted run', async () => {
    const time = new WorkingTimeService(
      await HolidayCalendar.load(join(PROJECT_ROOT, 'data', 'holidays.vn.yaml')),
      createAgencyDirectory([]),
    );
    const end = new Date('2026-09-30T23:59:59+07:00');
    const all = dossiers();
    const whole = new IndicatorAccumulator(time, end);
    for (const { dossier, agency } of all) whole.add(dossier, agency);

    const first = new IndicatorAccumulator(time, end);
    for (const { dossier, agency } of all.slice(0, 140)) first.add(dossier, agency);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const resumed = new IndicatorAccumulator(time, end);
    resumed.restore(saved);
    for (const { dossier, agency } of all.slice(140)) resumed.add(dossier, agency);

    const expected = whole.result();
    expect(resumed.result()).toEqual(expected);
    // The case is not trivial: late and open dossiers, three agencies and months, a full overdue list.
    expect(expected.onTime.late).toBeGreaterThan(50);
    expect(expected.overdue).toHaveLength(100);
    expect(expected.agencies).toHaveLength(3);
    expect(expected.months.map((m) => m.month)).toEqual(['2026-07', '2026-08', '2026-09']);
  });
});
