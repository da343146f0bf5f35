/**
 * Bounds on evaluating an expression that comes from a registration (README.md beside this file).
 * Registrations are input: nothing a provincial IT key can send may take a process down, so every
 * evaluation is bounded in time, depth and in what it may build.
 */
export interface ExpressionLimits {
  /** Wall time of one evaluation. Default 1000 ms; a registration sets it (`limits.mappingTimeoutMs`). */
  timeoutMs: number;
  /** Evaluation depth (JSONata's `stack`). Default 200. */
  maxDepth: number;
  /**
   * Nodes one evaluation may evaluate. Default 500 000 (about half a second here): unlike the time
   * limit, the same expression on the same record always takes the same steps, so reaching it
   * counts towards quarantine whatever the load.
   */
  maxSteps: number;
  /** Items in one list an evaluation builds (sequences, ranges, appends, splits). Default 100 000. */
  maxItems: number;
  /** Characters in one string an evaluation builds or a function is given. Default 1 000 000. */
  maxStringLength: number;
  /**
   * Characters and items one evaluation may build in all, shared parts counted each time they are
   * used. Default 4 000 000 (a dossier mapping builds a few thousand; a listing's `records` over a
   * 10 MiB answer about half a million).
   */
  budget: number;
}

export const DEFAULT_EXPRESSION_LIMITS: Readonly<ExpressionLimits> = Object.freeze({
  timeoutMs: 1000,
  maxDepth: 200,
  maxSteps: 500_000,
  maxItems: 100_000,
  maxStringLength: 1_000_000,
  budget: 4_000_000,
});

/** Longest expression a registration may carry. Mappings in the wild are a few hundred characters. */
export const MAX_EXPRESSION_LENGTH = 4000;

/** The limits with a registration's own time limit. */
export function expressionLimits(timeoutMs: number): ExpressionLimits {
  return { ...DEFAULT_EXPRESSION_LIMITS, timeoutMs };
}
