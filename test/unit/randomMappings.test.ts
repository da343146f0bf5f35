import jsonata from 'jsonata';
import { compileMapping, mappingSource } from '../../connectors/shared/dossierMapping';
import { seeded } from '../support/seeded';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';

const EXPRESSIONS = new ExpressionCompiler(1000);

/**
 * Mappings read without JSONata (plain paths, `plainExpression.ts`, JSONata for the rest and for
 * odd records) must give what JSONata gives for the whole mapping: the same value, or the same
 * error. Random mappings (computed `each` selectors and fields, plain and JSONata ones mixed) over
 * random records (lists of 0, 1 and 2 objects, lists of text, nested lists, non-objects) test how
 * the pieces compose — fields, lists, falling back to JSONata; each operator's exact rules are
 * tested in plainExpression.test.ts. Generator adapted from this stop's review.
 */
const EACH = [
  'items',
  'flag ? items : other',
  'items ?? other',
  'items ?: other',
  '{"type": "x", "number": id}',
  '$',
  '(items)',
  'a.items',
  'items ? items',
  'flag ? $ : items',
  'null',
  '"str"',
  'o',
  '{"a": items}',
  'flag ? {"k": id} : items',
  '$exists(items) ? items : other',
  'n > 1 ? items : other',
  'items and other',
  '$not(flag) ? other',
  'flag = "y" ? a.items : $',
  '{"number": id & "-" & n, "type": flag ? "a" : "b"}',
];
const FIELDS = [
  'id',
  'id & "x"',
  '$length(id)',
  'n + 1',
  '$string(n)',
  '{"k": id}',
  'id ? id : "none"',
  '$',
  '-n',
  'n',
  'type',
  'flag and n',
  '$uppercase(type)',
  'n = 1',
  'type & number',
  '$exists(number)',
  'items',
  '{"x": items}',
  '$trim(id)',
  'number ?? id',
  'o.k',
  'n < "1"',
];
const KEYS = ['items', 'other', 'flag', 'id', 'n', 'o', 'a', 'type', 'number', 'k'];
const SCALARS: unknown[] = ['y', '', ' id ', '😀', 0, 1, 2, 0.5, null, true, false, 'abc'];

describe('random mappings read as JSONata reads them', () => {
  it('1 500 mappings × 8 records: the same value or the same error', async () => {
    const { next, pick } = seeded(7);
    const record = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const key of KEYS) if (next() < 0.6) out[key] = value(depth);
      return out;
    };
    const value = (depth: number): unknown => {
      const r = next();
      if (depth <= 0 || r < 0.4) return pick(SCALARS);
      if (r < 0.5) return [];
      if (r < 0.62) return [record(depth - 1)];
      if (r < 0.75) return [record(depth - 1), record(depth - 1)];
      if (r < 0.8) return ['a', 'b'];
      if (r < 0.83) return [record(depth - 1), 'x'];
      if (r < 0.86) return [[record(depth - 1)]];
      if (r < 0.9) return {};
      return record(depth - 1);
    };
    const outcome = (evaluate: () => Promise<unknown>) =>
      evaluate().then(
        (result) => `value ${JSON.stringify(result)}`,
        (error: { code?: string }) => `error ${error.code ?? String(error)}`,
      );
    let compared = 0;
    let plainFields = 0;
    for (let m = 0; m < 1500; m += 1) {
      const spec: Record<string, unknown> = { code: pick(FIELDS), status: pick(FIELDS) };
      const lists = 1 + Math.floor(next() * 2);
      for (let l = 0; l < lists; l += 1) {
        const fields: Record<string, string> = {};
        const count = 1 + Math.floor(next() * 3);
        for (let f = 0; f < count; f += 1) fields[`f${f}`] = pick(FIELDS);
        spec[`list${l}`] = { each: pick(EACH), fields };
      }
      if (next() < 0.3) spec.nested = { inner: pick(FIELDS) };
      const compiled = compileMapping(spec, EXPRESSIONS);
      plainFields += compiled.plainFields ?? 0;
      const reference = jsonata(mappingSource(spec));
      for (let r = 0; r < 8; r += 1) {
        const input = next() < 0.95 ? record(3) : pick<unknown>([null, 'text', [record(2)], 5]);
        const ours = await outcome(() => compiled.evaluate(input));
        const theirs = await outcome(() => reference.evaluate(input));
        if (ours !== theirs) expect({ spec, input, ours }).toEqual({ spec, input, ours: theirs });
        compared += 1;
      }
    }
    expect(compared).toBe(12_000);
    // Most fields were read without JSONata: the comparison tested that path, not JSONata twice.
    expect(plainFields).toBeGreaterThan(1500 * 2);
  });
});
