import {
  Kind,
  Lexer,
  Source,
  TokenKind,
  TypeInfo,
  getLocation,
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
  private readonly templates = new LRUCache<string, Template>({
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
  ): { operation: CompiledOperation; template: Template | null } | 'first sighting' | null {
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

/** A query text's tokens (graphql-js's lexer; comments skipped), its strings set apart. */
interface Tokens {
  /** Every token, strings without their values, in order: alike for texts alike but for strings. */
  skeleton: string;
  /** Each string token's value, in order. */
  strings: string[];
  /** Where each token starts in the text. */
  starts: number[];
  /** The token index of each string. */
  stringTokens: number[];
}

/** What a prepared text lends to the texts of the same tokens but for its literals' strings. */
interface Template {
  /** The prepared text's operation: all but its literals and field locations are shared. */
  operation: CompiledOperation;
  /** Each literal variable, and the string (or list of strings) it takes, by string index. */
  literals: Array<[name: string, strings: number | number[]]>;
  /** The strings that are not literals (a variable's default, a directive's argument): equal. */
  fixed: Array<[index: number, value: string]>;
  /** The token each field starts at, in document order. */
  fieldTokens: Uint32Array;
  /** What it holds, in characters (its bound in the cache). */
  size: number;
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

/** The tokens of a text, or null when it does not lex or has more than `maxTokens` tokens. */
function readTokens(query: string, maxTokens: number): Tokens | null {
  const lexer = new Lexer(new Source(query));
  const strings: string[] = [];
  const starts: number[] = [];
  const stringTokens: number[] = [];
  let skeleton = '';
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (starts.length >= maxTokens) return null;
      if (token.kind === TokenKind.STRING || token.kind === TokenKind.BLOCK_STRING) {
        stringTokens.push(starts.length);
        strings.push(token.value);
        skeleton += `${token.kind}\u0001`;
      } else skeleton += `${token.kind}${token.value ?? ''}\u0001`;
      starts.push(token.start);
    }
  } catch {
    return null;
  }
  return { skeleton, strings, starts, stringTokens };
}

/** The template a prepared text gives (null if a literal or field is not where a token starts). */
function templateOf(
  operation: CompiledOperation,
  tokens: Tokens,
  literalStarts: ReadonlyMap<string, number | number[]>,
  document: DocumentNode,
  query: string,
): Template | null {
  const stringAt = new Map<number, number>();
  tokens.stringTokens.forEach((token, index) =>
    stringAt.set(tokens.starts[token] as number, index),
  );
  const tokenAt = new Map<number, number>();
  tokens.starts.forEach((start, index) => tokenAt.set(start, index));
  const literals: Template['literals'] = [];
  const taken = new Set<number>();
  for (const [name, start] of literalStarts) {
    const indexes = (Array.isArray(start) ? start : [start]).map((at) => stringAt.get(at));
    if (indexes.some((index) => index === undefined)) return null;
    for (const index of indexes) taken.add(index as number);
    literals.push([name, Array.isArray(start) ? (indexes as number[]) : (indexes[0] as number)]);
  }
  const fixed: Template['fixed'] = [];
  tokens.strings.forEach((value, index) => {
    if (!taken.has(index)) fixed.push([index, value]);
  });
  // Fields of one response name are valid together only with equal arguments (graphql-js's
  // OverlappingFieldsCanBeMergedRule compares their values): when two fields asking for codes
  // share a name, their codes decide validity, and the text is prepared on its own.
  const literalAt = new Set<number>();
  for (const start of literalStarts.values())
    for (const at of Array.isArray(start) ? start : [start]) literalAt.add(at);
  const asking = new Set<string>();
  let shared = false;
  const fieldStarts: number[] = [];
  visit(document, {
    Field(node) {
      fieldStarts.push(node.loc?.start ?? -1);
      const asks = (node.arguments ?? []).some((argument) => {
        const value = argument.value;
        const starts =
          value.kind === Kind.LIST
            ? value.values.map((item) => item.loc?.start ?? -1)
            : [value.loc?.start ?? -1];
        return starts.some((at) => literalAt.has(at));
      });
      if (!asks) return;
      const name = node.alias?.value ?? node.name.value;
      if (asking.has(name)) shared = true;
      asking.add(name);
    },
  });
  if (shared) return null;
  const fieldTokens = new Uint32Array(fieldStarts.length);
  for (let i = 0; i < fieldStarts.length; i += 1) {
    const token = tokenAt.get(fieldStarts[i] as number);
    if (token === undefined) return null;
    fieldTokens[i] = token;
  }
  // A fixed string may be a slice of the text, which it keeps whole.
  const fixedLength = fixed.reduce((sum, [, value]) => sum + value.length, 0);
  const size =
    8 * fieldTokens.length +
    16 * literals.length +
    fixedLength +
    (fixed.length > 0 ? query.length : 0) +
    256;
  return { operation, literals, fixed, fieldTokens, size };
}

/** This text's operation from the template of its tokens; undefined when a fixed string differs. */
function fromTemplate(
  template: Template,
  tokens: Tokens,
  query: string,
): CompiledOperation | undefined {
  for (const [index, value] of template.fixed)
    if (tokens.strings[index] !== value) return undefined;
  const literals: Record<string, unknown> = {};
  for (const [name, strings] of template.literals)
    literals[name] =
      typeof strings === 'number'
        ? tokens.strings[strings]
        : strings.map((index) => tokens.strings[index]);
  const starts = Array.from(template.fieldTokens, (token) => tokens.starts[token] as number);
  const fieldLocations = locationsOf(query, starts);
  if (fieldLocations === null) return undefined;
  return { ...template.operation, literals, fieldLocations };
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

/**
 * Every field's location in document order: line and column in turn, as graphql-js's
 * `getLocation` gives them. One pass over the text: `getLocation` reads the text from its start
 * for each field, which for 50 aliased lookups (a thousand fields in 15 KB) cost 4 ms a request.
 */
export function fieldLocations(document: DocumentNode): Uint32Array {
  const starts: number[] = [];
  let source: string | undefined;
  visit(document, {
    Field(node) {
      if (node.loc === undefined) return;
      source ??= node.loc.source.body;
      starts.push(node.loc.start);
    },
  });
  if (source === undefined) return new Uint32Array(0);
  return locationsOf(source, starts) ?? slowFieldLocations(document);
}

/**
 * Line and column of each offset, in turn, in one walk over the text; null when the offsets do not
 * grow (a parsed document's fields always come in text order). Lines end as graphql-js ends
 * them: \r\n, \n or \r.
 */
function locationsOf(source: string, starts: readonly number[]): Uint32Array | null {
  const found = new Uint32Array(2 * starts.length);
  let line = 1;
  let lineStart = 0;
  let at = 0;
  for (let i = 0; i < starts.length; i += 1) {
    const target = starts[i] as number;
    if (target < at || target > source.length) return null;
    for (; at < target; at += 1) {
      const unit = source.charCodeAt(at);
      if (unit === 0x0a || (unit === 0x0d && source.charCodeAt(at + 1) !== 0x0a)) {
        line += 1;
        lineStart = at + 1;
      }
    }
    found[2 * i] = line;
    found[2 * i + 1] = target - lineStart + 1;
  }
  return found;
}

/** The same, field by field (fields out of document order: never in a parsed document). */
function slowFieldLocations(document: DocumentNode): Uint32Array {
  const found: number[] = [];
  visit(document, {
    Field(node) {
      if (node.loc === undefined) return;
      const at = getLocation(node.loc.source, node.loc.start);
      found.push(at.line, at.column);
    },
  });
  return Uint32Array.from(found);
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
