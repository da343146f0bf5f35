import { ExpressionLimitError } from '../../connectors/shared/expression/ExpressionLimitError';
import type { Registration } from '../../src/registry/Registration';
import { QuarantineWatch } from '../../src/services/registrations/QuarantineWatch';

const runtime = (version: number) =>
  ({
    id: 'tinh-x',
    origin: { type: 'runtime', version, enabled: true, updatedAt: '', updatedBy: '' },
  }) as unknown as Registration;
const file = { id: 'tep', origin: { type: 'file', file: 'tep.yaml' } } as unknown as Registration;
/** A stop on the record `input` (its digest). */
const stop = (limit: 'string' | 'time', input: string) => {
  const error = new ExpressionLimitError(limit, `the expression built a ${limit} …`);
  error.inputKey = input;
  return error;
};

describe('Quarantine watch: one expression stopped on five different records in a row', () => {
  const watch = () => {
    const quarantined: Array<[string, number, string]> = [];
    return {
      quarantined,
      watch: new QuarantineWatch((id, version, reason) => quarantined.push([id, version, reason])),
    };
  };

  it('quarantines the version at the fifth record, and asks again at every stop after (a store that failed)', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 7; i += 1) {
      // The registration's record selector completes in between: it is another expression.
      w.observe(runtime(3), null, '$');
      w.observe(runtime(3), stop('string', `record-${i}`), 'summary');
    }
    expect(quarantined).toHaveLength(3);
    expect(quarantined[0]).toEqual([
      'tinh-x',
      3,
      'evaluations of one expression stopped by a limit on 5 different records in a row; the last: the expression built a string …',
    ]);
  });

  it('the same odd record looked up again and again counts once', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 50; i += 1) w.observe(runtime(1), stop('string', 'odd-record'), 'summary');
    for (let i = 0; i < 3; i += 1) w.observe(runtime(1), stop('string', `other-${i}`), 'summary');
    expect(quarantined).toEqual([]);
  });

  it('a completed evaluation of that expression starts its count again (one odd record among good ones)', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 20; i += 1) {
      w.observe(runtime(1), stop('string', `record-${i}`), 'summary');
      if (i % 4 === 3) w.observe(runtime(1), null, 'summary');
    }
    expect(quarantined).toEqual([]);
  });

  it('the time limit does not count (it depends on load); static files are not quarantined; a new version starts afresh', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 10; i += 1) w.observe(runtime(1), stop('time', `r${i}`), 'summary');
    for (let i = 0; i < 10; i += 1) w.observe(file, stop('string', `r${i}`), 'summary');
    for (let i = 0; i < 4; i += 1) w.observe(runtime(1), stop('string', `r${i}`), 'summary');
    for (let i = 0; i < 4; i += 1) w.observe(runtime(2), stop('string', `r${i}`), 'summary');
    expect(quarantined).toEqual([]);
    w.observe(runtime(2), stop('string', 'r4'), 'summary');
    expect(quarantined.map(([id, version]) => [id, version])).toEqual([['tinh-x', 2]]);
  });
});
