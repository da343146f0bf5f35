import type { ApolloServerPlugin } from '@apollo/server';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { requestScope } from '../observability/requestScope';
import { endSpan } from '../observability/tracing';
import { rootField } from './metricsPlugin';

/** A span per GraphQL request, named by operation type and root field; upstream calls nest in it. */
export function tracingPlugin(tracer: Tracer): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const scope = requestScope.getStore();
      const span = tracer.startSpan('graphql.request', {
        kind: SpanKind.SERVER,
        attributes: scope === undefined ? {} : { 'gateway.request_id': scope.requestId },
      });
      if (scope !== undefined) scope.span = span;
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
