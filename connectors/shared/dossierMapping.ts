import jsonata from 'jsonata';
import { z } from 'zod';

/**
 * Declarative mapping from one upstream record to the national model: each value is a JSONata
 * expression evaluated against the record (ARCHITECTURE.md "One mapping language"); lists are
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
  >;
  fees?: ListSpec<'name' | 'amount'>;
  results?: ListSpec<'name' | 'number' | 'issuedAt' | 'url'>;
  supplements?: ListSpec<'requestedAt' | 'dueBefore' | 'dueAfter' | 'reason'>;
  interAgency?: { reference?: string; parts?: ListSpec<'code' | 'agencyCode'> };
}

export interface ListSpec<K extends string> {
  each: string;
  fields: Partial<Record<K, string>>;
}

export const expression = z
  .string()
  .min(1, 'an empty JSONata expression')
  .superRefine((source, ctx) => {
    const problem = jsonataSyntaxProblem(source);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

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
  ]).optional(),
  fees: listSpec(['name', 'amount']).optional(),
  results: listSpec(['name', 'number', 'issuedAt', 'url']).optional(),
  supplements: listSpec(['requestedAt', 'dueBefore', 'dueAfter', 'reason']).optional(),
  interAgency: z
    .strictObject({
      reference: expression.optional(),
      parts: listSpec(['code', 'agencyCode']).optional(),
    })
    .optional(),
}) satisfies z.ZodType<DossierMappingSpec>;

/**
 * The part of a mapping that listings use: what indicators count (status, channel, dates,
 * supplement rounds, the steps' times and statuses, inter-agency links), nothing about the
 * applicant, files, fees or free text. A report never reads personal data it does not need, and
 * each listed record costs a fraction of a full lookup's mapping.
 */
export function listingMappingSpec(spec: DossierMappingSpec): DossierMappingSpec {
  const picked: DossierMappingSpec = { code: spec.code, status: spec.status };
  for (const key of [
    'procedureCode',
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

/** A JSONata expression's syntax error as a sentence, or null when it compiles. */
export function jsonataSyntaxProblem(source: string): string | null {
  try {
    jsonata(source);
    return null;
  } catch (error) {
    const { message, position } = error as { message?: string; position?: number };
    return `JSONata syntax error${position === undefined ? '' : ` at character ${position}`}: ${message ?? String(error)}`;
  }
}

/** Bounds on evaluating expressions that come from registrations. */
export interface EvaluationLimits {
  /** Wall time per record. Default 1000 ms (see rest-json limits). */
  timeoutMs: number;
  /** Evaluation stack depth. Default 200. */
  maxDepth: number;
}

export const DEFAULT_EVALUATION_LIMITS: EvaluationLimits = { timeoutMs: 1000, maxDepth: 200 };

/** A compiled mapping: evaluates one upstream record into the raw shape of the national model. */
export interface CompiledMapping {
  evaluate(record: unknown): Promise<unknown>;
}

/**
 * Compiles the whole spec into one JSONata object constructor, so a record costs one evaluation.
 * Each expression was already checked on its own by the schema, where errors carry field paths.
 */
export function compileMapping(
  spec: DossierMappingSpec | object,
  limits: EvaluationLimits = DEFAULT_EVALUATION_LIMITS,
): CompiledMapping {
  const source = objectSource(spec as unknown as SpecNode);
  const expression = jsonata(source, { timeout: limits.timeoutMs, stack: limits.maxDepth });
  return { evaluate: (record) => expression.evaluate(record) };
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
