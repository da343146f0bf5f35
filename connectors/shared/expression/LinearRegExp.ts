import { RE2JS } from 're2js';
import { ExpressionLimitError, grouped } from './ExpressionLimitError';

/**
 * JSONata's regular expression engine for registrations: the same patterns, run by re2js (a port of
 * RE2) in time linear in the text. V8's backtracking engine can spend minutes in one native call
 * on `/^(a+)+$/` and thirty characters, and no timeout interrupts it; RE2 has no backtracking.
 * What RE2 cannot run in linear time (back-references, look-around) is refused at validation
 * (`linearPatternProblem`).
 *
 * JSONata creates the engine with the parsed `RegExp` (flags `i`, `m` and always `g`) and calls
 * `exec` from `lastIndex`, as with a global `RegExp`; this class keeps that contract. JSONata makes
 * one per use of the pattern, and walks `$match`, `$replace` and `$split` through the matches
 * without its time limit: `maxMatches` bounds that walk (`linearRegExpEngine`).
 */
export class LinearRegExp {
  lastIndex = 0;
  private readonly pattern: RE2JS;
  private matches = 0;

  constructor(
    source: RegExp,
    private readonly maxMatches = Number.POSITIVE_INFINITY,
  ) {
    this.pattern = compileLinear(source);
  }

  exec(text: string): RegExpExecArray | null {
    this.matches += 1;
    if (this.matches > this.maxMatches) {
      throw new ExpressionLimitError(
        'items',
        `a regular expression matched more than ${grouped(this.maxMatches)} times`,
      );
    }
    const start = this.lastIndex;
    const matcher = this.pattern.matcher(text);
    if (start > text.length || !matcher.find(start)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let group = 0; group <= matcher.groupCount(); group += 1) {
      // A group that took no part in the match is undefined in JavaScript's answer, null in re2js's.
      groups.push(matcher.group(group) ?? undefined);
    }
    const match = Object.assign(groups, { index: matcher.start(), input: text, groups: undefined });
    this.lastIndex = matcher.end();
    return match as unknown as RegExpExecArray;
  }
}

/** The engine class JSONata is given: each pattern's use stops after `maxMatches` matches. */
export function linearRegExpEngine(maxMatches: number): RegExpConstructor {
  return class extends LinearRegExp {
    constructor(source: RegExp) {
      super(source, maxMatches);
    }
  } as unknown as RegExpConstructor;
}

/** JavaScript's white space (`\s`, ECMA-262 WhiteSpace and LineTerminator); RE2's is ASCII only. */
const SPACE =
  '\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

/**
 * A JavaScript pattern in RE2's syntax with JavaScript's meaning where they differ on text
 * registrations meet: `\s` and `\S` include the non-breaking and other Unicode spaces (text copied
 * from Word or a web page), `.` stops at U+2028 and U+2029 as well as at line breaks. The rest
 * (`\d`, `\w`, `\b` ASCII in both; named groups; `/`) is re2js's `translateRegExp`. One difference
 * stays: a character outside the Basic Multilingual Plane (an emoji) is one character to RE2, as
 * to JavaScript with the `u` flag, and two to JSONata's JavaScript patterns.
 */
function toRe2(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] as string;
    if (char === '\\' && i + 1 < source.length) {
      const next = source[i + 1] as string;
      i += 1;
      if (next === 's') out += inClass ? SPACE : `[${SPACE}]`;
      else if (next === 'S' && !inClass) out += `[^${SPACE}]`;
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else if (char === '.') {
      out += '[^\\n\\r\\x{2028}\\x{2029}]';
    } else {
      out += char;
    }
  }
  return out;
}

/** Compiled once per pattern: JSONata makes a new engine each time a pattern is used. */
const compiled = new WeakMap<RegExp, RE2JS>();

/**
 * A JavaScript pattern compiled for RE2 (linear time), with JavaScript's meaning (`toRe2`); throws
 * when RE2 cannot run it (`linearPatternProblem` says why). Also for patterns outside JSONata:
 * registrations' dossier-code patterns.
 */
export function compileLinear(source: RegExp): RE2JS {
  const known = compiled.get(source);
  if (known !== undefined) return known;
  let flags = 0;
  if (source.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
  if (source.flags.includes('m')) flags |= RE2JS.MULTILINE;
  const pattern = RE2JS.compile(RE2JS.translateRegExp(toRe2(source.source)), flags);
  compiled.set(source, pattern);
  return pattern;
}

/** Why a pattern cannot run in linear time (RE2's words), or null when it can. */
export function linearPatternProblem(source: RegExp): string | null {
  try {
    compileLinear(source);
    return null;
  } catch (error) {
    return `the regular expression /${source.source}/ cannot run in linear time (back-references and look-around are not available): ${(error as Error).message}`;
  }
}
