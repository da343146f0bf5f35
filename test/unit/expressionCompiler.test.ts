import jsonata from 'jsonata';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import type { ExpressionLimitError } from '../../connectors/shared/expression/ExpressionLimitError';

/**
 * The expressions a registration runs on whole answers (`records`, `errors[].when`,
 * `pagination.total`) are read without JSONata when they are plain; the value must be JSONata's
 * for every answer, plain or not, and the gateway must hear of every evaluation either way.
 */
const ANSWERS: unknown[] = [
  { data: [{ dossierNo: 'A-1' }, { dossierNo: 'A-2' }], total: 2 },
  { data: [{ dossierNo: 'A-1' }] },
  { data: [] },
  { data: { dossierNo: 'A-1' } },
  { data: ['A-1', 'A-2'] },
  { data: [[{ dossierNo: 'A-1' }], [{ dossierNo: 'A-2' }]] },
  { data: null, error_code: 'AUTH_INVALID', message: 'Khóa không hợp lệ' },
  { error_code: 'RANGE_TOO_LONG' },
  { Body: { KetQua: { HoSo: [{ MaHoSo: 'B-1' }] } } },
  { Body: [{ KetQua: { HoSo: { MaHoSo: 'B-1' } } }, { KetQua: { HoSo: { MaHoSo: 'B-2' } } }] },
  [{ data: [{ dossierNo: 'A-1' }] }],
  'not an object',
  null,
];

const SOURCES = [
  'data',
  'Body.KetQua.HoSo',
  'error_code = "AUTH_INVALID"',
  'error_code = "RANGE_TOO_LONG" or error_code = "BAD_REQUEST"',
  'total',
  '$count(data)',
];

describe('Expression compiler: plain expressions without JSONata, JSONata values', () => {
  it.each(SOURCES)('%s gives what JSONata gives, on every answer', async (source) => {
    const heard: Array<ExpressionLimitError | null> = [];
    const evaluate = new ExpressionCompiler(1000, (stopped) => heard.push(stopped)).compile(source);
    for (const answer of ANSWERS) {
      // As JSON: JSONata marks its sequences with a property of its own.
      const expected = JSON.stringify(await jsonata(source).evaluate(answer));
      expect({ answer, value: JSON.stringify(await evaluate(answer)) }).toEqual({
        answer,
        value: expected,
      });
    }
    // Every evaluation reported, none stopped (quarantine counts them).
    expect(heard).toEqual(ANSWERS.map(() => null));
  });

  it('binds variables for expressions that read them', async () => {
    const evaluate = new ExpressionCompiler(1000).compile('{"dossierNos": $codes}');
    expect(await evaluate({}, { codes: ['A-1', 'A-2'] })).toEqual({ dossierNos: ['A-1', 'A-2'] });
  });

  it('refuses a list longer than JSONata allows (a flood of records), and reports it', async () => {
    const heard: Array<ExpressionLimitError | null> = [];
    const compiler = new ExpressionCompiler(1000, (stopped) => heard.push(stopped));
    const flood = { data: Array.from({ length: compiler.limits.maxItems + 1 }, () => ({})) };
    await expect(compiler.compile('data')(flood)).rejects.toMatchObject({ limit: 'items' });
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ limit: 'items' });
    // At the limit, read as it stands.
    flood.data.pop();
    expect(await compiler.compile('data')(flood)).toBe(flood.data);
  });

  it('lets a binding named like a function replace it, as JSONata does', async () => {
    const evaluate = new ExpressionCompiler(1000).compile('$length(name) = 3');
    expect(await evaluate({ name: 'abc' })).toBe(true);
    expect(await evaluate({ name: 'abc' }, { length: () => 5 })).toBe(false);
  });

  it('keeps the limits for what is not plain', async () => {
    const evaluate = new ExpressionCompiler(1000).compile('$pad("", 2000000, data)');
    await expect(evaluate({ data: 'x' })).rejects.toMatchObject({ limit: 'string' });
  });
});
