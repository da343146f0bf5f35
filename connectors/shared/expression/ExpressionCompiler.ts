import { compileBoundedExpression, type LimitObserver } from './compileBoundedExpression';
import { expressionLimits, type ExpressionLimits } from './ExpressionLimits';

/** An expression evaluated on an input, with variables (`$codes`, `$page`, …) bound. */
export type Evaluate = (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown>;

/**
 * How one connector compiles its registration's expressions: all with the same limits, and every
 * evaluation stopped by a limit reported to the gateway (ConnectorDeps.onExpressionLimit), which
 * quarantines a registration that keeps reaching them.
 */
export class ExpressionCompiler {
  readonly limits: ExpressionLimits;

  constructor(
    timeoutMs: number,
    private readonly onLimit?: LimitObserver,
  ) {
    this.limits = expressionLimits(timeoutMs);
  }

  compile(source: string): Evaluate {
    const expression = compileBoundedExpression(source, this.limits, this.onLimit);
    return (input, bindings) => expression.evaluate(input, bindings);
  }
}
