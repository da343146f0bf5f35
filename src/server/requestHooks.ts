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
  private readonly bySignal = new WeakMap<AbortSignal, Hooks>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly tracer: Tracer | undefined,
  ) {}

  /**
   * Hooks for a request about to execute; `started` is `performance.now()` at its arrival. The
   * gateway's own stages start them at once; those of a request Apollo runs start when Apollo
   * starts it (a request Apollo refuses before that — a method, a CSRF preflight, malformed
   * variables — has no span and is not counted, as before), found by its plugin.
   */
  start(
    context: GatewayContext,
    started: number,
    record: KeptAnswerRecord | undefined,
    runBy: 'apollo' | 'gateway',
  ): RequestHooks {
    const hooks = new Hooks(this.metrics, this.tracer, context, record ?? null, started);
    if (runBy === 'apollo') this.bySignal.set(context.call.signal, hooks);
    else hooks.begin();
    return hooks;
  }

  /** Apollo has answered (or refused before starting): its hooks are no longer looked up. */
  forget(context: GatewayContext): void {
    this.bySignal.delete(context.call.signal);
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
        hooks.begin();
        return {
          async didResolveOperation({ operation }) {
            if (operation !== undefined) hooks.resolved(labelsOf(operation));
          },
          async willSendResponse({ operation, response }) {
            // Apollo may refuse an operation it has read before resolving it (a mutation sent
            // by GET): counted under its own labels all the same.
            if (!hooks.labelled && operation !== undefined) hooks.resolved(labelsOf(operation));
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
  labelled = false;
  private span: RequestSpan | null = null;

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly tracer: Tracer | undefined,
    private readonly context: GatewayContext,
    private readonly record: KeptAnswerRecord | null,
    private readonly started: number,
  ) {}

  /** The request starts executing: its span opens. */
  begin(): void {
    if (this.tracer !== undefined && this.span === null)
      this.span = requestSpan(this.tracer, this.context);
  }

  resolved(labels: OperationLabels): void {
    this.labelled = true;
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
