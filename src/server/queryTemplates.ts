import { Kind, Lexer, Source, TokenKind, visit, type DocumentNode } from 'graphql';
import { locationsOf } from './fieldLocations';

/**
 * Query texts alike but for the codes written in them (decision 0007): a text whose tokens are
 * those of a text prepared before, but for the strings taken out as codes, is the same document
 * asking for other codes. It takes that text's compiled operation; its codes and field locations
 * are read from its own tokens. CompiledOperations keeps the templates.
 */

/** What a template lends and replaces: an operation with its text's literals and field places. */
export interface TemplatedOperation {
  /** The strings taken out of the text, as variables of its shape. */
  literals: Readonly<Record<string, unknown>>;
  /** The text's fields' locations in document order, line and column in turn. */
  fieldLocations: Uint32Array;
}

/** A query text's tokens (graphql-js's lexer; comments skipped), its strings set apart. */
export interface Tokens {
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
export interface Template<T extends TemplatedOperation> {
  /** The prepared text's operation: all but its literals and field locations are shared. */
  operation: T;
  /** Each literal variable, and the string (or list of strings) it takes, by string index. */
  literals: Array<[name: string, strings: number | number[]]>;
  /** The strings that are not literals (a variable's default, a directive's argument): equal. */
  fixed: Array<[index: number, value: string]>;
  /** The token each field starts at, in document order. */
  fieldTokens: Uint32Array;
  /** What it holds, in characters (its bound in the cache). */
  size: number;
}

/** The tokens of a text, or null when it does not lex or has more than `maxTokens` tokens. */
export function readTokens(query: string, maxTokens: number): Tokens | null {
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
export function templateOf<T extends TemplatedOperation>(
  operation: T,
  tokens: Tokens,
  literalStarts: ReadonlyMap<string, number | number[]>,
  document: DocumentNode,
  query: string,
): Template<T> | null {
  const stringAt = new Map<number, number>();
  tokens.stringTokens.forEach((token, index) =>
    stringAt.set(tokens.starts[token] as number, index),
  );
  const tokenAt = new Map<number, number>();
  tokens.starts.forEach((start, index) => tokenAt.set(start, index));
  const literals: Template<T>['literals'] = [];
  const taken = new Set<number>();
  for (const [name, start] of literalStarts) {
    const indexes = (Array.isArray(start) ? start : [start]).map((at) => stringAt.get(at));
    if (indexes.some((index) => index === undefined)) return null;
    for (const index of indexes) taken.add(index as number);
    literals.push([name, Array.isArray(start) ? (indexes as number[]) : (indexes[0] as number)]);
  }
  const fixed: Template<T>['fixed'] = [];
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
export function fromTemplate<T extends TemplatedOperation>(
  template: Template<T>,
  tokens: Tokens,
  query: string,
): T | undefined {
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
