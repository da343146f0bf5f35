import { createHash } from 'node:crypto';
import type { HistoryStep, NationalDossier, NationalStatusCode } from '../../connectors/model';
import { MemoryKnownStates, type KnownStates } from '../../src/services/changes/KnownStates';
import { RedisKnownStates } from '../../src/services/changes/RedisKnownStates';
import { stateMark, systemChangedAt } from '../../src/services/changes/stateMark';

const status = (code: number, raw = String(code)) => ({
  code: code as NationalStatusCode,
  raw,
  lossy: false,
  mayBe: [],
});
const step = (at: string | null, code: number): HistoryStep =>
  ({ at: at === null ? null : `${at}+07:00`, status: status(code) }) as unknown as HistoryStep;

function dossier(code: string, parts: Partial<NationalDossier> = {}): NationalDossier {
  return {
    code,
    dueAt: '2026-11-25T17:00:00+07:00',
    receivedAt: '2026-11-20T08:00:00+07:00',
    finishedAt: null,
    returnedAt: null,
    status: status(4),
    history: [step('2026-11-20T08:00:00', 2), step('2026-11-21T09:00:00', 4)],
    supplements: [],
    results: [],
    applicant: { name: 'Nguyễn Văn A', type: 1, ids: [], phone: null, email: null, address: null },
    ...parts,
  } as unknown as NationalDossier;
}

describe('State marks: what tells a change', () => {
  const base = dossier('000.00.01.H56-261120-0001');

  it('the same state gives the same marks; what is not synced state does not count', () => {
    expect(stateMark(base)).toEqual(stateMark(dossier(base.code)));
    const renamed = dossier(base.code, {
      applicant: { ...base.applicant, name: 'Trần Thị B' },
    });
    expect(stateMark(renamed)).toEqual(stateMark(base));
  });

  it('a new status, due date, history step, supplement round or result is a new state', () => {
    const variants = [
      dossier(base.code, { status: status(5) }),
      dossier(base.code, { status: status(4, 'processing') }),
      dossier(base.code, { dueAt: '2026-11-28T17:00:00+07:00' }),
      dossier(base.code, { history: [...base.history, step('2026-11-22T10:00:00', 4)] }),
      dossier(base.code, { supplements: [{}] as never }),
      dossier(base.code, { results: [{}] as never }),
    ];
    const fulls = new Set([base, ...variants].map((d) => stateMark(d).full));
    expect(fulls.size).toBe(variants.length + 1);
    // What a listing also carries (status, dates) is in the core; the history is not.
    expect(stateMark(variants[3] as NationalDossier).core).toBe(stateMark(base).core);
    expect(stateMark(variants[0] as NationalDossier).core).not.toBe(stateMark(base).core);
  });

  it('a due given as a day, then with its time, is a new state; other digests are as they were', () => {
    const untimed = dossier(base.code, { datesWithoutTime: ['dueAt'] });
    // `12/03/2026` read as 17:00, then `12/03/2026 17:00:00`: the same instant, now with its time.
    expect(untimed.dueAt).toBe(base.dueAt);
    expect(stateMark(untimed).core).not.toBe(stateMark(base).core);
    expect(stateMark(untimed).full).not.toBe(stateMark(base).full);
    expect(stateMark(dossier(base.code, { datesWithoutTime: [] })).core).toBe(stateMark(base).core);
    // A dossier with every time given keeps the digest known before dates without a time were
    // marked: the known states of every other dossier stay valid.
    const hash = (text: string) =>
      createHash('sha256').update(text).digest('base64url').slice(0, 16);
    const core = ['4', '4', base.dueAt, '', ''].join('\u0001');
    expect(stateMark(base).core).toBe(hash(core));
    expect(stateMark(base).full).toBe(
      hash([core, '2026-11-21T09:00:00+07:00', '4', 2, 0, 0].join('\u0001')),
    );
    // Dates given without a time, sorted, after the five fields; known states written with them
    // stay valid too.
    const both = dossier(base.code, { datesWithoutTime: ['returnedAt', 'dueAt'] });
    const untimedCore = [...core.split('\u0001'), 'untimed:dueAt,returnedAt'].join('\u0001');
    expect(stateMark(both).core).toBe(hash(untimedCore));
    expect(stateMark(both).full).toBe(
      hash([untimedCore, '2026-11-21T09:00:00+07:00', '4', 2, 0, 0].join('\u0001')),
    );
  });

  it('rejected, withdrawn, stopped and returned dossiers are settled; finished ones are not', () => {
    const open = (code: number) => stateMark(dossier(base.code, { status: status(code) })).open;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((code) => !open(code))).toEqual([3, 7, 8, 10]);
    expect(stateMark(dossier(base.code, { status: { ...status(4), code: null } })).open).toBe(true);
  });

  it("the system's change time is its newest timed step, else its return, finish or receipt", () => {
    expect(systemChangedAt(base)).toBe('2026-11-21T09:00:00+07:00');
    expect(systemChangedAt(dossier(base.code, { history: [step(null, 4)] }))).toBe(
      '2026-11-20T08:00:00+07:00',
    );
  });
});

describe.each([
  ['memory', () => new MemoryKnownStates()],
  [
    'redis',
    () =>
      new RedisKnownStates(
        process.env.TEST_REDIS_URL as string,
        `states-${process.pid}-${Date.now()}-${Math.random()}:`,
      ),
  ],
] as Array<[string, () => KnownStates]>)('Known states (%s)', (_kind, make) => {
  let states: KnownStates;
  beforeEach(() => {
    states = make();
  });
  afterEach(async () => {
    await states.close();
  });
  const observed = (code: string, d: NationalDossier = dossier(code)) => ({
    code,
    ...stateMark(d),
  });

  it('says which states are new, with the digest known before', async () => {
    const a = observed('A');
    const b = observed('B');
    expect(await states.compareAndSet('s', [a, b], 1)).toEqual([null, null]);
    expect(await states.compareAndSet('s', [a, b], 2)).toEqual([undefined, undefined]);
    const a2 = observed('A', dossier('A', { status: status(9) }));
    expect(await states.compareAndSet('s', [a2, b], 3)).toEqual([a.full, undefined]);
    // Another system's dossier of the same code is another dossier.
    expect(await states.compareAndSet('t', [a2], 3)).toEqual([null]);
    expect(await states.cores('s', ['A', 'B', 'C'])).toEqual([
      { core: a2.core, version: a2.version },
      { core: b.core, version: b.version },
      null,
    ]);
  });

  it('a reading older than the state known (read before a push) is neither a change nor recorded', async () => {
    const pushed = observed(
      'A',
      dossier('A', {
        status: status(9),
        history: [step('2026-11-21T09:00:00', 4), step('2026-11-22T10:00:00', 9)],
      }),
    );
    const read = observed('A');
    expect(read.version).toBeLessThan(pushed.version);
    expect(await states.compareAndSet('s', [pushed], 1)).toEqual([null]);
    expect(await states.compare('s', [read])).toEqual([undefined]);
    expect(await states.compareAndSet('s', [read], 2)).toEqual([undefined]);
    // What stays known is the newer state.
    expect(await states.compare('s', [pushed])).toEqual([undefined]);
    expect(await states.cores('s', ['A'])).toEqual([
      { core: pushed.core, version: pushed.version },
    ]);
  });

  it('compare says what compareAndSet would, and records nothing', async () => {
    const a = observed('A');
    expect(await states.compare('s', [a])).toEqual([null]);
    expect(await states.compare('s', [a])).toEqual([null]);
    await states.compareAndSet('s', [a], 1);
    expect(await states.compare('s', [a])).toEqual([undefined]);
    const a2 = observed('A', dossier('A', { status: status(5) }));
    expect(await states.compare('s', [a2])).toEqual([a.full]);
  });

  it('rechecks open dossiers the longest unchecked first; settled and dropped ones leave', async () => {
    await states.compareAndSet('s', [observed('A')], 10);
    await states.compareAndSet('s', [observed('B')], 20);
    await states.compareAndSet('s', [observed('C', dossier('C', { status: status(10) }))], 5);
    expect(await states.dueForRecheck('s', 10)).toEqual(['A', 'B']);
    await states.touch('s', ['A', 'C'], 30);
    expect(await states.dueForRecheck('s', 10)).toEqual(['B', 'A']);
    expect(await states.dueForRecheck('s', 1)).toEqual(['B']);
    await states.drop('s', ['B']);
    expect(await states.dueForRecheck('s', 10)).toEqual(['A']);
    expect(await states.openCount('s')).toBe(1);
  });

  it('a state not passed on is forgotten: the next sight is a change, and it is rechecked first', async () => {
    const a = observed('A');
    await states.compareAndSet('s', [a, observed('B')], 10);
    await states.unsee('s', ['B']);
    expect(await states.dueForRecheck('s', 1)).toEqual(['B']);
    expect(await states.compareAndSet('s', [observed('B')], 20)).toEqual([null]);
  });

  it("keeps each system's changed-since mark, and never moves it back", async () => {
    expect(await states.mark('s')).toBeNull();
    await states.setMark('s', 1_000);
    expect(await states.mark('s')).toBe(1_000);
    await states.setMark('s', 5_000);
    // A slower read that started earlier does not take the mark back.
    await states.setMark('s', 3_000);
    expect(await states.mark('s')).toBe(5_000);
    expect(await states.mark('t')).toBeNull();
  });
});

describe('Known states on Redis, shared by replicas', () => {
  it('two replicas reading the same new state at once: exactly one of them finds a change', async () => {
    const prefix = `states-race-${process.pid}-${Date.now()}:`;
    const replicas = [0, 1].map(
      () => new RedisKnownStates(process.env.TEST_REDIS_URL as string, prefix),
    );
    try {
      const code = '000.00.01.H56-261120-0001';
      const mark = { code, ...stateMark(dossier(code)) };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (replicas[i % 2] as RedisKnownStates).compareAndSet('s', [mark], i),
        ),
      );
      expect(results.flat().filter((before) => before !== undefined)).toEqual([null]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
