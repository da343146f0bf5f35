import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * What the edge says of an operation in metrics, traces and the kept-answer decision: its type,
 * its root field from the schema (`dossier`, `dossiers`, …; `multiple` when it selects several
 * different ones) — never the caller's operation name, so labels stay bounded — and whether its
 * answer may be kept as bytes.
 */
export interface OperationLabels {
  type: string;
  field: string;
  keepable: boolean;
}

/** Data and errors of an answer, as sent. */
export interface GraphQLOutcome {
  data?: unknown;
  errors?: ReadonlyArray<{ extensions?: Readonly<Record<string, unknown>> }>;
}

/** Root fields whose answers may be kept as bytes: dossier lookups, nothing that writes or audits. */
const KEEPABLE = new Set(['dossier', 'dossiers', '__typename']);

export function labelsOf(operation: OperationDefinitionNode): OperationLabels {
  return { type: operation.operation, field: rootField(operation), keepable: keepable(operation) };
}

/** A request's outcome for metrics: ok, partial (data and errors) or error, and the first code. */
export function outcomeOf(result: GraphQLOutcome): {
  outcome: 'ok' | 'partial' | 'error';
  code: unknown;
} {
  const errors = result.errors;
  if (errors === undefined || errors.length === 0) return { outcome: 'ok', code: undefined };
  return {
    outcome: result.data === undefined || result.data === null ? 'error' : 'partial',
    code: errors[0]?.extensions?.code,
  };
}

export function rootField(operation: OperationDefinitionNode): string {
  const names = new Set<string>();
  collect(operation.selectionSet, names);
  if (names.size === 1) return [...names][0] as string;
  return names.size === 0 ? '(none)' : 'multiple';
}

/** Whether an operation's answer may be kept: a query of dossier lookups only. */
export function keepable(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && KEEPABLE.has(selection.name.value),
  );
}

function collect(selectionSet: SelectionSetNode, names: Set<string>): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, names);
    // A named fragment at the root: counted as "multiple" rather than looked up.
    else names.add('(fragment)');
  }
}
