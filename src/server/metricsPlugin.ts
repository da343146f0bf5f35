import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GatewayMetrics } from '../observability/GatewayMetrics';

/**
 * Counts every GraphQL request Apollo answers, by operation type, root field and outcome, and times
 * it. The root field comes from the schema (`dossier`, `dossiers`, …; `multiple` when an operation
 * selects several different ones), never from the caller's operation name, so labels stay bounded.
 */
export function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, response }) {
          const type = operation?.operation ?? 'unknown';
          const field = operation === undefined ? '(invalid)' : rootField(operation);
          const { outcome, code } =
            response.body.kind === 'single'
              ? outcomeOf(response.body.singleResult)
              : { outcome: 'ok' as const, code: undefined };
          metrics.graphqlRequest(type, field, outcome, code, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

/** A request's outcome for metrics: ok, partial (data and errors) or error, and the first code. */
export function outcomeOf(result: {
  data?: unknown;
  errors?: ReadonlyArray<{ extensions?: Readonly<Record<string, unknown>> }>;
}): { outcome: 'ok' | 'partial' | 'error'; code: unknown } {
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

function collect(selectionSet: SelectionSetNode, names: Set<string>): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, names);
    // A named fragment at the root: counted as "multiple" rather than looked up.
    else names.add('(fragment)');
  }
}
