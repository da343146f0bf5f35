import { compileBoundedExpression, type EvaluationObserver } from './compileBoundedExpression';
import { expressionLimits, type ExpressionLimits } from './ExpressionLimits';

/** An expression evaluated on an input, with variables (`$codes`, `$page`, …) bound. */
export type Evaluate = (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown>;

/**
 * How one connector compiles its registration's expressions: all with the same limits, every
 * evaluation reported to the gateway (ConnectorDeps.onExpression), which quarantines a
 * registration whose evaluations keep being stopped by them.
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
    return (input, bindings) => expression.evaluate(input, bindings);
  }
}
