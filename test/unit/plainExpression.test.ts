import jsonata from 'jsonata';
import {
  compilePlainExpression,
  NOT_PLAIN,
} from '../../connectors/shared/expression/plainExpression';

/**
 * Expressions evaluated without JSONata must give JSONata's value on every record they accept,
 * and refuse (NOT_PLAIN) every record JSONata would fail on. Checked over each expression below
 * against records chosen to hit every type each operator meets.
 */
const EXPRESSIONS = [
  // The sample systems' own.
  'applicantIdType = "citizen" ? ($length(applicantIdNo) = 12 ? "1" : "2")',
  "DinhDanhCHS ? DinhDanhCHS : (SoGiayToChuHoSo ? {'SoDinhDanh': SoGiayToChuHoSo})",
  // Conditions, and what they test.
  's ? "yes" : "no"',
  'n ? "yes"',
  'o ? o : e',
  'arr2 ? arr2 : arr1',
  'arr0 ? "some" : "none"',
  'strs ? 1 : 0',
  'b ? s : n',
  'z ? 1 : 2',
  // Comparisons.
  's = "Hòa"',
  'n = 12',
  'n != 12',
  'z = null',
  'z != null',
  'o = o',
  'o = e',
  'o = "x"',
  'arr2 = s',
  'n < 10',
  'n >= m',
  's < t',
  's > n',
  'z < 1',
  'b <= 1',
  'missing < 3',
  'missing = "x"',
  'missing != "x"',
  // Concatenation and arithmetic.
  's & "-" & t',
  'n & "/" & m',
  'b & z & missing',
  'f & ""',
  'o & "x"',
  'n + m',
  'n - m * 2',
  'n / m',
  'n % m',
  'n / 0',
  '-n',
  '-s',
  'n + s',
  'n + missing',
  // Boolean operators.
  's and n',
  'z or e',
  'missing or o',
  'arr2 and b',
  'b or ($length(s) > 2)',
  // Functions.
  '$length(s)',
  '$length(t)',
  '$length(n)',
  '$length(missing)',
  '$uppercase(s)',
  '$lowercase(t)',
  '$trim(w)',
  '$trim(n)',
  '$exists(missing)',
  '$exists(z)',
  '$exists(arr2)',
  '$contains(s, "ò")',
  '$contains(n, "1")',
  '$not(e)',
  '$not(missing)',
  '$boolean(o)',
  '$boolean(strs)',
  // Objects and paths.
  '{"a": s, "b": missing, "c": n}',
  '{"a": arr2}',
  '{"a": o.x}',
  'nested.inner.value',
  'nested.list.value',
  'arr1.x',
  '$',
];

/** Not read here: JSONata evaluates them. */
const LEFT_TO_JSONATA = [
  'a[0]',
  'a[x > 1]',
  '$x',
  '$string(n)',
  '$substring(s, 1)',
  '$contains(s, /a/)',
  's in ["a"]',
  '[1..3]',
  'function($v) { $v }',
  'a.{"x": b}',
  '{"a": 1, "a": 2}',
  '{s: 1}',
  '(a; b)',
  'constructor',
  '$$.a',
  'a ~> $uppercase',
  '$.s',
  // A literal with something attached is no longer a literal.
  '$contains(s, "x"[1])',
  '{"a"[1]: s}',
  '{"a"{"k": 1}: s}',
];

const RECORDS: Array<Record<string, unknown>> = [
  {},
  {
    applicantIdType: 'citizen',
    applicantIdNo: '001090001234',
    s: 'Hòa',
    t: 'Thanh Hóa',
    n: 12,
    m: 5,
    b: true,
    z: null,
    f: 0.1 + 0.2,
    w: '  a \t b\n\r c  ',
    o: { x: 1 },
    e: {},
    arr0: [],
    arr1: [{ x: 1 }],
    arr2: [{ x: 1 }, { x: 2 }],
    strs: ['a', 'b'],
    nested: { inner: { value: 'v' }, list: [{ value: 1 }, { value: 2 }] },
    DinhDanhCHS: [
      { LoaiDinhDanh: '1', SoDinhDanh: '001090001234' },
      { LoaiDinhDanh: '3', SoDinhDanh: '0101234567' },
    ],
  },
  {
    applicantIdType: 'citizen',
    applicantIdNo: '123456789',
    s: '',
    t: '𝔸bc',
    n: 0,
    m: 0,
    b: false,
    z: 'x',
    w: 'plain',
    o: 'not an object',
    e: { y: 0 },
    arr2: [],
    strs: [],
    nested: [{ inner: { value: 1 } }],
    DinhDanhCHS: { LoaiDinhDanh: '1', SoDinhDanh: '001090001234' },
  },
  {
    applicantIdType: 'enterprise',
    applicantIdNo: 1234567890,
    s: 'x',
    t: 't',
    n: -3.5,
    m: 'five',
    b: 1,
    z: 0,
    o: [1, 2],
    arr1: [{ x: 1 }, 'odd'],
    nested: { inner: null, list: [] },
    SoGiayToChuHoSo: '038090001234',
  },
  {
    applicantIdType: null,
    n: '12',
    m: 12,
    s: 12,
    t: '12',
    b: 'true',
    z: [],
    o: {},
    e: { a: { b: 1 } },
    arr2: [[{ x: 1 }]],
    DinhDanhCHS: [],
    SoGiayToChuHoSo: '',
  },
];

/** JSONata's value as JSON would carry it (sequences are arrays; undefined stays undefined). */
function asJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

describe('expressions evaluated without JSONata', () => {
  it.each(EXPRESSIONS)(
    '%s: JSONata’s value on every record it reads, and no value where JSONata fails',
    async (source) => {
      const plain = compilePlainExpression(`(${source})`);
      expect(plain).not.toBeNull();
      const expression = jsonata(`(${source})`);
      let read = 0;
      for (const record of RECORDS) {
        const ours = (plain as (input: unknown) => unknown)(record);
        let theirs: { value: unknown } | { error: unknown };
        try {
          theirs = { value: await expression.evaluate(record) };
        } catch (error) {
          theirs = { error };
        }
        if (ours === NOT_PLAIN) continue;
        read += 1;
        expect({ record, source, value: asJson(ours) }).toEqual({
          record,
          source,
          value: 'value' in theirs ? asJson(theirs.value) : 'JSONata failed here',
        });
      }
      // Every expression above is read here on some record, not always left to JSONata.
      expect(read).toBeGreaterThanOrEqual(1);
    },
  );

  it('reads most of these (record, expression) pairs itself', () => {
    let pairs = 0;
    let read = 0;
    for (const source of EXPRESSIONS) {
      const plain = compilePlainExpression(`(${source})`) as (input: unknown) => unknown;
      for (const record of RECORDS) {
        pairs += 1;
        if (plain(record) !== NOT_PLAIN) read += 1;
      }
    }
    expect(read / pairs).toBeGreaterThan(0.75);
    expect(read).toBeLessThan(pairs);
  });

  it.each(LEFT_TO_JSONATA)('%s: left to JSONata', (source) => {
    expect(compilePlainExpression(`(${source})`)).toBeNull();
  });

  it('an expression nested near JSONata’s depth limit is left to it (which stops it there)', async () => {
    const deep = `${'s & '.repeat(250)}s`;
    expect(compilePlainExpression(`(${deep})`, 200)).toBeNull();
    await expect(
      jsonata(`(${deep})`, { stack: 200 } as never).evaluate({ s: 'x' }),
    ).rejects.toMatchObject({ code: 'D1011' });
    // Well within it: read here.
    expect(compilePlainExpression(`(${'s & '.repeat(5)}s)`, 200)).not.toBeNull();
  });

  it('a record that is not an object is left to JSONata', () => {
    const plain = compilePlainExpression('(s)') as (input: unknown) => unknown;
    for (const input of [null, 'text', 3, [{ s: 1 }], undefined])
      expect(plain(input)).toBe(NOT_PLAIN);
  });
});
