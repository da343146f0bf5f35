import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * Caps the dossier codes one operation may ask for, counted across the whole operation: every
 * `dossiers(codes)` list, every (aliased) `dossier` field, through fragments. Checked before
 * anything runs, so a flood of aliases never reaches an upstream. The portal's real shapes — 500
 * codes in one list, a few hundred aliased lookups — fit (src/domain/dossierCode.ts).
 */
export function codeLimitPlugin(options: { maxCodes: number }): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation === undefined || operation.operation !== 'query') return;
          const count = codesAsked(document, operation, request.variables ?? {});
          if (count > options.maxCodes) {
            throw new GraphQLError(
              `This operation asks for ${count} dossier codes; at most ${options.maxCodes} per operation (in dossiers lists and dossier fields together). Split it into several requests.`,
              { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}

/** How many dossier codes a query asks for, in `dossiers` lists and `dossier` fields together. */
export function codesAsked(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  return codeCounter(document, operation)(variables);
}

/**
 * `codesAsked` for one operation, read from its document once: the codes written in it, and the
 * list variables whose lengths add to them.
 */
export function codeCounter(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): (variables: Readonly<Record<string, unknown>>) => number {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const lists: string[] = [];
  const written = countCodes(operation.selectionSet, fragments, lists, 0);
  return (variables) => {
    let count = written;
    for (const name of lists) {
      const bound = variables[name];
      count += Array.isArray(bound) ? bound.length : 1;
    }
    return count;
  };
}

/** Codes written in a selection; the variables holding lists of codes go to `lists`. */
function countCodes(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  lists: string[],
  depth: number,
): number {
  if (depth > 20) return 0;
  let count = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        if (selection.name.value === 'dossier') count += 1;
        if (selection.name.value === 'dossiers') {
          const codes = selection.arguments?.find((a) => a.name.value === 'codes')?.value;
          if (codes?.kind === Kind.VARIABLE) lists.push(codes.name.value);
          else count += listLength(codes);
        }
        break;
      case Kind.INLINE_FRAGMENT:
        count += countCodes(selection.selectionSet, fragments, lists, depth + 1);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined)
          count += countCodes(fragment.selectionSet, fragments, lists, depth + 1);
        break;
      }
    }
  }
  return count;
}

function listLength(value: ValueNode | undefined): number {
  if (value === undefined) return 0;
  if (value.kind === Kind.LIST) return value.values.length;
  return 1;
}
