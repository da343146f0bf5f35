import jsonata from 'jsonata';
import { expressionProblems } from '../../connectors/shared/expression/checkExpression';
import { compileBoundedExpression } from '../../connectors/shared/expression/compileBoundedExpression';
import {
  DEFAULT_EXPRESSION_LIMITS,
  MAX_EXPRESSION_LENGTH,
} from '../../connectors/shared/expression/ExpressionLimits';
import { ExpressionLimitError } from '../../connectors/shared/expression/ExpressionLimitError';
import {
  CALLABLE_FUNCTIONS,
  CALLABLE_SIGNATURES,
} from '../../connectors/shared/expression/guardedFunctions';
import {
  evaluateInSmallHeap,
  RANDOM_RECORD,
  randomExpressions,
} from '../support/randomExpressions';

const LIMITS = DEFAULT_EXPRESSION_LIMITS;
const RECORD = RANDOM_RECORD;

/** The value, or what stopped it: `limit:<kind>` or `error:<JSONata code>`. */
async function outcome(source: string, input: unknown = RECORD): Promise<string> {
  try {
    return `value ${JSON.stringify(await compileBoundedExpression(source, LIMITS).evaluate(input))}`;
  } catch (error) {
    if (error instanceof ExpressionLimitError) return `limit:${error.limit}`;
    return `error:${(error as { code?: string }).code ?? String(error)}`;
  }
}

/**
 * Each of these, evaluated unbounded, aborted the process, held it for seconds or minutes, or
 * took gigabytes (measured with JSONata 2.2.2 on Node 20: `$pad` of 200 million aborted V8 with
 * "Fatal JavaScript invalid size error"; `$string` of a 10-million range took 9 s and 1.9 GB;
 * `$fromMillis` with a width of 100 million 6 s and 2 GB; the regular expression did not return
 * within two minutes; the doubling recursions took 1.1 GB before their time limit).
 */
const DANGEROUS: Array<[source: string, refusedAtValidation: boolean, stoppedBy: RegExp]> = [
  ['$length($pad("x", 200000000))', true, /^limit:string$/],
  ['$length($pad("x", $count(list) * 100000000))', false, /^limit:string$/],
  ['$length($pad("", 900000, "abcdefghij"))', false, /^limit:string$/],
  ['$length($join([1..10000].$string(), "' + 'x'.repeat(100) + '"))', false, /^limit:string$/],
  ['$length($string([1..99999]))', false, /^limit:string$/],
  ['$count([1..1000000000])', true, /^limit:items$/],
  ['$count([1..$count(list) * 1e8])', false, /^limit:items$/],
  ['$length($fromMillis(0, "[Y,100000000]"))', false, /^limit:string$/],
  ['$length($now("[Y,100000000]"))', false, /^limit:string$/],
  ['$length($formatInteger(1e300, "I"))', false, /^limit:string$/],
  ['$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)', false, /^value$/],
  ['$match("aaaa", /(a)\\1/)', true, /^error:/],
  // JSONata walks a pattern's matches without its time limit: the walk stops at maxItems.
  ['$count($replace($pad("", 500000, "ab"), /a/, "xy"))', false, /^limit:items$/],
  [
    '($f := function($a, $n) { $n = 0 ? $a : $f([$a, $a], $n - 1) }; $count($f([1], 40)))',
    true,
    /^limit:items$/,
  ],
  [
    '($f := function($a, $n) { $n = 0 ? $a : $f($append($a, $a), $n - 1) }; $count($f([1], 40)))',
    true,
    /^limit:items$/,
  ],
  ['($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))', true, /^limit:depth$/],
  ['($s := text; ' + '$s := $s & $s; '.repeat(30) + '$length($s))', false, /^limit:string$/],
  ['($a := [1..1000]; ' + '$a := [[$a], [$a]]; '.repeat(20) + '$a = $a)', false, /^limit:budget$/],
  ['$count(items.{"all": $$.items})', false, /^limit:budget$/],
  ['$count([1..1000].[[$$.items]])', false, /^limit:budget$/],
  ['$count([1..1000].[[1..10000]])', false, /^limit:budget$/],
  ['$count([1..100000].($string($) & $string($)))', false, /^limit:(time|steps)$/],
  ['$count($distinct([1..100000]))', false, /^value$/],
  ['$count($distinct([1..3000].{"i": $}))', false, /^limit:items$/],
  // Built-ins called by higher-order ones, once per item, outside JSONata's own guardrails.
  [
    '($s := $pad("", 1000000, "a"); $count($map([1..3000].$s, $uppercase)))',
    false,
    /^limit:budget$/,
  ],
  ['$count($reduce([1..30000], $append))', false, /^limit:(budget|steps|time)$/],
  // `&` turns a list into its JSON text inside JSONata.
  ['($s := $pad("", 1000000, "a"); $length(([1..300].$s) & ""))', false, /^limit:string$/],
  ['$eval("$pad(\\"x\\", 200000000)")', true, /^limit:function$/],
  ['$toMillis("2026-01-01", "[Y0001]-[M01]-[D01]")', true, /^limit:function$/],
  ['$clone(items)', true, /^limit:function$/],
  ['"' + 'x'.repeat(MAX_EXPRESSION_LENGTH) + '"', true, /^value/],
];

describe('Expressions: what a registration may run is bounded before it runs', () => {
  // Evaluated in a process of their own with a 256 MB heap: one that is not bounded kills it.
  let evaluated: { outcomes: string[] } | { died: string };
  beforeAll(() => {
    evaluated = evaluateInSmallHeap(
      DANGEROUS.map(([source]) => source),
      { heapMb: 256, timeoutMs: LIMITS.timeoutMs },
    );
  }, 120_000);

  it('every one ran in a process with a 256 MB heap, which survived them all', () => {
    expect(evaluated).toEqual({ outcomes: expect.any(Array) });
  });

  it.each(
    DANGEROUS.map(
      ([source, ...rest], index) => [source.slice(0, 90), index, source, ...rest] as const,
    ),
  )('%s', (_title, index, source, refused, stoppedBy) => {
    const problems = expressionProblems(source);
    expect(problems.some((problem) => problem.unsafe)).toBe(refused);
    // Whether validation refuses it or not, evaluating it directly is bounded too.
    expect('outcomes' in evaluated ? evaluated.outcomes[index] : evaluated.died).toMatch(stoppedBy);
  });

  it('names the limit and the value, at validation and when it runs', async () => {
    expect(expressionProblems('$pad("x", 200000000)')).toEqual([
      { message: '$pad to a width of 200,000,000: at most 1,000,000 characters', unsafe: true },
    ]);
    await expect(
      compileBoundedExpression('$pad("x", $count(list) * 100000000)', LIMITS).evaluate(RECORD),
    ).rejects.toThrow('$pad would build more than the 1,000,000 characters a string may have');
  });

  it('refuses functions of its own, calls of anything but a built-in, and the transform operator', () => {
    const unsafe = (source: string) =>
      expressionProblems(source)
        .filter((problem) => problem.unsafe)
        .map((problem) => problem.message);
    expect(unsafe('$map(list, function($v) { $v * 2 })')[0]).toMatch(/defines a function/);
    expect(unsafe('$lookup($, "f")()')[0]).toMatch(/other than a named function/);
    expect(unsafe('$substring(?, 1)')[0]).toMatch(/partial application/);
    expect(unsafe('$ ~> |items|{"x": 1}|').join()).toMatch(/transform operator/);
    expect(unsafe('$nope(1)')[0]).toMatch(/\$nope, which is not one of/);
    expect(unsafe('a ~> $eval').join()).toMatch(/\$eval runs text/);
    // What mappings write stays allowed.
    for (const source of [
      'list[$ > 1]',
      '($d := text; $substring($d, 0, 2) & $uppercase($d))',
      'items^(>i)[0].name',
      'text ~> $uppercase ~> $trim',
      '$replace(text, /[0-9]+/, "#")',
      'items#$n[$n < 2].{"n": $n, "name": name}',
      '$map(list, $string)',
      '[1..100]',
    ]) {
      expect({ source, problems: expressionProblems(source) }).toEqual({ source, problems: [] });
    }
  });

  it('every function registrations may call is one of JSONata’s, with JSONata’s signature, and works', async () => {
    for (const name of CALLABLE_FUNCTIONS) {
      const native = (await jsonata(`$${name}`).evaluate(null)) as {
        signature?: { definition?: string };
      };
      expect({ name, signature: CALLABLE_SIGNATURES[name] }).toEqual({
        name,
        signature: native.signature?.definition,
      });
      expect(await outcome(`$type($${name})`, {})).toBe('value "function"');
    }
  });

  it('guarded functions answer what JSONata answers, within the limits', async () => {
    const cases = [
      '$pad(text, 30, "-")',
      '$pad(text, -30, "ab")',
      '$join(items[[0..4]].name, ", ")',
      '$string(items[[0..2]])',
      '$string(items[[0..1]], true)',
      '$split(text, " ")',
      '$split(text, /\\s+/, 2)',
      '$formatNumber(1234567.891, "#,##0.00")',
      '$formatInteger(1999, "I")',
      '$formatInteger(42, "w")',
      '$parseInteger("1,234", "#,##0")',
      '$fromMillis(1735689600000, "[D01]/[M01]/[Y0001]", "+0700")',
      '$toMillis("2026-01-01T00:00:00+07:00")',
      '$distinct([1, 2, 2, 3, 1])',
      '$replace(text, /(H)ồ/, "[$1]")',
      '$match(text, /[A-Z]\\w+/i)',
      '$contains(text, /đất/)',
      // Wrapped built-ins passed to higher-order ones keep their arity.
      '$map(list, $string)',
      '$reduce(list, $append)',
      '$filter([0, 1, "", "a"], $boolean)',
      '$sort(items[[0..5]].name)',
      '$distinct([3, 1, 3, "a", "a", true, true, null, null])',
      '$distinct([{"a": 1}, {"a": 1}, [1], [1]])',
      '$single(list, $not)',
      '$map(["ab", "cd"], $substring)',
    ];
    for (const source of cases) {
      const theirs = await jsonata(source)
        .evaluate(RECORD)
        .then(
          (value) => `value ${JSON.stringify(value)}`,
          (error: { code?: string }) => `error:${error.code ?? String(error)}`,
        );
      expect({ source, ours: await outcome(source) }).toEqual({ source, ours: theirs });
    }
  });

  it('JSONata’s errors stay JSONata’s (a wrong type is not a limit)', async () => {
    expect(await outcome('$substring(list, 1)')).toBe('error:T0410');
    expect(await outcome('1 + "a"')).toBe('error:T2002');
  });
});

describe('Expressions: regular expressions run in linear time, as JavaScript reads them', () => {
  const TEXTS = [
    'Hồ sơ 000.00.06.H56-231027-0361 đã tiếp nhận',
    'abc ABC aBc',
    'x😀y 12/03/2026 13:45',
    'line one\nline two\r\nline three',
    'Số\u00a0hồ sơ:\u2028 dòng\u2029 mới\u3000kết thúc',
    '',
  ];
  const PATTERNS = [
    '/[0-9]+/',
    '/(\\d{2})\\/(\\d{2})\\/(\\d{4})/',
    '/abc/i',
    '/^line/m',
    '/t(w)?o/',
    '/đ[aã]/',
    '/H\\d{2}/',
    '/(?<day>\\d{2})/',
    '/\\s+/',
    '/.$/',
    '/\\s+/',
    '/\\S+/',
    '/[^\\s,]+/',
    '/ồ.s|g.a/',
  ];
  it('$match, $replace, $split and $contains agree with JavaScript’s engine', async () => {
    let compared = 0;
    for (const pattern of PATTERNS) {
      for (const text of TEXTS) {
        for (const call of [
          `$match($t, ${pattern})`,
          `$replace($t, ${pattern}, "<$0>")`,
          `$split($t, ${pattern})`,
          `$contains($t, ${pattern})`,
        ]) {
          const run = (evaluate: Promise<unknown>) =>
            evaluate.then(
              (value) => `value ${JSON.stringify(value)}`,
              (error: { code?: string }) => `error:${error.code ?? String(error)}`,
            );
          const ours = await run(compileBoundedExpression(call, LIMITS).evaluate({}, { t: text }));
          const theirs = await run(jsonata(call).evaluate({}, { t: text }));
          expect({ call, text, ours }).toEqual({ call, text, ours: theirs });
          compared += 1;
        }
      }
    }
    expect(compared).toBe(PATTERNS.length * TEXTS.length * 4);
  });
});

describe('Expressions: random expressions never take the process down', () => {
  it('1 000 generated expressions, in a process with a 256 MB heap: each gives a value or a typed error', () => {
    // A short time limit keeps the test short; the other limits are the defaults.
    const evaluated = evaluateInSmallHeap(randomExpressions(20261207, 1000), {
      heapMb: 256,
      timeoutMs: 100,
    });
    if (!('outcomes' in evaluated)) throw new Error(`the process died: ${evaluated.died}`);
    const seen = new Map<string, number>();
    for (const kind of evaluated.outcomes) seen.set(kind, (seen.get(kind) ?? 0) + 1);
    expect(evaluated.outcomes).toHaveLength(1000);
    expect(
      evaluated.outcomes.every((kind) => /^(value|limit:\w+|error:[A-Z]\d{4})$/.test(kind)),
    ).toBe(true);
    // All three ends were reached: values, limits and JSONata's own errors.
    expect(seen.get('value')).toBeGreaterThan(100);
    expect([...seen.keys()].filter((kind) => kind.startsWith('limit:')).length).toBeGreaterThan(2);
    expect([...seen.keys()].some((kind) => kind.startsWith('error:'))).toBe(true);
  }, 300_000);
});
