import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { requestScopes } from './requestScope';

export interface TracingSettings {
  /** OTLP/HTTP traces endpoint (`http://collector:4318/v1/traces`). */
  url: string;
  serviceName: string;
}

/**
 * OpenTelemetry tracing, off unless an OTLP endpoint is configured: a span per GraphQL request
 * (`graphql.query dossiers`) and, under it, one per upstream call attempt (`connector.lookup`).
 * The provider is this gateway's own, not registered globally (several gateways share a process
 * in the tests); the parent span is found by the request's signal (requestScope.ts). Span attributes hold bounded
 * values only: operation type, root field, connector id, item counts, error codes — no dossier
 * code, no personal data.
 */
export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;

  constructor(settings: TracingSettings) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }))],
    });
    this.tracer = this.provider.getTracer('dvc-gateway');
  }

  /** Sends what is buffered and stops. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** A span under the span of the request whose signal this is (when there is one). */
export function startChildSpan(
  tracer: Tracer,
  signal: AbortSignal | undefined,
  name: string,
  attributes: Record<string, string | number>,
  kind: SpanKind = SpanKind.CLIENT,
): Span {
  const parent = requestScopes.span(signal);
  const context = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent);
  return tracer.startSpan(name, { kind, attributes }, context);
}

/** Ends a span as failed with an error code, or as fine. */
export function endSpan(span: Span, error: { code: string; message: string } | null): void {
  if (error !== null) {
    span.setAttribute('error.code', error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
  }
  span.end();
}
