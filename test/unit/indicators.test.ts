import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NationalDossier } from '../../connectors/model';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { WorkingTimeService } from '../../src/services/calendar/WorkingTimeService';
import { classifyDossier, reportPeriod } from '../../src/services/reports/classifyDossier';
import { decision766 } from '../../src/services/reports/decision766';
import { IndicatorAccumulator } from '../../src/services/reports/indicators';
import { buildReportResult } from '../../src/services/reports/reportResult';
import { DEFAULT_REPORT_RULES, type ReportRules } from '../../src/services/reports/reportRules';
import { unbalanced } from '../../src/services/reports/resultForm';
import { IndicatorTargets } from '../../src/services/reports/targets';
import { PROJECT_ROOT } from '../support/testGateway';

const AGENCY = '000.00.01.H56';
const at = (day: string, time = '08:00') => `2026-${day}T${time}:00+07:00`;
const status = (code: number | null, raw = String(code)) => ({
  code,
  raw,
  lossy: false,
  mayBe: [],
});

/** A listed dossier: received, due, its status now, the steps that ended it, its supplement rounds. */
function dossier(
  name: string,
  fields: {
    received: string;
    due: string | null;
    code: number | null;
    channel?: 1 | 2 | 3 | null;
    steps?: Array<[string, number]>;
    finished?: string | null;
    rounds?: Array<string | null>;
    procedure?: string;
  },
): NationalDossier {
  return {
    code: `${AGENCY}-${name}`,
    procedureCode: fields.procedure ?? '1.000001',
    procedureName: null,
    fieldCode: name < 'K' ? 'F1' : 'F2',
    fieldName: name < 'K' ? 'Hộ tịch' : 'Chứng thực',
    agencyCode: AGENCY,
    agencyName: null,
    receivedAt: fields.received,
    dueAt: fields.due,
    finishedAt: fields.finished ?? null,
    returnedAt: null,
    status: status(fields.code, fields.code === null ? 'xyz' : String(fields.code)),
    channel: fields.channel === null ? null : { code: fields.channel ?? 1, raw: '' },
    fees: [],
    history: (fields.steps ?? []).map(([when, code]) => ({ at: when, status: status(code) })),
    supplements: (fields.rounds ?? []).map((dueAfter) => ({
      requestedAt: null,
      dueBefore: null,
      dueAfter,
      reason: null,
    })),
  } as unknown as NationalDossier;
}

/**
 * One dossier per case of the result form, July 2026 (no holidays; office hours 07:00–11:30 and
 * 13:30–17:00), with what each must count as — worked out by hand, not by the code under test.
 */
const CASES: Array<[NationalDossier, string]> = [
  // Resolved, received in the period.
  [
    dossier('A', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 10,
      channel: 2,
      steps: [[at('07-07', '10:00'), 9]],
    }),
    'NEW EARLY',
  ],
  [
    dossier('B', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 9,
      channel: 1,
      steps: [[at('07-08', '16:00'), 9]],
    }),
    'NEW ON_TIME',
  ],
  [
    dossier('C', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 9,
      channel: 3,
      steps: [[at('07-08', '17:30'), 9]],
    }),
    'NEW LATE',
  ],
  [
    dossier('D', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 10,
      channel: 2,
      steps: [[at('07-10', '09:00'), 9]],
    }),
    'NEW LATE',
  ],
  // A supplement moved the due date to 13 July: ended on the 10th is before the due day.
  [
    dossier('E', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 9,
      channel: 2,
      steps: [[at('07-10', '09:00'), 9]],
      rounds: [at('07-13', '17:00')],
    }),
    'NEW EARLY',
  ],
  // Two supplement requests: late whatever the dates.
  [
    dossier('F', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 9,
      channel: 1,
      steps: [[at('07-07', '09:00'), 9]],
      rounds: [null, null],
    }),
    'NEW LATE',
  ],
  // Unresolved at the period's end (31 July, 23:59).
  [
    dossier('G', { received: at('07-20'), due: at('07-28', '17:00'), code: 4, channel: 2 }),
    'NEW OPEN_OVERDUE',
  ],
  [
    dossier('H', { received: at('07-27'), due: at('08-05', '17:00'), code: 4, channel: 1 }),
    'NEW OPEN_NOT_DUE',
  ],
  // Withdrawn (by its due date) and stopped (after it): their own columns.
  [
    dossier('I', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 7,
      channel: 2,
      steps: [[at('07-07', '10:00'), 7]],
    }),
    'NEW WITHDRAWN',
  ],
  [
    dossier('J', {
      received: at('07-06'),
      due: at('07-08', '17:00'),
      code: 8,
      channel: 1,
      steps: [[at('07-09', '10:00'), 8]],
    }),
    'NEW STOPPED',
  ],
  // Refused at intake, not yet received: outside the dossiers to resolve.
  [
    dossier('K', { received: at('07-06'), due: at('07-08', '17:00'), code: 3, channel: 1 }),
    'REJECTED -',
  ],
  [dossier('L', { received: at('07-06'), due: null, code: 1, channel: 2 }), 'NOT_RECEIVED -'],
  // Received before the period: resolved in it (late), ended before it, still open (overdue).
  [
    dossier('M', {
      received: at('06-22'),
      due: at('06-25', '17:00'),
      code: 10,
      steps: [[at('07-02', '09:00'), 10]],
    }),
    'CARRIED LATE',
  ],
  [
    dossier('N', {
      received: at('06-10'),
      due: at('06-15', '17:00'),
      code: 10,
      steps: [[at('06-15', '09:00'), 10]],
    }),
    'OUTSIDE -',
  ],
  [
    dossier('O', { received: at('06-25'), due: at('07-10', '17:00'), code: 4 }),
    'CARRIED OPEN_OVERDUE',
  ],
  // Resolved after the period's end: unresolved at it, and not yet due then.
  [
    dossier('P', {
      received: at('07-27'),
      due: at('08-04', '17:00'),
      code: 10,
      channel: 2,
      steps: [[at('08-03', '09:00'), 10]],
    }),
    'NEW OPEN_NOT_DUE',
  ],
  // No due date; an unmapped status: cannot be told.
  [dossier('Q', { received: at('07-06'), due: null, code: 4, channel: 1 }), 'NEW UNKNOWN'],
  // Resolved on the day received.
  [
    dossier('R', {
      received: at('07-15'),
      due: at('07-17', '17:00'),
      code: 10,
      channel: 1,
      steps: [[at('07-15', '15:00'), 9]],
    }),
    'NEW EARLY',
  ],
  [
    dossier('S', { received: at('07-06'), due: at('07-08', '17:00'), code: null, channel: null }),
    'NEW UNKNOWN',
  ],
  // Waiting for a supplement since 20 July: the wait is not counted, so not yet due on the 31st.
  [
    dossier('T', {
      received: at('07-06'),
      due: at('07-22', '17:00'),
      code: 5,
      channel: 2,
      steps: [
        [at('07-06', '08:00'), 2],
        [at('07-20', '09:00'), 5],
      ],
      rounds: [null],
    }),
    'NEW OPEN_NOT_DUE',
  ],
];

describe('The result form, case by case (hand-computed)', () => {
  let time: WorkingTimeService;
  const period = reportPeriod('2026-07-01', '2026-07-31', new Date('2026-12-07T00:00:00Z'));
  const rules: ReportRules = DEFAULT_REPORT_RULES;
  beforeAll(async () => {
    time = new WorkingTimeService(
      await HolidayCalendar.load(join(PROJECT_ROOT, 'data', 'holidays.vn.yaml')),
      await loadAgencyDirectory(join(PROJECT_ROOT, 'data', 'agencies.sample.yaml')),
    );
  });

  it.each(CASES.map(([d, expected]) => [d.code.slice(-1), d, expected] as const))(
    'dossier %s counts as expected',
    (_name, listed, expected) => {
      const classified = classifyDossier(listed, period, time.forAgency(AGENCY), rules);
      expect(`${classified.intake} ${classified.outcome ?? '-'}`).toBe(expected);
    },
  );

  it('adds up to the figures worked out by hand, and every row balances', async () => {
    const accumulator = new IndicatorAccumulator(time, period, rules);
    for (const [listed] of CASES) accumulator.add(listed, AGENCY);
    const counted = accumulator.result();
    expect(counted.total).toEqual({
      carriedOver: 2, // M, O
      receivedOnline: 7, // A D E G I P T
      receivedInPerson: 7, // B F H J Q R (in person), C (post)
      receivedChannelUnknown: 1, // S
      resolvedEarly: 3, // A E R
      resolvedOnTime: 1, // B
      resolvedLate: 4, // C D F M
      openNotDue: 3, // H P T
      openOverdue: 2, // G O
      withdrawn: 1, // I
      stopped: 1, // J
      unknown: 2, // Q S
      rejectedAtIntake: 1, // K
      notReceived: 1, // L
      resolvedOnReceiptDay: 1, // R
      lossyStatus: 1, // S (unmapped)
      onComputedCalendar: 0, // every day is in 2026, an announced year
      implausible: 0,
      dueOnDayOff: 0,
      carryOverUndetermined: 0,
      // The fixture's dossiers carry none of the 2022 fields.
      syncedKnown: 0,
      synced: 0,
      feeBearing: 0,
      paidKnown: 0,
      paidOnline: 0,
      electronicResultKnown: 0,
      electronicResult: 0,
      digitisedKnown: 0,
      digitised: 0,
      vneidKnown: 0,
      vneidVerified: 0,
      endedWithoutResultByDue: 1, // I (J stopped after its due date)
      // Office time from receipt to end (07:00–11:30, 13:30–17:00), time waiting in status 5
      // taken out (none of these has a status-5 step): A 7 + 3 h; B 7 + 8 + 7 h; C 7 + 8 + 8 h
      // (nothing after 17:00); D 7 + 8 + 8 + 8 + 2 h; E as D (its new due date says nothing of
      // how long it waited); F 7 + 2 h; M 22 June 08:00 → 2 July 09:00: 7 + 4 × 8 + 2 × 8 + 8 + 2 h;
      // R 3.5 + 1.5 h. In minutes:
      resolvedOfficeMinutes: 600 + 1320 + 1380 + 1980 + 1980 + 540 + 3900 + 300,
    });
    // 17 to resolve = 8 resolved + 5 unresolved + 1 withdrawn + 1 stopped + 2 unknown.
    const result = buildReportResult(counted, {
      period,
      rules,
      complete: true,
      directory: await loadAgencyDirectory(join(PROJECT_ROOT, 'data', 'agencies.sample.yaml')),
      targets: IndicatorTargets.none(),
      sources: [],
    });
    for (const row of result.table) expect(unbalanced(row)).toBeNull();
    const total = result.table.at(-1);
    expect(total?.counts).toMatchObject({ toResolve: 17, received: 15, resolved: 8, open: 5 });
    expect(result.table.map((row) => `${row.scope} ${row.key} ${row.counts.toResolve}`)).toEqual([
      'TIER DEPARTMENT 17',
      `AGENCY ${AGENCY} 17`,
      `AGENCY_FIELD ${AGENCY} F1 10`, // A–J
      `AGENCY_FIELD ${AGENCY} F2 7`, // M O P Q R S T (K, L are not to resolve; N is outside)
      'FIELD F1 10',
      'FIELD F2 7',
      'TOTAL total 17',
    ]);
    // 2.1 by default: (early 3 + on time 1 + unresolved not yet due 3) / (resolved 8 + unresolved 5).
    const figure = (id: string) => result.indicators.find((entry) => entry.id === id);
    expect(figure('2.1')).toMatchObject({ status: 'COMPUTED', numerator: 7, denominator: 13 });
    expect(figure('2.1')?.points).toBeCloseTo((7 / 13) * 20, 2);
    // 3.3: online 7 of 15 received; partial (no sync rate, no electronic results in the data).
    expect(figure('3.3')).toMatchObject({ status: 'PARTIAL', numerator: 7, denominator: 15 });
    // Indicators the systems send nothing for are "no data", never 0 %.
    expect(figure('4.2')).toMatchObject({ status: 'NO_DATA', rate: null, points: null });
    expect(figure('1.1')).toMatchObject({ status: 'NOT_APPLICABLE', rate: null });
    // 2.2: 12 000 office minutes over 8 resolved dossiers = 3.125 working days of 8 hours.
    expect(figure('2.2')).toMatchObject({ status: 'COMPUTED', value: 3.13, unit: 'working days' });
    // A wait in status 5 is taken out: received Mon 6/7 08:00, resolved Mon 13/7 08:00 is
    // 7 + 8 + 8 + 8 + 8 + 1 = 40 office hours; it waited Wed 8/7 08:00 → Fri 10/7 08:00, 7 + 8 + 1
    // = 16 of them: 24 h.
    const waited = classifyDossier(
      dossier('U', {
        received: at('07-06'),
        due: at('07-08', '17:00'),
        code: 10,
        steps: [
          [at('07-08'), 5],
          [at('07-10'), 4],
          [at('07-13'), 10],
        ],
        rounds: [at('07-15', '17:00')],
      }),
      period,
      time.forAgency(AGENCY),
      rules,
    );
    expect([waited.outcome, waited.officeMs / 3_600_000]).toEqual(['EARLY', 24]);
    // Month received: 15 received in July; resolved A B C D E F R, in time A B E R.
    expect(result.months).toEqual([{ month: '2026-07', received: 15, resolved: 7, inTime: 4 }]);
    // D is 10 office hours late (the 9th, and 07:00–09:00 on the 10th); C 0 (after 17:00).
    expect(result.overdue.find((o) => o.code.endsWith('-D'))).toMatchObject({
      state: 'LATE',
      lateByHours: 10,
    });
    expect(result.overdue.find((o) => o.code.endsWith('-G'))?.state).toBe('OVERDUE');
    // Status mix: everything submitted in the period (carried over and outside are not).
    expect(Object.values(result.byStatus).reduce((sum, n) => sum + n, 0)).toBe(17);
  });

  it('the other rules: 2.1 over resolved only; withdrawn and stopped as ended; no supplement rule', () => {
    const run = (changed: Partial<ReportRules>) => {
      const accumulator = new IndicatorAccumulator(time, period, { ...rules, ...changed });
      for (const [listed] of CASES) accumulator.add(listed, AGENCY);
      return accumulator.result().total;
    };
    const resolvedOnly = buildFigures(run({}), { ...rules, onTimeDenominator: 'RESOLVED' });
    expect(resolvedOnly).toMatchObject({ numerator: 4, denominator: 8 });
    // I withdrawn by its due date counts in time, J stopped after it does not: (7 + 1) / (13 + 2).
    const asEnded = buildFigures(run({}), { ...rules, endedWithoutResult: 'AS_ENDED' });
    expect(asEnded).toMatchObject({ numerator: 8, denominator: 15 });
    // Without the supplement rule, F (two requests, resolved before its due day) is early.
    expect(run({ lateFromSupplementRequests: null })).toMatchObject({
      resolvedEarly: 4,
      resolvedLate: 3,
    });
  });

  it('on the spot: a share of frequently used procedures, not of dossiers', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'targets-'));
    const file = join(folder, 'targets.yaml');
    await writeFile(
      file,
      [
        'onTheSpot:',
        `  - { label: centre, target: 0.5, agencies: ['${AGENCY}'] }`,
        'onTheSpotRule: { minDossiers: 2, share: 0.9 }',
      ].join('\n'),
    );
    const targets = await IndicatorTargets.load(file);
    const accumulator = new IndicatorAccumulator(time, period, rules);
    const sameDay = (name: string, procedure: string, hour: string) =>
      dossier(name, {
        received: at('07-15'),
        due: at('07-17', '17:00'),
        code: 10,
        procedure,
        steps: [[at('07-15', hour), 10]],
      });
    // P1: both resolved the same day (on the spot); P2: one of two; P3: one dossier only (not frequent).
    accumulator.add(sameDay('A1', 'P1', '10:00'), AGENCY);
    accumulator.add(sameDay('A2', 'P1', '15:00'), AGENCY);
    accumulator.add(sameDay('A3', 'P2', '15:00'), AGENCY);
    accumulator.add(
      dossier('A4', {
        received: at('07-15'),
        due: at('07-17', '17:00'),
        code: 10,
        procedure: 'P2',
        steps: [[at('07-16', '10:00'), 10]],
      }),
      AGENCY,
    );
    accumulator.add(sameDay('A5', 'P3', '15:00'), AGENCY);
    // A rejection at intake is not resolution, whatever the day.
    accumulator.add(
      dossier('K1', { received: at('07-15'), due: null, code: 3, procedure: 'P1' }),
      AGENCY,
    );
    const result = buildReportResult(accumulator.result(), {
      period,
      rules,
      complete: true,
      directory: await loadAgencyDirectory(join(PROJECT_ROOT, 'data', 'agencies.sample.yaml')),
      targets,
      sources: [],
    });
    expect(result.onTheSpotTargets).toEqual([
      {
        label: 'centre',
        target: 0.5,
        frequentProcedures: 2,
        onTheSpotProcedures: 1,
        rate: 0.5,
        met: true,
      },
    ]);
    expect(result.onTheSpot).toEqual({ resolved: 5, onReceiptDay: 4, rate: 0.8 });
  });

  it('flags data that contradicts itself, and due dates on days off', () => {
    const flagged = (listed: NationalDossier) =>
      classifyDossier(listed, period, time.forAgency(AGENCY), rules);
    // Finished on 20 July by its date, but the step that ended it is on the 7th.
    expect(
      flagged(
        dossier('V', {
          received: at('07-06'),
          due: at('07-08', '17:00'),
          code: 10,
          steps: [[at('07-07', '10:00'), 9]],
          finished: at('07-20'),
        }),
      ).implausible,
    ).toBe('FINISHED_VS_HISTORY');
    // Due before it was received.
    expect(
      flagged(dossier('W', { received: at('07-06'), due: at('07-03', '17:00'), code: 4 }))
        .implausible,
    ).toBe('BEFORE_RECEIPT');
    // Processing again after it was finished.
    expect(
      flagged(
        dossier('X', {
          received: at('07-06'),
          due: at('07-08', '17:00'),
          code: 4,
          steps: [
            [at('07-07', '10:00'), 9],
            [at('07-08', '10:00'), 4],
          ],
        }),
      ).implausible,
    ).toBe('STEP_AFTER_END');
    expect(flagged(CASES[0]?.[0] as NationalDossier).implausible).toBeNull();
    // Due on Saturday 11 July, and on National Day (2 September 2026, a Wednesday).
    expect(
      flagged(dossier('Y', { received: at('07-06'), due: at('07-11', '17:00'), code: 4 }))
        .dueOnDayOff,
    ).toBe(true);
    expect(
      flagged(dossier('Z', { received: at('07-06'), due: at('09-02', '17:00'), code: 4 }))
        .dueOnDayOff,
    ).toBe(true);
    expect(flagged(CASES[0]?.[0] as NationalDossier).dueOnDayOff).toBe(false);
    // Received in June with a status nobody mapped: carried over or not cannot be told.
    const unmapped = dossier('Q1', {
      received: at('06-20'),
      due: at('06-25', '17:00'),
      code: null,
    });
    expect(flagged(unmapped).intake).toBe('OUTSIDE');
    const accumulator = new IndicatorAccumulator(time, period, rules);
    expect(accumulator.add(unmapped, AGENCY)).toBe('undetermined');
    expect(accumulator.result().total).toMatchObject({ carriedOver: 0, carryOverUndetermined: 1 });
  });

  it('the 2022 fields: computed when every dossier says, partial when some do, no data when none', () => {
    const facts = (digitised: boolean | null, paid: boolean | null, fee: number) =>
      ({
        ...dossier('A', { received: at('07-06'), due: at('07-08', '17:00'), code: 4, channel: 2 }),
        fees: [{ name: null, amount: fee }],
        digital: {
          submittedVia: '1',
          digitised,
          vneidVerified: null,
          paidOnline: paid,
          electronicResult: null,
          syncedToPortal: null,
        },
      }) as NationalDossier;
    const run = (listed: NationalDossier[]) => {
      const accumulator = new IndicatorAccumulator(time, period, rules);
      for (const one of listed) accumulator.add(one, AGENCY);
      const figures = decision766(accumulator.result().total, rules);
      return (id: string) => figures.find((entry) => entry.id === id);
    };
    // Four received; three digitised of four that say; two of the three with a fee paid online.
    const all = run([
      facts(true, true, 50_000),
      facts(true, true, 50_000),
      facts(true, false, 20_000),
      facts(false, null, 0),
    ]);
    expect(all('4.2')).toMatchObject({
      status: 'COMPUTED',
      numerator: 3,
      denominator: 4,
      rate: 0.75,
    });
    expect(all('3.6')).toMatchObject({ status: 'COMPUTED', numerator: 2, denominator: 3 });
    expect(all('1.4')).toMatchObject({ status: 'NO_DATA', numerator: null, rate: null });
    // One of three does not say whether it was digitised: the rate is over the two that do.
    const some = run([facts(true, null, 0), facts(false, null, 0), facts(null, null, 0)]);
    expect(some('4.2')).toMatchObject({ status: 'PARTIAL', numerator: 1, denominator: 2 });
    expect(some('4.2')?.note).toContain('2 of 3 dossiers say');
  });

  it('counts the dossiers whose verdict rests on a year not announced yet', () => {
    // Judged on 5 January 2027: H (due 5 August 2026) is judged over 2026 and 2027.
    const late = reportPeriod('2026-07-01', '2027-01-05', new Date('2027-01-05T12:00:00+07:00'));
    const accumulator = new IndicatorAccumulator(time, late, rules);
    accumulator.add(CASES[1]?.[0] as NationalDossier, AGENCY); // B: resolved 8 July 2026
    accumulator.add(CASES[7]?.[0] as NationalDossier, AGENCY); // H: unresolved on 5 January 2027
    expect(accumulator.result().total).toMatchObject({ onComputedCalendar: 1, openOverdue: 1 });
  });

  it('resumes from a snapshot (through JSON) with the same result as an uninterrupted run', () => {
    const all = Array.from({ length: 12 }, () => CASES.map(([listed]) => listed)).flat();
    const whole = new IndicatorAccumulator(time, period, rules);
    for (const listed of all) whole.add(listed, AGENCY);
    const first = new IndicatorAccumulator(time, period, rules);
    for (const listed of all.slice(0, 101)) first.add(listed, AGENCY);
    const resumed = new IndicatorAccumulator(time, period, rules);
    resumed.restore(JSON.parse(JSON.stringify(first.snapshot())));
    for (const listed of all.slice(101)) resumed.add(listed, AGENCY);
    expect(resumed.result()).toEqual(whole.result());
    expect(whole.result().total.resolvedLate).toBe(48);
  });
});

function buildFigures(
  total: ReturnType<IndicatorAccumulator['result']>['total'],
  rules: ReportRules,
) {
  return decision766(total, rules).find((entry) => entry.id === '2.1');
}
