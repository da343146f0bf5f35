import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seeded } from './seeded';

/** A record for expressions to read: text (Vietnamese), a short list, 2 000 objects. */
export const RANDOM_RECORD = {
  a: 'x',
  text: 'Hồ sơ đất đai, Thanh Hóa',
  list: [1, 2, 3],
  items: Array.from({ length: 2000 }, (_, i) => ({ i, name: `m${i}` })),
};

/**
 * Expressions built at random from the constructs that build the most (functions that allocate
 * in one call, constructors, concatenation, ranges, regular expressions over long texts), nested
 * and bound to variables, from a fixed seed: the same list on every run.
 */
export function randomExpressions(seed: number, count: number): string[] {
  const { next, pick } = seeded(seed);
  const small = ['1', '3', 'list', '$count(list)', '"ab"', 'text', 'a'];
  const big = ['1e9', '200000000', '$count(items) * 1e6', '1e300', '-1e9', '99999'];
  const wraps: Array<(x: string) => string> = [
    (x) => `$string(${x})`,
    (x) => `$pad(${x}, ${pick(big)})`,
    (x) => `$pad("", ${pick(big)}, ${x})`,
    (x) => `$join(${x}, ${x})`,
    (x) => `[${x}, ${x}]`,
    (x) => `[[${x}], [${x}]]`,
    (x) => `(${x} & ${x})`,
    (x) => `$append(${x}, ${x})`,
    (x) => `{"k": ${x}, "v": ${x}}`,
    (x) => `$split($string(${x}), "")`,
    (x) => `$formatInteger(${pick(big)} + $count(${x}), "I")`,
    (x) => `$fromMillis($count(${x}), "[Y,${pick(big)}]")`,
    (x) => `[1..${pick(big)}].(${x})`,
    (x) => `$distinct(${x})`,
    (x) => `$replace($string(${x}), /./, "$0$0$0$0")`,
    (x) => `$split($string(${x}), /[0-9]/)`,
    (x) => `$match($string(${x}), /(.)(.)/)`,
    (x) => `$uppercase($string(${x}))`,
    (x) => `items.(${x})`,
    (x) => `(${x} = ${x})`,
    (x) => `$sort(${x})`,
    (x) => `$reverse(${x})`,
    (x) => `$keys(${x})`,
    (x) => `$spread(${x})`,
    // Built-ins called once per item by higher-order ones; `&` over lists; long texts.
    (x) => `$map(${x}, $string)`,
    (x) => `$reduce([1..${pick(['100', '30000'])}], $append, ${x})`,
    (x) => `$filter(${x}, $boolean)`,
    (x) => `(items.(${x}) & "")`,
    (x) => `$replace($pad("", 500000, $string(${x})), /./, "$0")`,
  ];
  const expression = (depth: number): string =>
    depth === 0 || next() < 0.15 ? pick(small) : pick(wraps)(expression(depth - 1));
  return Array.from(
    { length: count },
    () => `($x := ${expression(6)}; $x := ${expression(4)}; $count($x))`,
  );
}

/**
 * Evaluates expressions (validation bypassed) in a process of its own whose heap is capped at
 * `heapMb`, so that one that is not bounded kills that process, not the test's: what each came to
 * (evaluateRandomExpressions.ts), or the reason the process died.
 */
export function evaluateInSmallHeap(
  expressions: readonly string[],
  options: { heapMb: number; timeoutMs: number },
): { outcomes: string[] } | { died: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'expressions-')), 'expressions.json');
  writeFileSync(file, JSON.stringify({ expressions, timeoutMs: options.timeoutMs }));
  const run = spawnSync(
    process.execPath,
    [
      `--max-old-space-size=${options.heapMb}`,
      '--import',
      'tsx',
      join(__dirname, 'evaluateRandomExpressions.ts'),
      file,
    ],
    { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
  );
  if (run.status !== 0)
    return {
      died: `status ${String(run.status)} ${String(run.signal)}: ${run.stderr.slice(-2000)}`,
    };
  return { outcomes: JSON.parse(run.stdout) as string[] };
}
