import jsonata from 'jsonata';
import {
  DEFAULT_EXPRESSION_LIMITS,
  MAX_EXPRESSION_LENGTH,
  type ExpressionLimits,
} from './ExpressionLimits';
import { grouped } from './ExpressionLimitError';
import { CALLABLE_FUNCTIONS, REFUSED_FUNCTIONS, TO_MILLIS_PICTURE } from './guardedFunctions';
import { linearPatternProblem } from './LinearRegExp';

/** What is wrong with an expression; `unsafe` when it is valid JSONata that registrations may not run. */
export interface ExpressionProblem {
  message: string;
  unsafe: boolean;
}

/**
 * Checks an expression from a registration before it is saved or run: valid JSONata, at most
 * MAX_EXPRESSION_LENGTH characters, and within the language registrations may use (README.md
 * beside this file). What is refused here cannot be bounded, or cannot be seen, before it runs:
 *
 * - defining functions (`function($x) {…}`) and partial application: with no function of its own an
 *   expression cannot recurse, so its work is bounded by its own size and its data;
 * - calling anything but JSONata's built-in functions (and not `$eval` or `$clone`), and `~>` into
 *   anything but a built-in;
 * - the transform operator `| … | … |` (a deep copy);
 * - regular expressions RE2 cannot run in linear time (back-references, look-around);
 * - literal sizes past the limits: a range `[1..n]` of more than `maxItems`, `$pad` wider than
 *   `maxStringLength`.
 *
 * Everything else is bounded when it runs (compileBoundedExpression).
 */
export function expressionProblems(
  source: string,
  limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS,
): readonly ExpressionProblem[] {
  // Every replica validates every stored registration again at each reload: the same sources.
  if (limits !== DEFAULT_EXPRESSION_LIMITS) return check(source, limits);
  let problems = checked.get(source);
  if (problems === undefined) {
    if (checked.size >= 10_000) checked.clear();
    problems = Object.freeze(check(source, limits));
    checked.set(source, problems);
  }
  return problems;
}

/** Problems of the sources checked with the default limits (they depend on nothing else). */
const checked = new Map<string, readonly ExpressionProblem[]>();

function check(source: string, limits: ExpressionLimits): ExpressionProblem[] {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return [
      {
        message: `an expression of ${grouped(source.length)} characters; at most ${grouped(MAX_EXPRESSION_LENGTH)}`,
        unsafe: true,
      },
    ];
  }
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch (error) {
    if (error instanceof RangeError)
      return [{ message: 'an expression nested too deeply to read', unsafe: true }];
    const { message, position } = error as { message?: string; position?: number };
    return [
      {
        message: `JSONata syntax error${position === undefined ? '' : ` at character ${position}`}: ${message ?? String(error)}`,
        unsafe: false,
      },
    ];
  }
  const problems = new Set<string>();
  visitAst(ast, (node) => {
    const problem = nodeProblem(node, limits);
    if (problem !== null) problems.add(problem);
  });
  return [...problems].map((message) => ({ message, unsafe: true }));
}

/** A node of JSONata's tree, as its parser makes it. */
export type Node = Record<string, unknown> & { type: string };

/** Every node (an object with a `type`) of a JSONata tree, in any field, once, iteratively. */
export function visitAst(root: unknown, each: (node: Node) => void): void {
  const seen = new Set<object>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null || value instanceof RegExp || seen.has(value))
      continue;
    seen.add(value);
    if (Array.isArray(value)) {
      pending.push(...value);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (typeof record.type === 'string') each(record as Node);
    for (const [key, child] of Object.entries(record)) if (key !== 'position') pending.push(child);
  }
}

/** The node types JSONata's parser produces that registrations may use. */
const ALLOWED_TYPES = new Set([
  'path', 'binary', 'unary', 'name', 'string', 'number', 'value', 'wildcard', 'descendant',
  'parent', 'condition', 'block', 'bind', 'regex', 'function', 'variable', 'apply', 'sort',
  'filter',
]); // prettier-ignore

function nodeProblem(node: Node, limits: ExpressionLimits): string | null {
  switch (node.type) {
    case 'lambda':
      return 'defines a function (function(…) {…}); registrations call JSONata’s functions but define none, so no expression can recurse';
    case 'partial':
      return 'uses partial application (?); registrations call functions with all their arguments';
    case 'transform':
      return 'uses the transform operator | … | … |; build the value with an object constructor';
    case 'variable': {
      const name = String(node.value);
      const reason = REFUSED_FUNCTIONS[name];
      return reason === undefined ? null : `uses $${name}: ${reason}`;
    }
    case 'function':
      return callProblem(node, limits);
    case 'apply': {
      const rhs = node.rhs as Node | undefined;
      if (rhs?.type === 'function' || rhs?.type === 'apply') return null;
      if (rhs?.type === 'variable' && CALLABLE_FUNCTIONS.has(String(rhs.value))) return null;
      return '~> must be followed by one of JSONata’s built-in functions';
    }
    case 'regex':
      return node.value instanceof RegExp ? linearPatternProblem(node.value) : null;
    case 'binary':
      return node.value === '..' ? rangeProblem(node, limits) : null;
    default:
      return ALLOWED_TYPES.has(node.type)
        ? null
        : `uses ${node.type}, which registrations may not use`;
  }
}

function callProblem(node: Node, limits: ExpressionLimits): string | null {
  const procedure = node.procedure as Node | undefined;
  if (procedure?.type !== 'variable')
    return 'calls something other than a named function; registrations call JSONata’s built-in functions';
  const name = String(procedure.value);
  if (Object.hasOwn(REFUSED_FUNCTIONS, name)) return null; // reported on the variable
  if (!CALLABLE_FUNCTIONS.has(name))
    return `calls $${name}, which is not one of JSONata’s built-in functions registrations may call`;
  const args = (node.arguments as Node[] | undefined) ?? [];
  if (name === 'toMillis' && args.length > 1) return TO_MILLIS_PICTURE;
  const width = args[1];
  if (
    name === 'pad' &&
    width?.type === 'number' &&
    Math.abs(Number(width.value)) > limits.maxStringLength
  )
    return `$pad to a width of ${grouped(Number(width.value))}: at most ${grouped(limits.maxStringLength)} characters`;
  return null;
}

function rangeProblem(node: Node, limits: ExpressionLimits): string | null {
  const [lhs, rhs] = [node.lhs as Node | undefined, node.rhs as Node | undefined];
  if (lhs?.type !== 'number' || rhs?.type !== 'number') return null;
  const size = Number(rhs.value) - Number(lhs.value) + 1;
  return size > limits.maxItems
    ? `a range of ${grouped(size)} items: at most ${grouped(limits.maxItems)}`
    : null;
}
