import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../graphql/GatewayContext';
import { rootField } from './metricsPlugin';
import { ResponseRecord } from './ResponseCache';

/** Root fields whose answers may be kept as bytes: dossier lookups, nothing that writes or audits. */
const KEEPABLE = new Set(['dossier', 'dossiers', '__typename']);

/**
 * Tells a request's `ResponseRecord` what kind of operation ran: only queries made of dossier
 * lookups are kept, and only when answered without errors. Also notes the metric labels a later
 * hit is counted under.
 */
export function responseRecordPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const record = contextValue.recorder;
      if (!(record instanceof ResponseRecord)) return;
      return {
        async didResolveOperation({ operation }) {
          if (operation === undefined || !keepable(operation)) record.refuse();
          else record.labels = { type: operation.operation, field: rootField(operation) };
        },
        async willSendResponse({ response }) {
          if (
            response.body.kind !== 'single' ||
            (response.body.singleResult.errors ?? []).length > 0
          )
            record.refuse();
        },
      };
    },
  };
}

/** Whether an operation's answer may be kept: a query of dossier lookups only. */
export function keepable(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && KEEPABLE.has(selection.name.value),
  );
}
