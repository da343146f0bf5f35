import { join } from 'node:path';
import type { NationalDossier } from '../../connectors/model';
import { compileMapping, dossierMappingSchema } from '../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import {
  NATIONAL_APPLICANT_TYPES,
  NATIONAL_CHANNELS,
  normaliseDossier,
} from '../../connectors/shared/normaliseDossier';
import { VIETNAM_ZONE } from '../../connectors/shared/parseUpstreamDate';
import { createStatusTable } from '../../connectors/shared/statusTable';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { judgeTimeliness } from '../../src/services/calendar/onTime';
import { shownDue } from '../../src/graphql/dateOnlyView';
import { WorkingTime } from '../../src/services/calendar/WorkingTime';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { classifyDossier, reportPeriod } from '../../src/services/reports/classifyDossier';
import { IndicatorAccumulator } from '../../src/services/reports/indicators';
import { DEFAULT_REPORT_RULES } from '../../src/services/reports/reportRules';
import { dateCoverage } from '../../src/services/registrations/sampleFindings';
import { datesVerdict } from '../../src/services/registrations/sampleVerdicts';
import { PROJECT_ROOT } from '../support/testGateway';

/**
 * Issue 22 item 7: a due date given as a day without a time (`dd/MM/yyyy`) is the end of that
 * working day in the agency's office hours. Every dossier here is read from a raw record through
 * the real mapping and normaliser, so the flag comes from parsing, not from the test.
 */

const EXPRESSIONS = new ExpressionCompiler(1000);
const TABLES = {
  statuses: createStatusTable({ '4': 4, '5': 5, '9': 9, '10': 10 }, {}),
  channels: NATIONAL_CHANNELS,
  applicantTypes: NATIONAL_APPLICANT_TYPES,
  // The platform of issue 22: times where it has them, the due date as a day only.
  dates: { formats: ['dd/MM/yyyy HH:mm', 'dd/MM/yyyy'], zone: VIETNAM_ZONE },
  legacyText: [],
  historyOrder: 'oldestFirst' as const,
};
const SPEC = dossierMappingSchema.parse({
  code: 'ma',
  status: 'tt',
  receivedAt: 'nhan',
  dueAt: 'hen',
  finishedAt: 'xong',
  history: { each: 'buoc', fields: { at: 'luc', status: 'tt', dueAt: 'han' } },
  supplements: {
    each: 'boSung',
    fields: { requestedAt: 'yeuCau', dueBefore: 'henTruoc', dueAfter: 'henMoi' },
  },
});

async function read(record: Record<string, unknown>): Promise<NationalDossier> {
  const mapped = await compileMapping(SPEC, EXPRESSIONS).evaluate(record);
  return normaliseDossier(mapped, TABLES);
}

/** A dossier received Monday 23/11/2026 08:00, due (day only) Wednesday 25/11/2026. */
function resolved(code: string, finished: string, due = '25/11/2026') {
  return read({
    ma: `000.00.01.H56-261123-000${code}`,
    tt: '9',
    nhan: '23/11/2026 08:00',
    hen: due,
    xong: finished,
  });
}

let calendar: HolidayCalendar;
beforeAll(async () => {
  calendar = await HolidayCalendar.load(join(PROJECT_ROOT, 'data', 'holidays.vn.yaml'));
});

describe('Reading a date without a time', () => {
  it('flags it, places a due date at the end of the standard day and any other date at 00:00', async () => {
    const dossier = await read({
      ma: 'X-1',
      tt: '5',
      nhan: '23/11/2026',
      hen: '25/11/2026',
      buoc: [
        { luc: '23/11/2026 08:00', tt: '4', han: '24/11/2026' },
        { luc: '24/11/2026 09:00', tt: '5', han: '24/11/2026 10:00' },
      ],
      boSung: [{ yeuCau: '24/11/2026 09:00', henTruoc: '25/11/2026', henMoi: '27/11/2026' }],
    });
    expect(dossier.receivedAt).toBe('2026-11-23T00:00:00+07:00');
    expect(dossier.dueAt).toBe('2026-11-25T17:00:00+07:00');
    expect(dossier.datesWithoutTime).toEqual(['receivedAt', 'dueAt']);
    expect(dossier.history.map((step) => [step.dueAt, step.datesWithoutTime])).toEqual([
      ['2026-11-24T17:00:00+07:00', ['dueAt']],
      ['2026-11-24T10:00:00+07:00', undefined],
    ]);
    expect(dossier.supplements[0]).toEqual({
      requestedAt: '2026-11-24T09:00:00+07:00',
      dueBefore: '2026-11-25T17:00:00+07:00',
      dueAfter: '2026-11-27T17:00:00+07:00',
      reason: null,
      datesWithoutTime: ['dueBefore', 'dueAfter'],
    });
    expect(dossier.warnings).toEqual([]);
  });

  it('says nothing when every date has its time', async () => {
    const dossier = await resolved('1', '25/11/2026 16:30', '25/11/2026 17:00');
    expect(dossier).not.toHaveProperty('datesWithoutTime');
  });
});

describe('The end of a working day', () => {
  it('closes with the agency’s last office period, or on the next working day after a day off', () => {
    const standard = new WorkingTime(calendar);
    const iso = (date: Date) => date.toISOString();
    expect(iso(standard.endOfWorkingDay('2026-11-25'))).toBe('2026-11-25T10:00:00.000Z'); // 17:00
    // Saturday 28/11 → Monday 30/11 at 17:00.
    expect(iso(standard.endOfWorkingDay('2026-11-28'))).toBe('2026-11-30T10:00:00.000Z');
    // Friday 1 January 2026 is a public holiday and 2 January a day off in the 2026 schedule:
    // the next working day is Monday 5 January.
    expect(iso(standard.endOfWorkingDay('2026-01-01'))).toBe('2026-01-05T10:00:00.000Z');
    const early = new WorkingTime(calendar, [
      ['07:30', '11:30'],
      ['13:00', '16:00'],
    ]);
    expect(iso(early.endOfWorkingDay('2026-11-25'))).toBe('2026-11-25T09:00:00.000Z'); // 16:00
    expect(() => standard.endOfWorkingDay('25/11/2026')).toThrow(/yyyy-MM-dd/);
  });
});

describe('Timeliness of a due date without a time (hand-computed)', () => {
  const periodEnd = new Date('2026-11-30T23:59:59+07:00');

  it('standard hours: finished 16:30 on the due day is on time, the next morning late', async () => {
    const time = new WorkingTime(calendar);
    const onDay = judgeTimeliness(await resolved('1', '25/11/2026 16:30'), time, periodEnd);
    expect(onDay).toMatchObject({
      state: 'ON_TIME',
      dueAt: '2026-11-25T10:00:00.000Z', // 17:00 Vietnam time
      lateByMs: 0,
    });
    const nextMorning = judgeTimeliness(await resolved('2', '26/11/2026 08:00'), time, periodEnd);
    // Late by the office hour from 07:00 to 08:00 of the next day.
    expect(nextMorning).toMatchObject({ state: 'LATE', lateByMs: 3_600_000 });
    // Finished given as a day too: 00:00 of the due day is on it; of the next day, after it.
    const dayOnly = judgeTimeliness(await resolved('3', '25/11/2026'), time, periodEnd);
    expect(dayOnly.state).toBe('ON_TIME');
    const dayAfter = judgeTimeliness(await resolved('4', '26/11/2026'), time, periodEnd);
    // Late, by no office time (between 17:00 and 00:00): the verdict is right, the hours say 0.
    expect(dayAfter).toMatchObject({ state: 'LATE', lateByMs: 0 });
  });

  it('an agency whose day ends at 16:00: 16:30 is late; one ending 17:30: 17:15 on time', async () => {
    const early = new WorkingTime(calendar, [
      ['07:30', '11:30'],
      ['13:00', '16:00'],
    ]);
    const late = new WorkingTime(calendar, [
      ['08:00', '12:00'],
      ['13:30', '17:30'],
    ]);
    const at1630 = await resolved('1', '25/11/2026 16:30');
    expect(judgeTimeliness(at1630, early, periodEnd)).toMatchObject({
      state: 'LATE',
      dueAt: '2026-11-25T09:00:00.000Z',
      lateByMs: 0, // after closing time: late by no office time
    });
    const at1715 = await resolved('2', '25/11/2026 17:15');
    expect(judgeTimeliness(at1715, late, periodEnd)).toMatchObject({
      state: 'ON_TIME',
      dueAt: '2026-11-25T10:30:00.000Z',
    });
    // The same 17:15 under standard hours is late: the rule follows the agency's hours.
    expect(judgeTimeliness(at1715, new WorkingTime(calendar), periodEnd).state).toBe('LATE');
  });

  it('a due day on a Saturday is judged at the end of the next working day', async () => {
    const time = new WorkingTime(calendar);
    const monday = await resolved('1', '30/11/2026 16:00', '28/11/2026');
    expect(judgeTimeliness(monday, time, periodEnd)).toMatchObject({
      state: 'ON_TIME',
      dueAt: '2026-11-30T10:00:00.000Z',
    });
  });

  it('a new due date after a supplement, given as a day, is the end of that working day', async () => {
    const time = new WorkingTime(calendar);
    const dossier = await read({
      ma: 'X-5',
      tt: '9',
      nhan: '23/11/2026 08:00',
      hen: '25/11/2026',
      buoc: [
        { luc: '23/11/2026 08:00', tt: '4' },
        { luc: '24/11/2026 09:00', tt: '5' },
        { luc: '26/11/2026 09:00', tt: '4' },
        { luc: '27/11/2026 16:45', tt: '9' },
      ],
      boSung: [{ yeuCau: '24/11/2026 09:00', henMoi: '27/11/2026' }],
    });
    expect(judgeTimeliness(dossier, time, periodEnd, null)).toMatchObject({
      state: 'ON_TIME',
      dueAt: '2026-11-27T10:00:00.000Z',
    });
  });
});

describe('A due day that is no real date (01/01/0001, .NET’s “no date”)', () => {
  it('is read in its own year, not as 19xx', () => {
    const standard = new WorkingTime(calendar);
    // Monday 1 January 0001 (proleptic Gregorian), 17:00 in Vietnam.
    expect(standard.endOfWorkingDay('0001-01-01').getUTCFullYear()).toBe(1);
    expect(standard.endOfWorkingDay('0099-06-01').getUTCFullYear()).toBe(99);
  });

  it('is no verdict (UNKNOWN, saying why) in timeliness and reports, never a failure', async () => {
    const time = new WorkingTime(calendar);
    const periodEnd = new Date('2026-11-30T17:00:00Z');
    const period = reportPeriod('2026-11-01', '2026-11-30', new Date('2026-12-07T00:00:00Z'));
    for (const due of ['01/01/0001', '01/01/1901', '31/12/2999']) {
      const finished = await resolved('5', '25/11/2026 16:30', due);
      expect(finished.datesWithoutTime).toEqual(['dueAt']);
      expect(judgeTimeliness(finished, time, periodEnd)).toMatchObject({
        state: 'UNKNOWN',
        reason: expect.stringContaining('is no real due date (not within 1990–2100)'),
      });
      expect(classifyDossier(finished, period, time, DEFAULT_REPORT_RULES)).toMatchObject({
        outcome: 'UNKNOWN',
        reason: expect.stringContaining('dueAt'),
      });
      const open = await read({ ma: 'X-9', tt: '4', nhan: '23/11/2026 08:00', hen: due });
      expect(judgeTimeliness(open, time, periodEnd).state).toBe('UNKNOWN');
      expect(classifyDossier(open, period, time, DEFAULT_REPORT_RULES).outcome).toBe('UNKNOWN');
      // Shown as given: no calendar worked out for that year.
      expect(shownDue(open, 'dueAt', open.dueAt, time)?.slice(0, 4)).toBe(open.dueAt?.slice(0, 4));
    }
  });
});

describe('Reports count a due date without a time by the same rule (hand counts)', () => {
  it('early, on the due day (twice) and late', async () => {
    const service = new WorkingTimeService(
      calendar,
      await loadAgencyDirectory(join(PROJECT_ROOT, 'data', 'agencies.sample.yaml')),
    );
    const period = reportPeriod('2026-11-01', '2026-11-30', new Date('2026-12-07T00:00:00Z'));
    const dossiers = [
      await resolved('1', '24/11/2026 10:00'), // EARLY: the day before
      await resolved('2', '25/11/2026 16:30'), // ON_TIME: on the due day before 17:00
      await resolved('3', '25/11/2026'), // ON_TIME: finished given as the due day
      await resolved('4', '26/11/2026 08:00'), // LATE: the next morning
    ];
    const agency = '000.00.01.H56';
    const outcomes = dossiers.map(
      (dossier) =>
        classifyDossier(dossier, period, service.forAgency(agency), DEFAULT_REPORT_RULES).outcome,
    );
    expect(outcomes).toEqual(['EARLY', 'ON_TIME', 'ON_TIME', 'LATE']);
    const accumulator = new IndicatorAccumulator(service, period, DEFAULT_REPORT_RULES);
    for (const dossier of dossiers) accumulator.add(dossier, agency);
    expect(accumulator.result().total).toMatchObject({
      resolvedEarly: 1,
      resolvedOnTime: 2,
      resolvedLate: 1,
      implausible: 0,
      dueOnDayOff: 0,
    });
  });
});

describe('The conformance check counts dates given without a time', () => {
  it('per field, and says so in the dates verdict', async () => {
    const dossiers = [
      await resolved('1', '25/11/2026 16:30'),
      await resolved('2', '26/11/2026'),
      await resolved('3', '26/11/2026 08:00', '25/11/2026 17:00'),
    ];
    const dates = dateCoverage(dossiers);
    expect(dates).toEqual([
      { field: 'receivedAt', parsed: 3, failed: 0, withoutTime: 0, shapes: [] },
      { field: 'dueAt', parsed: 3, failed: 0, withoutTime: 2, shapes: [] },
      { field: 'finishedAt', parsed: 3, failed: 0, withoutTime: 1, shapes: [] },
    ]);
    expect(datesVerdict(dossiers, dates)).toEqual({
      verdict: 'PASS',
      reason:
        'all 9 dates of 3 fields parsed (receivedAt, dueAt, finishedAt); given without a time: dueAt 2, finishedAt 1 (a due date is the end of that working day; docs/api.md)',
    });
  });
});
