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
      const span = requestSpan(tracer, contextValue);
      return {
        async didResolveOperation({ operation }) {
          if (operation !== undefined) span.resolved(operation.operation, rootField(operation));
        },
        async willSendResponse({ response }) {
          span.end(
            response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [],
          );
        },
      };
    },
  };
}

/** A request's span: started with the request, named once its operation is known, ended with its errors. */
export function requestSpan(
  tracer: Tracer,
  context: Pick<GatewayContext, 'requestId' | 'call'>,
): {
  resolved(type: string, field: string): void;
  end(errors: ReadonlyArray<{ extensions?: Readonly<Record<string, unknown>> }>): void;
} {
  const span = tracer.startSpan('graphql.request', {
    kind: SpanKind.SERVER,
    attributes: { 'gateway.request_id': context.requestId },
  });
  requestScopes.setSpan(context.call.signal, span);
  return {
    resolved(type, field) {
      span.updateName(`graphql.${type} ${field}`);
      span.setAttribute('graphql.operation.type', type);
      span.setAttribute('graphql.root_field', field);
    },
    end(errors) {
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
}
