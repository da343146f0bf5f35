import { compileBoundedExpression, type EvaluationObserver } from './compileBoundedExpression';
import { expressionLimits, type ExpressionLimits } from './ExpressionLimits';
import { compilePlainExpression, NOT_PLAIN } from './plainExpression';

/** An expression evaluated on an input, with variables (`$codes`, `$page`, …) bound. */
export type Evaluate = (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown>;

/**
 * How one connector compiles its registration's expressions: all with the same limits, every
 * evaluation reported to the gateway (ConnectorDeps.onExpression), which quarantines a
 * registration whose evaluations keep being stopped by them.
 *
 * An expression `compilePlainExpression` reads (a path such as `data` or `Body.KetQua.HoSo`, a
 * condition such as `error_code = "AUTH"`) is evaluated without JSONata where the input lets it
 * give JSONata's value: no loops, nothing built past the string limit, so no limit to keep. Such
 * expressions run on whole answers (`records`, `errors[].when`, `pagination.total`), and JSONata's
 * meter charged each of them the size of the answer: about a fifth of a 50-code lookup's CPU.
 * Anything else, and any input where the plain reading would differ, goes to JSONata with its
 * limits (README.md).
 */
export class ExpressionCompiler {
  readonly limits: ExpressionLimits;

  constructor(
    timeoutMs: number,
    private readonly observer?: EvaluationObserver,
  ) {
    this.limits = expressionLimits(timeoutMs);
  }

  compile(source: string): Evaluate {
    const expression = compileBoundedExpression(source, this.limits, this.observer);
    const plain = compilePlainExpression(source, this.limits.maxDepth, this.limits.maxStringLength);
    if (plain === null) return (input, bindings) => expression.evaluate(input, bindings);
    const { maxItems } = this.limits;
    return (input, bindings) => {
      // A plain expression reads no variable but `$` (the input); a binding named like a function
      // it calls (`$length`) would replace that function in JSONata: JSONata's, then.
      if (bindings !== undefined)
        for (const name in bindings)
          if (source.includes(`$${name}`)) return expression.evaluate(input, bindings);
      const value = plain(input);
      // A list longer than JSONata lets one be (`records` over a flood of records) is refused by
      // it, and counted towards quarantine.
      if (value === NOT_PLAIN || (Array.isArray(value) && value.length > maxItems))
        return expression.evaluate(input, bindings);
      this.observer?.(null, source);
      return Promise.resolve(value);
    };
  }
}
