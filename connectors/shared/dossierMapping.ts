import { z } from 'zod';
import type { Evaluate, ExpressionCompiler } from './expression/ExpressionCompiler';
import { expression } from './expression/expressionSchema';
import type { HistoryOrder } from './historyOrder';
import { markPath, objectMapper, type Mapper } from './objectMapper';
import {
  compilePlainExpression,
  isPlainObject,
  NOT_PLAIN,
  type PlainExpression,
} from './expression/plainExpression';

/**
 * Declarative mapping from one upstream record to the national model: each value is a JSONata
 * expression evaluated against the record (connectors/rest-json/README.md); lists are
 * `{ each, fields }`, with `fields` evaluated against each element of `each`.
 *
 * The expressions only pick values out; statuses, dates, channels and text are normalised by the
 * tables beside the mapping (see normaliseDossier.ts), so a registration never parses dates in
 * JSONata.
 */
export interface DossierMappingSpec {
  code: string;
  status: string;
  procedureCode?: string;
  procedureName?: string;
  fieldCode?: string;
  fieldName?: string;
  agencyCode?: string;
  agencyName?: string;
  channel?: string;
  summary?: string;
  receivedAt?: string;
  dueAt?: string;
  finishedAt?: string;
  returnedAt?: string;
  applicant?: {
    name?: string;
    type?: string;
    phone?: string;
    email?: string;
    address?: string;
    ids?: ListSpec<'type' | 'number'>;
  };
  files?: ListSpec<'name' | 'url'>;
  history?: ListSpec<
    'at' | 'actor' | 'actorTitle' | 'department' | 'content' | 'status' | 'startedAt' | 'dueAt'
  > & { order?: HistoryOrder | undefined };
  fees?: ListSpec<'name' | 'amount'>;
  results?: ListSpec<'name' | 'number' | 'issuedAt' | 'url'>;
  supplements?: ListSpec<'requestedAt' | 'dueBefore' | 'dueAfter' | 'reason'>;
  interAgency?: { reference?: string; parts?: ListSpec<'code' | 'agencyCode'> };
  /** The 2022 sync format's indicator fields; flags read 1/0, true/false, có/không. */
  digital?: Partial<Record<DigitalKey, string>>;
}

export const DIGITAL_KEYS = [
  'submittedVia',
  'digitised',
  'vneidVerified',
  'paidOnline',
  'electronicResult',
  'syncedToPortal',
] as const;
export type DigitalKey = (typeof DIGITAL_KEYS)[number];

export interface ListSpec<K extends string> {
  each: string;
  fields: Partial<Record<K, string>>;
}

export function listSpec<const K extends string>(keys: readonly K[]) {
  const fields = Object.fromEntries(keys.map((key) => [key, expression.optional()])) as Record<
    K,
    z.ZodOptional<typeof expression>
  >;
  return z.strictObject({ each: expression, fields: z.strictObject(fields) });
}

export const dossierMappingSchema = z.strictObject({
  code: expression,
  status: expression,
  procedureCode: expression.optional(),
  procedureName: expression.optional(),
  fieldCode: expression.optional(),
  fieldName: expression.optional(),
  agencyCode: expression.optional(),
  agencyName: expression.optional(),
  channel: expression.optional(),
  summary: expression.optional(),
  receivedAt: expression.optional(),
  dueAt: expression.optional(),
  finishedAt: expression.optional(),
  returnedAt: expression.optional(),
  applicant: z
    .strictObject({
      name: expression.optional(),
      type: expression.optional(),
      phone: expression.optional(),
      email: expression.optional(),
      address: expression.optional(),
      ids: listSpec(['type', 'number']).optional(),
    })
    .optional(),
  files: listSpec(['name', 'url']).optional(),
  history: listSpec([
    'at',
    'actor',
    'actorTitle',
    'department',
    'content',
    'status',
    'startedAt',
    'dueAt',
  ])
    .extend({
      /**
       * The order the system sends its steps in (default oldest first). The national model's
       * history is oldest first whatever it is: steps that all have a time are sorted by it;
       * this order decides ties, and the order when some step has no time.
       */
      order: z.enum(['oldestFirst', 'newestFirst']).optional(),
    })
    .optional(),
  fees: listSpec(['name', 'amount']).optional(),
  results: listSpec(['name', 'number', 'issuedAt', 'url']).optional(),
  supplements: listSpec(['requestedAt', 'dueBefore', 'dueAfter', 'reason']).optional(),
  interAgency: z
    .strictObject({
      reference: expression.optional(),
      parts: listSpec(['code', 'agencyCode']).optional(),
    })
    .optional(),
  digital: z
    .strictObject(
      Object.fromEntries(DIGITAL_KEYS.map((key) => [key, expression.optional()])) as Record<
        DigitalKey,
        z.ZodOptional<typeof expression>
      >,
    )
    .optional(),
}) satisfies z.ZodType<DossierMappingSpec>;

/**
 * The part of a mapping that listings use: what indicators count (procedure and field, status,
 * channel, dates, supplement rounds, the steps' times and statuses, inter-agency links, fee
 * amounts, the 2022 indicator fields), nothing about the
 * applicant, files, fee names or free text. A report never reads personal data it does not need, and
 * each listed record costs a fraction of a full lookup's mapping.
 */
export function listingMappingSpec(spec: DossierMappingSpec): DossierMappingSpec {
  const picked: DossierMappingSpec = { code: spec.code, status: spec.status };
  for (const key of [
    'procedureCode',
    'procedureName',
    'fieldCode',
    'fieldName',
    'agencyCode',
    'channel',
    'receivedAt',
    'dueAt',
    'finishedAt',
    'returnedAt',
  ] as const) {
    if (spec[key] !== undefined) picked[key] = spec[key];
  }
  if (spec.supplements !== undefined) picked.supplements = spec.supplements;
  if (spec.interAgency !== undefined) picked.interAgency = spec.interAgency;
  if (spec.digital !== undefined) picked.digital = spec.digital;
  // Fee amounts only (indicator 3.6 counts over dossiers with a fee above zero).
  if (spec.fees?.fields.amount !== undefined)
    picked.fees = { each: spec.fees.each, fields: { amount: spec.fees.fields.amount } };
  if (spec.history !== undefined) {
    const { at, status } = spec.history.fields;
    picked.history = {
      each: spec.history.each,
      fields: {
        ...(at === undefined ? {} : { at }),
        ...(status === undefined ? {} : { status }),
      },
    };
  }
  return picked;
}

/** A compiled mapping: evaluates one upstream record into the raw shape of the national model. */
export interface CompiledMapping {
  evaluate(record: unknown): Promise<unknown>;
  /**
   * Top-level fields read without JSONata (plain paths, simple computed values), or with JSONata
   * only for the values they compute; the rest are evaluated whole by JSONata.
   */
  readonly plainFields?: number;
}

/** The whole mapping as one JSONata expression (what `compileMapping` must equal). */
export function mappingSource(spec: DossierMappingSpec | object): string {
  return objectSource(spec as unknown as SpecNode);
}

/**
 * Compiles the whole spec into one JSONata object constructor, so a record costs one evaluation.
 * Each expression was already checked on its own by the schema, where errors carry field paths;
 * every JSONata evaluation is bounded by the compiler's limits (expression/README.md).
 */
export function compileMapping(
  spec: DossierMappingSpec | object,
  expressions: ExpressionCompiler,
): CompiledMapping {
  const slow = expressions.compile(objectSource(spec as unknown as SpecNode));
  // Fields read as plain paths where they only pick values, simple computed values without
  // JSONata (`compilePlainExpression`: no loops, so no time limit to keep); other expressions keep
  // their JSONata, each evaluated on its own record or list item (`compileValue`); a field that
  // cannot be split so is evaluated whole by JSONata.
  const { maxDepth, maxStringLength } = expressions.limits;
  const compilers: Compilers = {
    jsonata: (source) => expressions.compile(source),
    plain: (source) => compilePlainExpression(source, maxDepth, maxStringLength),
  };
  const fields = fieldMappers(spec as unknown as SpecNode, compilers);
  const plainFields = fields.filter(([, mapper]) => mapper !== null).length;
  if (plainFields === 0) return { evaluate: (record) => slow(record), plainFields };
  const mapper = objectMapper(
    fields.map(([key, mapper, value]): [string, Mapper] => {
      if (mapper !== null) return [key, mapper];
      const expression = compilers.jsonata(valueSource(value));
      return [key, (record) => expression(record)];
    }),
  );
  return {
    plainFields,
    evaluate: async (record) => {
      const mapped = await mapper(record);
      // A record JSONata's sequence rules would read differently: the whole mapping by JSONata.
      return mapped === NOT_PLAIN ? slow(record) : mapped;
    },
  };
}

/** How expressions are compiled: by JSONata (with the registration's limits), or without it. */
interface Compilers {
  jsonata: (source: string) => Evaluate;
  /** The expression as `compilePlainExpression` reads it, or null (left to JSONata). */
  plain: (source: string) => PlainExpression | null;
}

const STEP = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Most mapping fields only pick values (`dossierNo`, `ChuHoSo.HoTen`, lists of them). Those are
 * compiled to plain property reads — the same result as JSONata's, without its asynchronous
 * evaluation (far faster, far less garbage per record); so are the simple conditions and
 * comparisons `compilePlainExpression` reads. A field that computes more keeps its JSONata,
 * evaluated on the record or list item it belongs to, unless it reaches outside it (`$$`
 * the root, `%` the parent, a variable bound elsewhere): then the whole top-level field is
 * JSONata's (null here). A record where JSONata's sequence rules would apply (an array where a
 * single value is read, a list item that is not an object) gives NOT_PLAIN, and the whole record
 * goes to JSONata. Tested equal to JSONata over the sample systems' records.
 */
function compileFields(node: SpecNode, compilers: Compilers): Mapper | null {
  const mappers: Array<[string, Mapper]> = [];
  for (const [key, mapper] of fieldMappers(node, compilers)) {
    if (mapper === null) return null;
    mappers.push([key, mapper]);
  }
  return objectMapper(mappers);
}

/** Each field of a node with its mapper (null: not read this way), and its spec. */
function fieldMappers(
  node: SpecNode,
  compilers: Compilers,
): Array<[string, Mapper | null, string | SpecNode]> {
  return Object.entries(node).flatMap(
    ([key, value]): Array<[string, Mapper | null, string | SpecNode]> =>
      value === undefined ? [] : [[key, compileValue(value, compilers), value]],
  );
}

function compileValue(value: string | SpecNode, compilers: Compilers): Mapper | null {
  if (typeof value === 'string') {
    const read = reader(value, compilers);
    if (read === null) {
      if (!selfContained(value)) return null;
      const expression = compilers.jsonata(`(${value})`);
      return (record) => expression(record);
    }
    const mapper: Mapper = (record) => {
      const found = read(record);
      // A sequence (array) read as one value: JSONata collapses and flattens it; leave that to it.
      return Array.isArray(found) ? NOT_PLAIN : found;
    };
    const steps = pathSteps(value);
    return steps === null ? mapper : markPath(mapper, steps);
  }
  if (typeof value.each === 'string' && typeof value.fields === 'object') {
    const each = value.each.trim();
    const read = each === '$' ? (record: unknown) => readPath(record, []) : reader(each, compilers);
    const item = compileFields(value.fields, compilers);
    if (read === null || item === null) return null;
    return (record) => {
      const found = read(record);
      if (found === NOT_PLAIN) return NOT_PLAIN;
      if (found === undefined) return [];
      const items = Array.isArray(found) ? found : [found];
      const out: unknown[] = [];
      for (const element of items) {
        if (!isPlainObject(element)) {
          // The whole record goes to JSONata: items already being evaluated are dropped, and a
          // failure of theirs must not surface as an unhandled rejection.
          for (const mapped of out) if (mapped instanceof Promise) mapped.catch(() => undefined);
          return NOT_PLAIN;
        }
        out.push(item(element));
      }
      const done = (mapped: unknown[]) => (mapped.includes(NOT_PLAIN) ? NOT_PLAIN : mapped);
      return out.some((mapped) => mapped instanceof Promise)
        ? Promise.all(out).then(done)
        : done(out);
    };
  }
  return compileFields(value, compilers);
}

/**
 * How a field is read without JSONata: a dotted path as property reads, an expression that only
 * computes from its record by `compilePlainExpression`; null when JSONata must evaluate it.
 */
function reader(expression: string, compilers: Compilers): ((record: unknown) => unknown) | null {
  const steps = pathSteps(expression);
  if (steps !== null) return (record) => readPath(record, steps);
  return selfContained(expression) ? compilers.plain(`(${expression})`) : null;
}

/**
 * Whether an expression reads only the record (or list item) it is evaluated on: no `$$` (the
 * whole input), no `%` (a parent), no variable but `$` and JSONata's functions. Conservative: a
 * `%` or `$$` anywhere, even in a string, keeps the field whole.
 */
function selfContained(expression: string): boolean {
  if (expression.includes('$$') || expression.includes('%')) return false;
  // `$name` not followed by `(` is a variable, bound outside the expression or by `:=` inside it.
  return !/\$[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]|\s*\()/.test(expression);
}

/** Words JSONata reads as values or operators, not as field names. */
const KEYWORDS = new Set(['null', 'true', 'false', 'and', 'or', 'in', 'function']);

/** `a.b.c` as its steps, or null for anything else JSONata would read. */
function pathSteps(expression: string): string[] | null {
  const steps = expression.trim().split('.');
  return steps.every((step) => STEP.test(step) && !KEYWORDS.has(step)) ? steps : null;
}

/**
 * Reads a dotted path: undefined when a step is missing (or null on the way), NOT_PLAIN when a
 * step other than the last meets an array (JSONata would map over it).
 */
function readPath(record: unknown, steps: readonly string[]): unknown {
  let current: unknown = record;
  for (const step of steps) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) return NOT_PLAIN;
    if (typeof current !== 'object') return undefined;
    current = Object.hasOwn(current, step) ? (current as Record<string, unknown>)[step] : undefined;
  }
  return current;
}

type SpecNode = { [key: string]: string | SpecNode | undefined };

function objectSource(node: SpecNode): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(key)}: ${valueSource(value)}`);
  }
  return `{${parts.join(', ')}}`;
}

function valueSource(value: string | SpecNode): string {
  if (typeof value === 'string') return `(${value})`;
  if (typeof value.each === 'string' && typeof value.fields === 'object') {
    return `[(${value.each}).${objectSource(value.fields)}]`;
  }
  return objectSource(value);
}
