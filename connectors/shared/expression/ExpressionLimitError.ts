/** Which bound an evaluation reached. */
export type ExpressionLimit =
  'time' | 'steps' | 'depth' | 'items' | 'string' | 'budget' | 'function';

/**
 * An evaluation stopped by one of its bounds (ExpressionLimits): the registration's expression,
 * not the upstream's data, is at fault, and enough of these quarantine the registration. The
 * message names the bound and its value, never a value from the record (personal data).
 */
export class ExpressionLimitError extends Error {
  override readonly name = 'ExpressionLimitError';
  /**
   * A digest of what the stopped evaluation was given (input and variables), so that the same
   * odd record asked for again is told apart from an expression stopped on every record.
   */
  inputKey: string | undefined;

  constructor(
    readonly limit: ExpressionLimit,
    message: string,
  ) {
    super(message);
  }
}

/** A count in a message, digits grouped (`200,000,000`): readable, and never mistaken for an id. */
export function grouped(value: number): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: 3 })
    : String(value);
}

export function isExpressionLimitError(value: unknown): value is ExpressionLimitError {
  return value instanceof ExpressionLimitError;
}

/**
 * JSONata's own guardrails (depth D1011, time D1012, range D2014, sequence D2015) and the engine's
 * own refusals (a string or the call stack over V8's maximum) as ExpressionLimitError; anything
 * else as it was.
 */
export function asLimitError(
  error: unknown,
  limits: { timeoutMs: number; maxDepth: number; maxItems: number },
): unknown {
  if (error instanceof ExpressionLimitError) return error;
  if (error instanceof RangeError) {
    return /string length/i.test(error.message)
      ? new ExpressionLimitError(
          'string',
          'the expression built a string longer than JavaScript allows',
        )
      : new ExpressionLimitError(
          'depth',
          'the expression nested deeper than the call stack allows',
        );
  }
  switch ((error as { code?: unknown } | null)?.code) {
    case 'D1011':
      return new ExpressionLimitError(
        'depth',
        `the expression nested deeper than ${grouped(limits.maxDepth)}`,
      );
    case 'D1012':
      return new ExpressionLimitError(
        'time',
        `the expression ran past its time limit of ${grouped(limits.timeoutMs)} ms (limits.mappingTimeoutMs)`,
      );
    case 'D2014':
    case 'D2015':
      return new ExpressionLimitError(
        'items',
        `the expression built a list of more than ${grouped(limits.maxItems)} items`,
      );
    default:
      return error;
  }
}
