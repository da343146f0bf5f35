import { join } from 'node:path';
import type { HistoryStep, NationalDossier } from '../../connectors/model';
import { HolidayCalendar } from '../../src/services/calendar/HolidayCalendar';
import { judgeTimeliness } from '../../src/services/calendar/onTime';
import { WorkingTime } from '../../src/services/calendar/WorkingTime';
import { PROJECT_ROOT } from '../support/testGateway';

const HOUR = 3_600_000;
const status = (code: number) => ({ code, raw: String(code), lossy: false, mayBe: [] });
const step = (at: string, code: number): HistoryStep =>
  ({ at: `${at}+07:00`, status: status(code) }) as unknown as HistoryStep;

function dossier(parts: {
  due: string | null;
  status: number;
  history?: HistoryStep[];
  finishedAt?: string;
  supplements?: Array<{ dueAfter: string | null }>;
}): NationalDossier {
  return {
    code: '000.00.01.H56-261123-0001',
    dueAt: parts.due === null ? null : `${parts.due}+07:00`,
    receivedAt: '2026-11-23T08:00:00+07:00',
    finishedAt: parts.finishedAt === undefined ? null : `${parts.finishedAt}+07:00`,
    returnedAt: null,
    status: status(parts.status),
    history: parts.history ?? [],
    supplements: (parts.supplements ?? []).map((round) => ({
      requestedAt: null,
      dueBefore: null,
      dueAfter: round.dueAfter === null ? null : `${round.dueAfter}+07:00`,
      reason: null,
    })),
  } as unknown as NationalDossier;
}

describe('On time (indicator 2.1), hand-worked cases in working time', () => {
  let time: WorkingTime;
  const periodEnd = new Date('2026-11-30T23:59:59+07:00');
  beforeAll(async () => {
    time = new WorkingTime(
      await HolidayCalendar.load(join(PROJECT_ROOT, 'data', 'holidays.vn.yaml')),
    );
  });

  it('finished before its due date: on time', () => {
    const result = judgeTimeliness(
      dossier({ due: '2026-11-25T17:00:00', status: 9, history: [step('2026-11-25T16:00:00', 9)] }),
      time,
      periodEnd,
    );
    expect(result).toMatchObject({ state: 'ON_TIME', lateByMs: 0 });
  });

  it('late over a weekend counts office time only: due Friday 17:00, finished Monday 09:00 → 2 h', () => {
    const result = judgeTimeliness(
      dossier({
        due: '2026-11-27T17:00:00',
        status: 10,
        history: [step('2026-11-30T09:00:00', 9), step('2026-11-30T10:00:00', 10)],
      }),
      time,
      periodEnd,
    );
    expect(result).toMatchObject({ state: 'LATE', lateByMs: 2 * HOUR });
    expect(result.state === 'LATE' && result.endedAt).toBe('2026-11-30T02:00:00.000Z');
  });

  it('late across Tết: due Friday 13/2/2026 16:00, finished Monday 23/2 08:00 → 2 h', () => {
    const result = judgeTimeliness(
      dossier({ due: '2026-02-13T16:00:00', status: 9, history: [step('2026-02-23T08:00:00', 9)] }),
      time,
      periodEnd,
    );
    expect(result).toMatchObject({ state: 'LATE', lateByMs: 2 * HOUR });
  });

  it('the first ending status counts: stopped on 24/11, returned later', () => {
    const result = judgeTimeliness(
      dossier({
        due: '2026-11-25T17:00:00',
        status: 10,
        history: [step('2026-11-24T10:00:00', 8), step('2026-12-02T10:00:00', 10)],
      }),
      time,
      periodEnd,
    );
    expect(result).toMatchObject({ state: 'ON_TIME', endedAt: '2026-11-24T03:00:00.000Z' });
  });

  it('supplement waiting time is not counted: the new due date, or the office time spent in status 5', () => {
    // The system moved the due date to Friday 27/11 17:00; finished Thursday.
    expect(
      judgeTimeliness(
        dossier({
          due: '2026-11-25T17:00:00',
          status: 9,
          history: [step('2026-11-26T10:00:00', 9)],
          supplements: [{ dueAfter: '2026-11-27T17:00:00' }],
        }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'ON_TIME', dueAt: '2026-11-27T10:00:00.000Z' });
    // No new due date: waiting from Tuesday 10:00 to Thursday 10:00 is 16 office hours; the due
    // date Wednesday 17:00 moves to Friday 17:00; finished Friday 15:00 → on time.
    expect(
      judgeTimeliness(
        dossier({
          due: '2026-11-25T17:00:00',
          status: 9,
          history: [
            step('2026-11-24T10:00:00', 5),
            step('2026-11-26T10:00:00', 4),
            step('2026-11-27T15:00:00', 9),
          ],
          supplements: [{ dueAfter: null }],
        }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'ON_TIME', dueAt: '2026-11-27T10:00:00.000Z', lateByMs: 0 });
  });

  it('counts a wait still under way, consecutive requests once, and never an earlier new due date', () => {
    // Waiting for the citizen since Tuesday 24/11 10:00 (due Wednesday 17:00): at the end of the
    // period (Monday 30/11) the due date has moved with the wait; not overdue.
    expect(
      judgeTimeliness(
        dossier({
          due: '2026-11-25T17:00:00',
          status: 5,
          history: [step('2026-11-24T10:00:00', 5)],
          supplements: [{ dueAfter: null }],
        }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'IN_PROGRESS', overdue: false, lateByMs: 0 });
    // 5, 5, 4: one wait, Tuesday 10:00 → Thursday 10:00 = 16 h, not 24 h.
    expect(
      judgeTimeliness(
        dossier({
          due: '2026-11-25T17:00:00',
          status: 9,
          history: [
            step('2026-11-24T10:00:00', 5),
            step('2026-11-25T10:00:00', 5),
            step('2026-11-26T10:00:00', 4),
            step('2026-11-27T15:00:00', 9),
          ],
          supplements: [{ dueAfter: null }],
        }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'ON_TIME', dueAt: '2026-11-27T10:00:00.000Z' });
    // A "new" due date before the original is not taken.
    expect(
      judgeTimeliness(
        dossier({
          due: '2026-11-25T17:00:00',
          status: 9,
          history: [step('2026-11-25T16:00:00', 9)],
          supplements: [{ dueAfter: '2026-11-20T17:00:00' }],
        }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'ON_TIME', dueAt: '2026-11-25T10:00:00.000Z' });
  });

  it('ended after the due date outside office hours is late, by no office time', () => {
    expect(
      judgeTimeliness(
        dossier({
          due: '2026-11-27T17:00:00',
          status: 9,
          history: [step('2026-11-28T09:00:00', 9)],
        }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'LATE', lateByMs: 0 });
  });

  it('more than one supplement request is late, whatever the dates (unless the setting says not)', () => {
    const twice = dossier({
      due: '2026-11-25T17:00:00',
      status: 9,
      history: [step('2026-11-24T09:00:00', 9)],
      supplements: [{ dueAfter: '2026-11-26T17:00:00' }, { dueAfter: '2026-11-27T17:00:00' }],
    });
    const result = judgeTimeliness(twice, time, periodEnd);
    expect(result).toMatchObject({ state: 'LATE', reason: '2 supplement requests: late' });
    // lateFromSupplementRequests: null (the reports' setting) — judged by its dates only.
    expect(judgeTimeliness(twice, time, periodEnd, null)).toMatchObject({ state: 'ON_TIME' });
    expect(judgeTimeliness(twice, time, periodEnd, 3)).toMatchObject({ state: 'ON_TIME' });
  });

  it('an unfinished dossier is judged at the end of the period', () => {
    const open = dossier({ due: '2026-11-25T17:00:00', status: 4 });
    // Period ending Monday 30/11: Thursday, Friday and Monday are past due → 24 office hours.
    expect(judgeTimeliness(open, time, periodEnd)).toMatchObject({
      state: 'IN_PROGRESS',
      overdue: true,
      lateByMs: 24 * HOUR,
    });
    expect(judgeTimeliness(open, time, new Date('2026-11-24T23:59:59+07:00'))).toMatchObject({
      state: 'IN_PROGRESS',
      overdue: false,
      lateByMs: 0,
    });
  });

  it('falls back on the finished date, and says when it cannot judge', () => {
    expect(
      judgeTimeliness(
        dossier({ due: '2026-11-25T17:00:00', status: 9, finishedAt: '2026-11-26T08:00:00' }),
        time,
        periodEnd,
      ),
    ).toMatchObject({ state: 'LATE', lateByMs: HOUR });
    expect(judgeTimeliness(dossier({ due: null, status: 4 }), time, periodEnd)).toEqual({
      state: 'UNKNOWN',
      reason: 'no due date',
      calendar: 'OFFICIAL',
    });
    expect(
      judgeTimeliness(dossier({ due: '2026-11-25T17:00:00', status: 9 }), time, periodEnd),
    ).toMatchObject({
      state: 'UNKNOWN',
    });
  });

  it('says when a verdict rests on a year whose days off are computed, not announced', () => {
    // Due in November 2026, judged in December 2026: every day is in the official schedule.
    const known = judgeTimeliness(
      dossier({ due: '2026-11-25T17:00:00', status: 4 }),
      time,
      new Date('2026-12-07T08:00:00+07:00'),
    );
    expect(known).toMatchObject({ state: 'IN_PROGRESS', calendar: 'OFFICIAL' });
    // Due on 8 February 2027, after Tết 2027, whose days off are not announced yet.
    const guessed = judgeTimeliness(
      dossier({ due: '2027-02-08T17:00:00', status: 4 }),
      time,
      new Date('2027-02-10T08:00:00+07:00'),
    );
    expect(guessed).toMatchObject({ calendar: 'COMPUTED', overdue: true });
  });
});
