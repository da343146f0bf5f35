import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { GatewayContext } from '../graphql/GatewayContext';
import { requestScopes } from '../observability/requestScope';
import { endSpan } from '../observability/tracing';

/** A request's span: started with the request, named once its operation is known, ended with its errors. */
export interface RequestSpan {
  resolved(type: string, field: string): void;
  end(errors: ReadonlyArray<{ extensions?: Readonly<Record<string, unknown>> }>): void;
}

/** A span per GraphQL request, named by operation type and root field; upstream calls nest in it. */
export function requestSpan(
  tracer: Tracer,
  context: Pick<GatewayContext, 'requestId' | 'call'>,
): RequestSpan {
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
