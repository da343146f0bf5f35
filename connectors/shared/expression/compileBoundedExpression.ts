import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { AllocationMeter, jsonLengthAtMost } from './AllocationMeter';
import { visitAst } from './checkExpression';
import { asLimitError, ExpressionLimitError } from './ExpressionLimitError';
import type { ExpressionLimits } from './ExpressionLimits';
import { bindGuardedFunctions } from './guardedFunctions';
import { linearRegExpEngine } from './LinearRegExp';

/** A registration's expression, compiled: evaluated within its limits. */
export interface BoundedExpression {
  /** The value, or a rejection: an ExpressionLimitError past a limit, JSONata's error otherwise. */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

/**
 * Told of every evaluation of an expression (its source): `null` when it completed, the error
 * when a limit stopped it (the gateway counts them towards quarantine). An evaluation that failed
 * on JSONata's own rules (a wrong type in the data) is neither.
 */
export type EvaluationObserver = (stopped: ExpressionLimitError | null, source: string) => void;

/**
 * Evaluation nodes whose value is not charged when they return: an existing one (read, not built),
 * or a function's, which the wrapped built-in charged (guardedFunctions.ts).
 */
const NOT_BUILT = new Set(['name', 'variable', 'string', 'number', 'value', 'regex', 'parent', 'condition', 'block', 'bind', 'function', 'apply', 'partial']); // prettier-ignore

const METER = Symbol('allocation meter');
/** JSONata calls the function bound under this name after evaluating each node, with its value. */
const EVALUATE_EXIT = Symbol.for('jsonata.__evaluate_exit');

/**
 * Compiles an expression already checked by `expressionProblems`, bounded as README.md beside
 * this file explains: JSONata's own guardrails (time, depth, items per list) and linear-time
 * regular expressions; guarded built-in functions that refuse, before running, what would not fit;
 * and a meter, per evaluation, charging every value a node builds (JSONata's evaluate-exit hook),
 * so no evaluation builds more than `limits.budget` characters and items in all.
 */
export function compileBoundedExpression(
  source: string,
  limits: ExpressionLimits,
  observer?: EvaluationObserver,
): BoundedExpression {
  const expression = jsonata(source, {
    timeout: limits.timeoutMs,
    stack: limits.maxDepth,
    sequence: limits.maxItems,
    RegexEngine: linearRegExpEngine(limits.maxItems),
  });
  const meterOf = (focus: { environment: { base: object } }): AllocationMeter => {
    const base = focus.environment.base as { [METER]?: AllocationMeter };
    return (base[METER] ??= new AllocationMeter(limits));
  };
  bindGuardedFunctions(expression, meterOf);
  // `&` turns a list or object into its JSON text inside JSONata, past every wrapper: its
  // operands are measured when they return, before the text is built.
  const concatenated = concatenationOperands(expression.ast());
  const charge = (
    node: { type: string },
    _input: unknown,
    environment: { base: object },
    value: unknown,
  ) => {
    const meter = meterOf({ environment });
    meter.step();
    if (concatenated.has(node) && typeof value === 'object' && value !== null) {
      meter.reserveString(jsonLengthAtMost(value, limits.maxStringLength, false), '&');
    }
    // A path's strings are the record's own, read, not built; its lists are new sequences.
    if (NOT_BUILT.has(node.type) || (node.type === 'path' && typeof value === 'string')) return;
    meter.charge(value);
  };
  (expression.assign as unknown as (name: symbol, value: unknown) => void)(EVALUATE_EXIT, charge);
  return {
    evaluate: async (input, bindings) => {
      let value: unknown;
      try {
        value = await expression.evaluate(input, bindings);
      } catch (error) {
        const stopped = asLimitError(error, limits);
        if (stopped instanceof ExpressionLimitError) {
          stopped.inputKey = digest(input, bindings);
          observer?.(stopped, source);
        }
        throw stopped;
      }
      observer?.(null, source);
      return value;
    },
  };
}

/** The operands of every `&` in an expression's tree (the very nodes JSONata evaluates). */
function concatenationOperands(ast: unknown): WeakSet<object> {
  const operands = new WeakSet<object>();
  visitAst(ast, (node) => {
    if (node.type !== 'binary' || node.value !== '&') return;
    for (const side of [node.lhs, node.rhs])
      if (typeof side === 'object' && side !== null) operands.add(side);
  });
  return operands;
}

/** A digest of an evaluation's input and variables (only when it was stopped). */
function digest(input: unknown, bindings: Record<string, unknown> | undefined): string {
  try {
    return createHash('sha256')
      .update(JSON.stringify([input, bindings ?? null]) ?? '')
      .digest('hex')
      .slice(0, 16);
  } catch {
    return 'unreadable';
  }
}
