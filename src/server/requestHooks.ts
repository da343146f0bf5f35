import type { ApolloServerPlugin } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import type { GatewayContext } from '../graphql/GatewayContext';
import type { GatewayMetrics } from '../observability/GatewayMetrics';
import { KeptAnswerRecord } from './KeptAnswers';
import { labelsOf, outcomeOf, type GraphQLOutcome, type OperationLabels } from './operationLabels';
import { requestSpan, type RequestSpan } from './requestSpan';

/**
 * What watches one GraphQL request, whichever stage answers it (a kept answer, a compiled query,
 * Apollo): the request metrics, its tracing span, and the record that decides whether its answer
 * may be kept. Each stage tells the hooks the same two things — the operation is known, the answer
 * is sent — and Apollo's path tells them through one plugin (`hooksPlugin`).
 */
export interface RequestHooks {
  /** The operation to run is known. */
  resolved(labels: OperationLabels): void;
  /** The answer was sent: data and errors as sent; `streamed` when not one JSON document. */
  answered(result: GraphQLOutcome, streamed?: boolean): void;
}

/** The hooks of every request of one server. */
export class RequestObservers {
  /**
   * Apollo's plugin finds a request's hooks by its context's signal (Apollo runs an operation on a
   * shallow copy of the context it is given: the copy's `call` is the same object).
   */
  private readonly bySignal = new WeakMap<AbortSignal, RequestHooks>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly tracer: Tracer | undefined,
  ) {}

  /**
   * Hooks for a request about to execute; `started` is `performance.now()` at its arrival. Those
   * of a request Apollo runs are found by its plugin (only those: a weak map's entries cost the
   * collector work).
   */
  start(
    context: GatewayContext,
    started: number,
    record: KeptAnswerRecord | undefined,
    runBy: 'apollo' | 'gateway',
  ): RequestHooks {
    const span = this.tracer === undefined ? null : requestSpan(this.tracer, context);
    const hooks = new Hooks(this.metrics, span, record ?? null, started);
    if (runBy === 'apollo') this.bySignal.set(context.call.signal, hooks);
    return hooks;
  }

  /** A kept answer was sent: counted as the request it stands for. */
  kept(labels: { type: string; field: string }, started: number): void {
    this.metrics.graphqlRequest(
      labels.type,
      labels.field,
      'ok',
      undefined,
      (performance.now() - started) / 1000,
    );
  }

  /** A request refused before execution (body, credentials, rate, allow-list). */
  refused(code: string, started: number): void {
    this.metrics.graphqlRequest(
      'unknown',
      '(refused)',
      'refused',
      code,
      (performance.now() - started) / 1000,
    );
  }

  /** Apollo's lifecycle, told to the request's hooks. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    const bySignal = this.bySignal;
    return {
      async requestDidStart({ contextValue }) {
        const hooks = bySignal.get(contextValue.call.signal);
        if (hooks === undefined) return;
        return {
          async didResolveOperation({ operation }) {
            if (operation !== undefined) hooks.resolved(labelsOf(operation));
          },
          async willSendResponse({ response }) {
            if (response.body.kind === 'single') hooks.answered(response.body.singleResult);
            else hooks.answered({ data: null }, true);
          },
        };
      },
    };
  }
}

class Hooks implements RequestHooks {
  private type = 'unknown';
  private field = '(invalid)';

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly span: RequestSpan | null,
    private readonly record: KeptAnswerRecord | null,
    private readonly started: number,
  ) {}

  resolved(labels: OperationLabels): void {
    this.type = labels.type;
    this.field = labels.field;
    this.span?.resolved(labels.type, labels.field);
    if (this.record === null) return;
    // Only queries made of dossier lookups are kept; the labels count a later hit.
    if (labels.keepable) this.record.labels = { type: labels.type, field: labels.field };
    else this.record.refuse();
  }

  answered(result: GraphQLOutcome, streamed = false): void {
    const { outcome, code } = outcomeOf(result);
    this.metrics.graphqlRequest(
      this.type,
      this.field,
      outcome,
      code,
      (performance.now() - this.started) / 1000,
    );
    this.span?.end(result.errors ?? []);
    // An answer with errors, streamed, or of an operation never resolved, is not kept.
    if ((result.errors ?? []).length > 0 || streamed || this.record?.labels === null)
      this.record?.refuse();
  }
}
