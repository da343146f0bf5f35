import {
  compileLinear,
  linearPatternProblem,
} from '../../connectors/shared/expression/LinearRegExp';

/**
 * A registration's `coverage.dossierCodePattern`: a regular expression the whole of a non-standard
 * dossier code must match (`(?<agency>G09\.\d{2})-\d{8}-\d{7}`), whose named group `agency`, when
 * it has one, names the code's agency. Run by RE2 (connectors/shared/expression/LinearRegExp.ts),
 * in time linear in the code: a pattern is registration input, and V8's backtracking engine can
 * spend minutes on one code with a pattern such as `(a+)+b`.
 */
export interface DossierCodePattern {
  readonly source: string;
  /** Whether the pattern has the named group `agency`. */
  readonly namesAgency: boolean;
  /** Null when the whole code does not match; else the `agency` group's text, if any. */
  match(code: string): { agency: string | undefined } | null;
}

/** Why `source` cannot be a dossier-code pattern, or null. */
export function dossierCodePatternProblem(source: string): string | null {
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'u');
  } catch (error) {
    return `not a regular expression: ${(error as Error).message}`;
  }
  return linearPatternProblem(regex);
}

/**
 * Compiles a pattern `dossierCodePatternProblem` accepts (throws otherwise). `ignoreCase` (a
 * registration whose codes are case-insensitive, `coverage.codes`) matches letters in either case.
 */
export function compileDossierCodePattern(source: string, ignoreCase = false): DossierCodePattern {
  const pattern = compileLinear(new RegExp(source, ignoreCase ? 'iu' : 'u'));
  const namesAgency = 'agency' in pattern.namedGroups();
  return {
    source,
    namesAgency,
    match(code) {
      const matcher = pattern.matcher(code);
      if (!matcher.matches()) return null;
      return { agency: namesAgency ? (matcher.group('agency') ?? undefined) : undefined };
    },
  };
}
