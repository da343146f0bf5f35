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

function compileLinear(source: RegExp): RE2JS {
  let flags = 0;
  if (source.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
  if (source.flags.includes('m')) flags |= RE2JS.MULTILINE;
  return RE2JS.compile(RE2JS.translateRegExp(source.source), flags);
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
