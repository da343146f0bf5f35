import {
  GraphQLError,
  Kind,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import Negotiator from 'negotiator';
import { rootField } from './metricsPlugin';
import { keepable } from './responseRecordPlugin';

/** A query compiled to a function (graphql-jit), with what the request path needs to know of it. */
export interface CompiledOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  query: CompiledQuery['query'];
  /** Root field, for metrics and traces (`rootField`). */
  field: string;
  /** Whether its answer may be kept as bytes (dossier lookups only). */
  keepable: boolean;
}

/** Longest query text compiled; longer ones (hundreds of codes written inline) go to Apollo. */
const MAX_QUERY_LENGTH = 16 * 1024;

/**
 * Known queries compiled once and run as functions (ARCHITECTURE.md in the README, "Compiled
 * queries"). Apollo Server parses and validates every request (its own cache keeps the parsed
 * document) and runs graphql-js's interpreter over ~30 fields per dossier; for the same few
 * queries the portal sends all day, that pipeline was most of a lookup's CPU. A query text seen a
 * second time is parsed, validated with exactly Apollo's rules and compiled by graphql-jit; from
 * then on requests with that text run the compiled function. Anything else — first sightings,
 * invalid documents, mutations, introspection, texts over 16 KiB — goes to Apollo, so every error
 * answer about the request itself stays Apollo's.
 */
export class CompiledOperations {
  /** Compiled queries by text, or false for texts Apollo must answer. */
  private readonly compiled = new LRUCache<string, CompiledOperation | false>({
    max: 500,
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (_value, key) => key.length + 1,
  });
  /** Texts seen once: a text seen again is compiled (one-off texts are not worth compiling). */
  private readonly seen = new LRUCache<string, true>({
    max: 5_000,
    maxSize: 4 * 1024 * 1024,
    sizeCalculation: (_value, key) => key.length + 1,
  });

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly maxTokens: number,
  ) {}

  /** The compiled query for this text, or undefined when Apollo answers it. */
  get(query: string, operationName: string | undefined): CompiledOperation | undefined {
    if (query.length > MAX_QUERY_LENGTH) return undefined;
    const key = operationName === undefined ? query : `${operationName}\u0000${query}`;
    const found = this.compiled.get(key);
    if (found !== undefined) return found === false ? undefined : found;
    if (!this.seen.has(key)) {
      this.seen.set(key, true);
      return undefined;
    }
    this.seen.delete(key);
    const prepared = this.prepare(query, operationName) ?? false;
    this.compiled.set(key, prepared);
    return prepared === false ? undefined : prepared;
  }

  /**
   * Whether these variables fit the operation's definitions (types, required ones); when not,
   * Apollo answers, with its message and status.
   */
  variablesFit(operation: CompiledOperation, variables: Record<string, unknown>): boolean {
    const coerced = getVariableValues(
      this.schema,
      operation.operation.variableDefinitions ?? [],
      variables,
    );
    return coerced.errors === undefined;
  }

  private prepare(query: string, operationName: string | undefined): CompiledOperation | null {
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
      introspects(operation)
    )
      return null;
    const compiled = compileQuery(this.schema, document, operationName);
    if (!isCompiledQuery(compiled)) return null;
    return {
      document,
      operation,
      query: compiled.query.bind(compiled),
      field: rootField(operation),
      keepable: keepable(operation),
    };
  }
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
): { errors: GraphQLFormattedError[]; status: number | undefined } {
  let status: number | undefined;
  const formatted = errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = {
        ...error.extensions,
        code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR',
      };
      const http = extensions.http as { status?: unknown } | undefined;
      if (typeof http === 'object' && http !== null) {
        if (typeof http.status === 'number') status = http.status;
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status };
}
