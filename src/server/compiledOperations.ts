import {
  Kind,
  TypeInfo,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isListType,
  isNonNullType,
  parse,
  parseType,
  print,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SourceLocation,
  type ValidationRule,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import Negotiator from 'negotiator';
import { labelsOf, type OperationLabels } from './operationLabels';

import { codeCounter } from './codeLimit';
import { fieldLocations } from './fieldLocations';
import { fromTemplate, readTokens, templateOf, type Template, type Tokens } from './queryTemplates';

/**
 * A query shape compiled to a function (graphql-jit): the document with its string arguments
 * written inline taken out as variables, so that `dossier(code: "A")` and `dossier(code: "B")`
 * share one compiled function.
 */
interface Shape {
  query: CompiledQuery['query'];
  /** Index of each field of the document it was compiled from, by its "line:column". */
  fieldIndex: ReadonlyMap<string, number>;
}

/**
 * A query text ready to run compiled, with what the request path needs to know of it (kept small:
 * thousands of texts may share a few shapes).
 */
export interface CompiledOperation {
  /** The operation's own variables, checked per request (`variablesFit`). */
  variableDefinitions: readonly VariableDefinitionNode[];
  /** Dossier codes the operation asks for with these variables (the 500 limit). */
  codes(variables: Readonly<Record<string, unknown>>): number;
  /** Type, root field and whether its answer may be kept, for the request hooks. */
  labels: OperationLabels;
  shape: Shape;
  /** The shape's printed document, its key. */
  shapeKey: string;
  /** The string arguments taken out of the text, as variables of the shape. */
  literals: Readonly<Record<string, unknown>>;
  /** This text's fields' locations in document order, line and column in turn (errors point here). */
  fieldLocations: Uint32Array;
}

/** Longest query text compiled; longer ones (hundreds of codes written inline) go to Apollo. */
const MAX_QUERY_LENGTH = 16 * 1024;
/** Name of the variables that stand for string arguments written inline. */
const LITERAL = '__inline';

/**
 * Known queries compiled once and run as functions (docs/decisions/0007-compiled-queries.md). Apollo Server parses and validates every request (its own cache keeps the parsed
 * document) and runs graphql-js's interpreter over ~30 fields per dossier; for the few query
 * shapes the portal sends all day, that pipeline was most of a lookup's CPU. A query text is
 * parsed and validated once with exactly Apollo's rules; its string arguments written inline
 * (`dossier(code: "…")`) become variables, so every text of one shape runs one function compiled
 * by graphql-jit once the shape has been seen twice. Anything else — invalid documents,
 * mutations, introspection, texts over 16 KiB, a shape's first sighting — goes to Apollo, so every
 * error answer about the request itself stays Apollo's.
 */
export class CompiledOperations {
  /** Texts ready to run, or false for texts Apollo must answer (invalid, not a query). */
  private readonly texts = new LRUCache<string, CompiledOperation | false>({
    max: 2_000,
    maxSize: 16 * 1024 * 1024,
    // The text twice over: as key, and the strings taken out of it (at most as long).
    sizeCalculation: (value, key) => (value === false ? 1 : 2) * key.length + 1,
  });
  /** Compiled shapes, each holding generated code (~0.2 MB). */
  private readonly shapes = new LRUCache<string, Shape>({ max: 100 });
  /**
   * Shapes seen once (a shape seen again is compiled; one-off shapes are not worth it), kept apart
   * so that they never push compiled ones out.
   */
  private readonly seenShapes = new LRUCache<string, true>({
    max: 2_000,
    maxSize: 4 * 1024 * 1024,
    sizeCalculation: (_value, key) => key.length + 1,
  });

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly maxTokens: number,
  ) {}

  /**
   * Texts already prepared, by their tokens with the strings left out (`Tokens.skeleton`): a text
   * of the same tokens but for the strings taken out as literals is the same document asking for
   * other codes, so it is valid, has the same shape, and its literals and fields sit at the same
   * tokens. Reading its tokens replaces parsing, validating (graphql-js's overlapping-fields rule
   * is quadratic in aliases), printing and walking it: what a portal pays that writes other codes
   * inline in every request.
   */
  private readonly templates = new LRUCache<string, Template<CompiledOperation>>({
    max: 2_000,
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (template, key) => key.length + template.size,
  });

  /** The compiled query for this text, or undefined when Apollo answers it. */
  get(query: string, operationName: string | undefined): CompiledOperation | undefined {
    if (query.length > MAX_QUERY_LENGTH) return undefined;
    const key = cacheKey(operationName, query);
    const found = this.texts.get(key);
    if (found === false) return undefined;
    if (found !== undefined && this.shapes.get(found.shapeKey) === found.shape) return found;
    const tokens = query.includes(LITERAL) ? null : readTokens(query, this.maxTokens);
    const templateKey = tokens === null ? null : cacheKey(operationName, tokens.skeleton);
    if (tokens !== null && templateKey !== null) {
      const template = this.templates.get(templateKey);
      const made =
        template !== undefined &&
        this.shapes.get(template.operation.shapeKey) === template.operation.shape
          ? fromTemplate(template, tokens, query)
          : undefined;
      if (made !== undefined) {
        this.texts.set(key, made);
        return made;
      }
    }
    const prepared = this.prepare(query, operationName, tokens);
    // First sighting of its shape: Apollo answers, and the text is read again next time.
    if (prepared === 'first sighting') return undefined;
    this.texts.set(key, prepared?.operation ?? false);
    if (prepared !== null && templateKey !== null && prepared.template !== null)
      this.templates.set(templateKey, prepared.template);
    return prepared?.operation ?? undefined;
  }

  /**
   * Whether these variables fit the operation's definitions (types, required ones); when not,
   * Apollo answers, with its message and status.
   */
  variablesFit(operation: CompiledOperation, variables: Record<string, unknown>): boolean {
    const coerced = getVariableValues(this.schema, operation.variableDefinitions, variables);
    return coerced.errors === undefined;
  }

  /**
   * Parses and validates a text, takes its inline strings out and finds its shape: null when
   * Apollo must answer it.
   */
  private prepare(
    query: string,
    operationName: string | undefined,
    tokens: Tokens | null,
  ):
    | { operation: CompiledOperation; template: Template<CompiledOperation> | null }
    | 'first sighting'
    | null {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.maxTokens });
    } catch {
      return null;
    }
    if (validate(this.schema, document, this.rules).length > 0) return null;
    const operation = getOperationAST(document, operationName);
    if (
      operation === null ||
      operation === undefined ||
      operation.operation !== 'query' ||
      introspects(operation) ||
      query.includes(LITERAL)
    )
      return null;
    // The operation asked for and the fragments: other operations in the text are not run.
    const selected: DocumentNode = {
      ...document,
      definitions: document.definitions.filter(
        (definition) => definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION,
      ),
    };
    const { shaped, literals, literalStarts } = takeLiterals(this.schema, selected);
    const shapeKey = print(shaped);
    let shape = this.shapes.get(shapeKey);
    if (shape === undefined && !this.seenShapes.has(shapeKey)) {
      this.seenShapes.set(shapeKey, true);
      return 'first sighting';
    }
    const locations = fieldLocations(selected);
    if (shape === undefined) {
      this.seenShapes.delete(shapeKey);
      const compiled = compileQuery(this.schema, shaped, operation.name?.value);
      if (!isCompiledQuery(compiled)) return null;
      const fieldIndex = new Map<string, number>();
      for (let i = 0; i < locations.length; i += 2)
        fieldIndex.set(`${locations[i]}:${locations[i + 1]}`, i / 2);
      shape = { query: compiled.query.bind(compiled), fieldIndex };
      this.shapes.set(shapeKey, shape);
    }
    const compiled: CompiledOperation = {
      // Without their locations: a node's `loc` holds the whole text's tokens and source.
      variableDefinitions: withoutLocations(operation.variableDefinitions ?? []),
      codes: codeCounter(document, operation),
      labels: labelsOf(operation),
      literals,
      fieldLocations: locations,
      shapeKey,
      shape,
    };
    return {
      operation: compiled,
      template:
        tokens === null ? null : templateOf(compiled, tokens, literalStarts, selected, query),
    };
  }
}

/**
 * The cache key of a text (or token pattern) asked with an operation name, or without one: the
 * two never meet (`""` is a name, and a text may hold the separator).
 */
function cacheKey(operationName: string | undefined, text: string): string {
  return operationName === undefined ? `\u0001${text}` : `\u0002${operationName}\u0000${text}`;
}

/** A copy of parsed nodes without `loc` (which keeps the text's token list and source alive). */
function withoutLocations<T>(nodes: readonly T[]): T[] {
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (key !== 'loc') out[key] = copy(inner);
    return out;
  };
  return nodes.map((node) => copy(node) as T);
}

/** Runs a compiled operation with the request's variables. */
export function runCompiled(
  operation: CompiledOperation,
  context: unknown,
  variables: Record<string, unknown>,
): ReturnType<CompiledQuery['query']> {
  return operation.shape.query(undefined, context, { ...variables, ...operation.literals });
}

/**
 * The locations an error of a shared shape gives, moved into this text: the shape was compiled
 * from another text of the same shape, whose fields may sit at other columns.
 */
export function relocate(
  operation: CompiledOperation,
  locations: readonly SourceLocation[],
): SourceLocation[] {
  const own = operation.fieldLocations;
  return locations.map((at) => {
    const index = operation.shape.fieldIndex.get(`${at.line}:${at.column}`);
    return index === undefined
      ? at
      : { line: own[2 * index] as number, column: own[2 * index + 1] as number };
  });
}

/**
 * A document of one operation (and fragments) with every string argument written inline — an argument of
 * type String or ID, or a list of them — replaced by a variable, and those variables' values.
 */
function takeLiterals(
  schema: GraphQLSchema,
  document: DocumentNode,
): {
  shaped: DocumentNode;
  literals: Record<string, unknown>;
  /** Where each literal's string (or each string of its list) starts in the text. */
  literalStarts: Map<string, number | number[]>;
} {
  const typeInfo = new TypeInfo(schema);
  const literals: Record<string, unknown> = {};
  const literalStarts = new Map<string, number | number[]>();
  const definitions: VariableDefinitionNode[] = [];
  const replaced = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (typeInfo.getDirective() !== null || argument === null || argument === undefined)
          return undefined;
        const value = inlineStrings(node.value, argument.type);
        if (value === undefined) return undefined;
        const name = `${LITERAL}${definitions.length}`;
        literals[name] = value;
        literalStarts.set(
          name,
          node.value.kind === Kind.LIST
            ? node.value.values.map((item) => item.loc?.start ?? -1)
            : (node.value.loc?.start ?? -1),
        );
        definitions.push({
          kind: Kind.VARIABLE_DEFINITION,
          variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } },
          type: parseType(String(argument.type)),
        });
        return { ...node, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } } };
      },
    }),
  );
  const shaped: DocumentNode = {
    ...replaced,
    definitions: replaced.definitions.map((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION
        ? {
            ...definition,
            variableDefinitions: [...(definition.variableDefinitions ?? []), ...definitions],
          }
        : definition,
    ),
  };
  return { shaped, literals, literalStarts };
}

/** A String/ID literal (or a list of them) as its value; undefined for anything else. */
function inlineStrings(value: ValueNode, type: GraphQLInputType): unknown {
  const named = getNamedType(type);
  if (named.name !== 'String' && named.name !== 'ID') return undefined;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (value.kind === Kind.STRING && !isListType(inner)) return value.value;
  if (value.kind === Kind.LIST && isListType(inner)) {
    const items = value.values.map((item) => (item.kind === Kind.STRING ? item.value : undefined));
    return items.includes(undefined) ? undefined : items;
  }
  return undefined;
}

/** Whether a query reads the schema (`__schema`, `__type`): GraphiQL's, left to Apollo. */
function introspects(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.some(
    (selection) =>
      selection.kind !== Kind.FIELD ||
      selection.name.value === '__schema' ||
      selection.name.value === '__type',
  );
}

/** Apollo's answer media types (its MEDIA_TYPES). */
const APPLICATION_JSON = 'application/json; charset=utf-8';
const MEDIA_TYPES = [
  APPLICATION_JSON,
  'application/graphql-response+json; charset=utf-8',
  'application/json; callbackSpec=1.0; charset=utf-8',
];
const chosenTypes = new LRUCache<string, string | false>({ max: 200 });

/**
 * The answer's content type for an Accept header, as Apollo chooses it; null when the caller
 * accepts none of them (Apollo then answers 406).
 */
export function answerContentType(accept: string): string | null {
  if (accept === '') return APPLICATION_JSON;
  let chosen = chosenTypes.get(accept);
  if (chosen === undefined) {
    chosen = new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES) ?? false;
    chosenTypes.set(accept, chosen);
  }
  return chosen === false ? null : chosen;
}

/**
 * Execution errors as Apollo formats them: every error gets an `extensions.code`
 * (INTERNAL_SERVER_ERROR when it has none), an `extensions.http` status is taken out of the answer
 * and used as the HTTP status, and the gateway's formatter has the last word.
 */
export function formatExecutionErrors(
  errors: readonly GraphQLError[],
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  relocated: (locations: readonly SourceLocation[]) => SourceLocation[] = (l) => [...l],
): { errors: GraphQLFormattedError[]; status: number | undefined } {
  let status: number | undefined;
  const formatted = errors.map((error) => {
    try {
      // graphql-jit's own errors (a resolver's plain Error) carry no extensions object at all.
      const own: Record<string, unknown> = error.extensions ?? {};
      const extensions: Record<string, unknown> = {
        ...own,
        code: own.code ?? 'INTERNAL_SERVER_ERROR',
      };
      const http = extensions.http as { status?: unknown } | undefined;
      if (typeof http === 'object' && http !== null) {
        if (typeof http.status === 'number') status = http.status;
        delete extensions.http;
      }
      const json = error.toJSON();
      const located =
        json.locations === undefined ? json : { ...json, locations: relocated(json.locations) };
      return formatError({ ...located, extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status };
}
