import { ExpressionLimitError } from '../../connectors/shared/expression/ExpressionLimitError';
import type { Registration } from '../../src/registry/Registration';
import { QuarantineWatch } from '../../src/services/registry/QuarantineWatch';

const runtime = (version: number) =>
  ({
    id: 'tinh-x',
    origin: { type: 'runtime', version, enabled: true, updatedAt: '', updatedBy: '' },
  }) as unknown as Registration;
const file = { id: 'tep', origin: { type: 'file', file: 'tep.yaml' } } as unknown as Registration;
const size = new ExpressionLimitError('string', 'the expression built a string …');
const time = new ExpressionLimitError('time', 'the expression ran past its time limit …');

describe('Quarantine watch: one expression stopped five times in a row', () => {
  const watch = () => {
    const quarantined: Array<[string, number, string]> = [];
    return {
      quarantined,
      watch: new QuarantineWatch((id, version, reason) => quarantined.push([id, version, reason])),
    };
  };

  it('quarantines the version at the fifth stop of the same expression, once', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 7; i += 1) {
      // The registration's record selector completes in between: it is another expression.
      w.observe(runtime(3), null, '$');
      w.observe(runtime(3), size, 'summary');
    }
    expect(quarantined).toEqual([
      [
        'tinh-x',
        3,
        '5 evaluations in a row stopped by a limit; the last: the expression built a string …',
      ],
    ]);
  });

  it('a completed evaluation of that expression starts its count again (one odd record)', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 20; i += 1) {
      w.observe(runtime(1), size, 'summary');
      if (i % 4 === 3) w.observe(runtime(1), null, 'summary');
    }
    expect(quarantined).toEqual([]);
  });

  it('the time limit does not count (it depends on load); static files are not quarantined; a new version starts afresh', () => {
    const { watch: w, quarantined } = watch();
    for (let i = 0; i < 10; i += 1) w.observe(runtime(1), time, 'summary');
    for (let i = 0; i < 10; i += 1) w.observe(file, size, 'summary');
    for (let i = 0; i < 4; i += 1) w.observe(runtime(1), size, 'summary');
    for (let i = 0; i < 4; i += 1) w.observe(runtime(2), size, 'summary');
    expect(quarantined).toEqual([]);
    w.observe(runtime(2), size, 'summary');
    expect(quarantined.map(([id, version]) => [id, version])).toEqual([['tinh-x', 2]]);
  });
});
