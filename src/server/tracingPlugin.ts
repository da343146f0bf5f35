import type { ApolloServerPlugin } from '@apollo/server';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { requestScopes } from '../observability/requestScope';
import type { GatewayContext } from '../graphql/GatewayContext';
import { endSpan } from '../observability/tracing';
import { rootField } from './metricsPlugin';

/** A span per GraphQL request, named by operation type and root field; upstream calls nest in it. */
export function tracingPlugin(tracer: Tracer): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const span = tracer.startSpan('graphql.request', {
        kind: SpanKind.SERVER,
        attributes: { 'gateway.request_id': contextValue.requestId },
      });
      requestScopes.setSpan(contextValue.call.signal, span);
      return {
        async didResolveOperation({ operation }) {
          if (operation === undefined) return;
          const field = rootField(operation);
          span.updateName(`graphql.${operation.operation} ${field}`);
          span.setAttribute('graphql.operation.type', operation.operation);
          span.setAttribute('graphql.root_field', field);
        },
        async willSendResponse({ response }) {
          const errors =
            response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const first = errors[0];
          const code = first?.extensions?.code;
          span.setAttribute('graphql.errors', errors.length);
          endSpan(
            span,
            first === undefined
              ? null
              : { code: typeof code === 'string' ? code : 'OTHER', message: '' },
          );
        },
      };
    },
  };
}
