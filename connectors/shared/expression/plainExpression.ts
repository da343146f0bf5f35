import jsonata from 'jsonata';

/**
 * Returned for a record (or list item) an expression cannot be evaluated on here exactly as
 * JSONata would: the caller then lets JSONata evaluate it.
 */
export const NOT_PLAIN: unique symbol = Symbol('not plain');

/** An expression evaluated on one record: its value, or NOT_PLAIN. */
export type PlainExpression = (input: unknown) => unknown;
type Evaluate = (input: Record<string, unknown>) => unknown;

/**
 * The expressions registrations write to compute a value — conditions, comparisons, `&`,
 * arithmetic, object constructors, a few string functions — evaluated without JSONata's
 * asynchronous machinery: a lookup of a hundred dossiers spent a tenth of its time in JSONata for
 * one ternary per record. JSONata stays the language and the reference: any expression using more
 * than this (filters, predicates, variables, lambdas, other functions, regular expressions) gives
 * null here and is left to JSONata; at run time, a value outside what this reads exactly as
 * JSONata does (a list where one value is compared, a type JSONata would refuse, an object compared
 * deeply) gives NOT_PLAIN and the record goes to JSONata. Tested equal to JSONata over sample
 * records and odd ones (test/unit/plainExpression.test.ts).
 *
 * Values here are what JSON records hold. A list a path ends on is passed on by conditions and
 * tested by them, when it holds objects only; anywhere else, and lists of anything else, are
 * NOT_PLAIN.
 */
export function compilePlainExpression(
  source: string,
  maxDepth = 200,
  maxStringLength = Number.POSITIVE_INFINITY,
): PlainExpression | null {
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch {
    return null;
  }
  // JSONata refuses expressions nested deeper than its depth limit (one level per node, two
  // for a path step): only expressions well within it are read here, so none gives a value
  // here where JSONata would stop.
  if (depth(ast) > maxDepth / 4) return null;
  const evaluate = compileNode(ast, maxStringLength);
  if (evaluate === null) return null;
  return (input) => (isPlainObject(input) ? evaluate(input) : NOT_PLAIN);
}

type Node = Record<string, unknown>;

/** How deeply an AST nests (objects and arrays). */
function depth(node: unknown): number {
  if (typeof node !== 'object' || node === null) return 0;
  let deepest = 0;
  for (const child of Object.values(node)) deepest = Math.max(deepest, depth(child));
  return deepest + 1;
}

/** A string literal, nothing attached to it (a predicate or group makes it something else). */
function stringLiteral(node: unknown): string | null {
  return isPlainObject(node) &&
    node.type === 'string' &&
    typeof node.value === 'string' &&
    Object.keys(node).every((key) => NODE_KEYS.string?.has(key))
    ? node.value
    : null;
}

/** The keys each node type may have; any other key (a predicate, a stage, a group) is not plain. */
const NODE_KEYS: Record<string, ReadonlySet<string>> = {
  string: new Set(['type', 'value', 'position']),
  number: new Set(['type', 'value', 'position']),
  value: new Set(['type', 'value', 'position']),
  variable: new Set(['type', 'value', 'position']),
  name: new Set(['type', 'value', 'position']),
  path: new Set(['type', 'steps', 'position']),
  block: new Set(['type', 'expressions', 'position']),
  condition: new Set(['type', 'condition', 'then', 'else', 'position']),
  binary: new Set(['type', 'value', 'lhs', 'rhs', 'position']),
  unary: new Set(['type', 'value', 'expression', 'lhs', 'position']),
  // A function call carries an unset `name` (checked unset below).
  function: new Set(['type', 'name', 'value', 'arguments', 'procedure', 'position']),
};

function compileNode(node: unknown, limit: number): Evaluate | null {
  if (!isPlainObject(node) || typeof node.type !== 'string') return null;
  const keys = NODE_KEYS[node.type];
  if (keys === undefined || !Object.keys(node).every((key) => keys.has(key))) return null;
  switch (node.type) {
    case 'string':
    case 'value':
      return constant(node.value);
    case 'number':
      return Number.isFinite(node.value) ? constant(node.value) : null;
    case 'variable':
      // `$` alone is the record; other variables are bound outside the expression.
      return node.value === '' ? (input) => input : null;
    case 'path':
      return compilePath(node);
    case 'block':
      return Array.isArray(node.expressions) && node.expressions.length === 1
        ? compileNode(node.expressions[0], limit)
        : null;
    case 'condition':
      return compileCondition(node, limit);
    case 'binary':
      return compileBinary(node, limit);
    case 'unary':
      return node.value === '-'
        ? compileNegation(node, limit)
        : node.value === '{'
          ? compileObject(node, limit)
          : null;
    case 'function':
      return compileFunction(node, limit);
    default:
      return null;
  }
}

function constant(value: unknown): Evaluate | null {
  return typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null
    ? () => value
    : null;
}

function compilePath(node: Node): Evaluate | null {
  const steps = node.steps;
  if (!Array.isArray(steps) || steps.length === 0) return null;
  const names: string[] = [];
  for (const step of steps) {
    if (!isPlainObject(step) || step.type !== 'name' || typeof step.value !== 'string') return null;
    if (!Object.keys(step).every((key) => NODE_KEYS.name?.has(key))) return null;
    // JSONata reads inherited properties (`constructor`) too; a plain read does not.
    if (step.value in Object.prototype) return null;
    names.push(step.value);
  }
  return (input) => {
    let current: unknown = input;
    for (const name of names) {
      if (current === undefined || current === null) return undefined;
      if (Array.isArray(current)) return NOT_PLAIN;
      if (typeof current !== 'object') return undefined;
      current = Object.hasOwn(current, name)
        ? (current as Record<string, unknown>)[name]
        : undefined;
    }
    // A list at the end of the path is JSONata's value as it stands, for objects in it.
    return !Array.isArray(current) || current.every(isPlainObject) ? current : NOT_PLAIN;
  };
}

function compileCondition(node: Node, limit: number): Evaluate | null {
  const test = compileNode(node.condition, limit);
  const then = compileNode(node.then, limit);
  const otherwise = node.else === undefined ? () => undefined : compileNode(node.else, limit);
  if (test === null || then === null || otherwise === null) return null;
  return (input) => {
    const value = test(input);
    if (value === NOT_PLAIN) return NOT_PLAIN;
    return effectiveBoolean(value) === true ? then(input) : otherwise(input);
  };
}

function compileBinary(node: Node, limit: number): Evaluate | null {
  const left = compileNode(node.lhs, limit);
  const right = compileNode(node.rhs, limit);
  if (left === null || right === null) return null;
  const op = node.value;
  switch (op) {
    case 'and':
    case 'or':
      return (input) => {
        const l = left(input);
        if (l === NOT_PLAIN) return NOT_PLAIN;
        const lBool = effectiveBoolean(l) ?? false;
        // Short-circuits as JSONata does: the right side is not evaluated.
        if (op === 'and' ? !lBool : lBool) return lBool;
        const r = right(input);
        return r === NOT_PLAIN ? NOT_PLAIN : (effectiveBoolean(r) ?? false);
      };
    case '=':
    case '!=':
      return both(left, right, (l, r) => {
        if (l === undefined || r === undefined) return false;
        // JSONata compares two objects (or lists) deeply: left to it; anything else by identity.
        if (l !== r && typeof l === 'object' && typeof r === 'object' && l !== null && r !== null)
          return NOT_PLAIN;
        return op === '=' ? l === r : l !== r;
      });
    case '<':
    case '<=':
    case '>':
    case '>=':
      return both(left, right, (l, r) => {
        const comparable = (v: unknown) =>
          v === undefined || typeof v === 'string' || typeof v === 'number';
        // JSONata refuses other types, and a string against a number: left to it.
        if (!comparable(l) || !comparable(r)) return NOT_PLAIN;
        if (l === undefined || r === undefined) return undefined;
        if (typeof l !== typeof r) return NOT_PLAIN;
        const a = l as string | number;
        const b = r as string | number;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      });
    case '&':
      return both(left, right, (l, r) => {
        const a = l === undefined ? '' : asString(l);
        const b = r === undefined ? '' : asString(r);
        if (a === NOT_PLAIN || b === NOT_PLAIN) return NOT_PLAIN;
        // Longer than an expression may build: JSONata's evaluation refuses it (with the limit).
        return a.length + b.length > limit ? NOT_PLAIN : a + b;
      });
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return both(left, right, (l, r) => {
        if (
          (l !== undefined && typeof l !== 'number') ||
          (r !== undefined && typeof r !== 'number')
        )
          return NOT_PLAIN;
        if (l === undefined || r === undefined) return undefined;
        const a = l as number;
        const b = r as number;
        const result =
          op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
        return Number.isFinite(result) ? result : NOT_PLAIN;
      });
    default:
      return null;
  }
}

/** Both sides evaluated, then combined (NOT_PLAIN from either is the answer). */
function both(
  left: Evaluate,
  right: Evaluate,
  combine: (l: unknown, r: unknown) => unknown,
): Evaluate {
  return (input) => {
    const l = left(input);
    if (l === NOT_PLAIN) return NOT_PLAIN;
    const r = right(input);
    if (r === NOT_PLAIN) return NOT_PLAIN;
    return combine(l, r);
  };
}

function compileNegation(node: Node, limit: number): Evaluate | null {
  const operand = compileNode(node.expression, limit);
  if (operand === null) return null;
  return (input) => {
    const value = operand(input);
    if (value === undefined) return undefined;
    return typeof value === 'number' ? -value : NOT_PLAIN;
  };
}

/** `{"key": value, …}` with string literal keys, each once. */
function compileObject(node: Node, limit: number): Evaluate | null {
  if (!Array.isArray(node.lhs)) return null;
  const pairs: Array<[string, Evaluate]> = [];
  for (const pair of node.lhs as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    const [key, value] = pair as [unknown, unknown];
    const name = stringLiteral(key);
    if (name === null) return null;
    // A repeated key is JSONata's error to raise; names objects already have are left to it.
    if (name in Object.prototype || name.startsWith('_jsonata_')) return null;
    if (pairs.some(([other]) => other === name)) return null;
    const evaluate = compileNode(value, limit);
    if (evaluate === null) return null;
    pairs.push([name, evaluate]);
  }
  return (input) => {
    const out: Record<string, unknown> = {};
    for (const [name, evaluate] of pairs) {
      const value = evaluate(input);
      if (value === NOT_PLAIN || Array.isArray(value)) return NOT_PLAIN;
      if (value !== undefined) out[name] = value;
    }
    return out;
  };
}

/** JSONata functions of one value read here; each returns NOT_PLAIN where JSONata would refuse. */
const FUNCTIONS: Record<string, (value: unknown) => unknown> = {
  length: (value) => (typeof value === 'string' ? codePoints(value) : NOT_PLAIN),
  uppercase: (value) => (typeof value === 'string' ? value.toUpperCase() : NOT_PLAIN),
  lowercase: (value) => (typeof value === 'string' ? value.toLowerCase() : NOT_PLAIN),
  trim: (value) => (typeof value === 'string' ? trimLikeJsonata(value) : NOT_PLAIN),
  boolean: (value) => effectiveBoolean(value),
  not: (value) => (value === undefined ? undefined : !effectiveBoolean(value)),
};

function compileFunction(node: Node, limit: number): Evaluate | null {
  const procedure = node.procedure;
  const args = node.arguments;
  if (
    node.name !== undefined ||
    !isPlainObject(procedure) ||
    procedure.type !== 'variable' ||
    !Array.isArray(args)
  )
    return null;
  if (!Object.keys(procedure).every((key) => NODE_KEYS.variable?.has(key))) return null;
  const name = procedure.value;
  if (name === 'exists' && args.length === 1) {
    const argument = compileNode(args[0], limit);
    if (argument === null) return null;
    return (input) => {
      const value = argument(input);
      return value === NOT_PLAIN ? NOT_PLAIN : value !== undefined;
    };
  }
  if (name === 'contains' && args.length === 2) {
    // A literal string to look for; a regular expression is JSONata's.
    const text = stringLiteral(args[1]);
    const argument = compileNode(args[0], limit);
    if (argument === null || text === null) return null;
    return (input) => {
      const value = argument(input);
      if (value === NOT_PLAIN || value === undefined) return value;
      return typeof value === 'string' ? value.includes(text) : NOT_PLAIN;
    };
  }
  const apply = typeof name === 'string' && Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : null;
  if (apply === null || apply === undefined || args.length !== 1) return null;
  const argument = compileNode(args[0], limit);
  if (argument === null) return null;
  return (input) => {
    const value = argument(input);
    if (value === NOT_PLAIN || value === undefined) return value;
    // A list is checked against the function's signature by JSONata: left to it.
    return Array.isArray(value) ? NOT_PLAIN : apply(value);
  };
}

/** JSONata's `$boolean`: undefined stays undefined; lists are true when any member is. */
function effectiveBoolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    return value.length === 1
      ? effectiveBoolean(value[0]) === true
      : value.some((item) => effectiveBoolean(item) === true);
  }
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'boolean') return value;
  if (value === null) return false;
  return typeof value === 'object' && Object.keys(value).length > 0;
}

/** JSONata's `$string` of a value `&` joins; objects are left to it. */
function asString(value: unknown): string | typeof NOT_PLAIN {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'number' && Number.isFinite(value))
    return JSON.stringify(Number(value.toPrecision(15)));
  return NOT_PLAIN;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** `$trim`: runs of spaces, tabs and line breaks become one space, none at either end. */
function trimLikeJsonata(text: string): string {
  let result = text.replace(/[ \t\n\r]+/gm, ' ');
  if (result.startsWith(' ')) result = result.substring(1);
  if (result.endsWith(' ')) result = result.substring(0, result.length - 1);
  return result;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
