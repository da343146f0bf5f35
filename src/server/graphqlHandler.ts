import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { MAX_CODES_PER_OPERATION } from '../domain/dossierCode';
import type { ContextFactory, GatewayContext } from '../graphql/GatewayContext';
import type { GatewayMetrics } from '../observability/GatewayMetrics';
import type { ClientAddress } from './clientAddress';
import {
  answerContentType,
  formatExecutionErrors,
  relocate,
  runCompiled,
  type CompiledOperation,
  type CompiledOperations,
} from './compiledOperations';
import {
  credentialsOf,
  headerOf,
  isRecord,
  readBody,
  sendJson,
  setGraphqlHeaders,
  type Body,
} from './httpMessages';
import { KeptAnswerRecord, KeptAnswers, type KeptAnswerKey } from './KeptAnswers';
import type { Admission, Refusal, RequestGate } from './requestGate';
import type { RequestObservers } from './requestHooks';

export interface GraphqlHandlerOptions {
  apollo: ApolloServer<GatewayContext>;
  gate: RequestGate;
  observers: RequestObservers;
  metrics: GatewayMetrics;
  createContext: ContextFactory;
  clients: ClientAddress;
  /** Dossier lookup answers kept as bytes per caller scope; none: every request executes. */
  keptAnswers?: KeptAnswers | undefined;
  /** Known queries run compiled; null: Apollo runs every query. */
  compiled: CompiledOperations | null;
  formatError: (error: GraphQLFormattedError, original: unknown) => GraphQLFormattedError;
  maxBodyBytes: number;
  /** Overall time budget of one GraphQL request. */
  requestBudgetMs: number;
}

/**
 * POST and GET /graphql, as one sequence of stages: the body; the gate (credentials, rate); a
 * kept answer, sent as bytes; the body parsed; the gate's allow-list; a known query run compiled;
 * Apollo for everything else. Every stage that answers tells the same request hooks (metrics,
 * tracing, keeping the answer); refusals are counted and sent in one way.
 */
export function graphqlHandler(
  options: GraphqlHandlerOptions,
): (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void> {
  const { gate, observers, metrics } = options;
  const keptAnswers = options.keptAnswers;

  /**
   * The path of a kept answer is this function alone (kept small: an async function's suspended
   * state is as large as its body's locals); everything else goes on in `execute`.
   */
  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const started = performance.now();
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === 'tooLarge') {
      setGraphqlHeaders(res, requestId);
      return refuse(res, started, {
        status: 413,
        code: 'BAD_REQUEST',
        message: `request body larger than ${options.maxBodyBytes} bytes`,
      });
    }
    // Who is calling, from the raw headers, before any parsing: a kept answer is then sent for a
    // request byte for byte one that passed it all. Decided at once for a key checked a moment
    // ago and a caller with a lease: no suspension.
    const credentials = credentialsOf(req);
    const gated = gate.admit(credentials, options.clients.of(req));
    const admission = gated instanceof Promise ? await gated : gated;
    let keptKey: KeptAnswerKey | undefined;
    if (
      keptAnswers !== undefined &&
      req.method === 'POST' &&
      admission.ok &&
      admission.principal !== null
    ) {
      keptKey = KeptAnswers.key(
        admission.principal,
        headerOf(req, 'accept'),
        headerOf(req, 'content-type'),
        body.text,
      );
      const kept = keptAnswers.get(keptKey);
      metrics.keptAnswer(kept !== undefined, kept?.entries);
      if (kept !== undefined) {
        res.writeHead(kept.status, [
          'X-Request-Id',
          requestId,
          'X-Content-Type-Options',
          'nosniff',
          'Cache-Control',
          'no-store',
          ...kept.rawHeaders,
        ]);
        res.end(kept.body);
        observers.kept(kept.labels, started);
        return;
      }
    }
    return execute(req, res, requestId, started, body, admission, keptKey);
  }

  /** A GraphQL request not answered from the kept answers: compiled, or through Apollo. */
  async function execute(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    started: number,
    body: Extract<Body, { kind: 'ok' }>,
    admission: Admission,
    keptKey: KeptAnswerKey | undefined,
  ) {
    setGraphqlHeaders(res, requestId);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const parsed = parseBody(req, headers, body.text);
    if (!parsed.ok) return refuse(res, started, parsed.refusal);
    if (!admission.ok) return refuse(res, started, admission.refusal);
    const principal = admission.principal;
    let parsedBody = parsed.body;
    const query = isRecord(parsedBody)
      ? gate.document(parsedBody.query, parsedBody.extensions)
      : undefined;
    const held = gate.allowed(principal, query);
    if (held !== null) return refuse(res, started, held);
    // A known hash without its document: the allow-list supplies it.
    if (isRecord(parsedBody) && query !== undefined && parsedBody.query !== query)
      parsedBody = { ...parsedBody, query };

    // Not kept yet: told what the answer is made of, to keep it when it may be (KeptAnswers).
    const record = keptKey === undefined ? undefined : new KeptAnswerRecord();
    const generation = keptAnswers?.generation();
    const context = options.createContext({
      requestId,
      signal: AbortSignal.timeout(options.requestBudgetMs),
      principal,
      ...(record === undefined ? {} : { recorder: record }),
    });

    /** Keeps the answer's bytes when its record allows (KeptAnswers decides). */
    const keep = (status: number, answerHeaders: Array<[string, string]>, answer: string) => {
      if (record !== undefined && keptKey !== undefined && generation !== undefined)
        keptAnswers?.set(keptKey, record, generation, {
          status,
          headers: answerHeaders,
          body: answer,
        });
    };

    const known = compiledFor(req, parsedBody);
    const hooks = observers.start(
      context,
      started,
      record,
      known === undefined ? 'apollo' : 'gateway',
    );
    if (known !== undefined) {
      hooks.resolved(known.operation.labels);
      const result = await runCompiled(known.operation, context, known.variables);
      const { errors, status } =
        result.errors === undefined
          ? { errors: undefined, status: undefined }
          : formatExecutionErrors(result.errors, options.formatError, (locations) =>
              relocate(known.operation, locations),
            );
      const answer = `${JSON.stringify({ errors, data: result.data })}\n`;
      res.statusCode = status ?? 200;
      res.setHeader('content-type', known.contentType);
      res.end(answer);
      hooks.answered({ data: result.data, ...(errors ? { errors } : {}) });
      keep(res.statusCode, [['content-type', known.contentType]], answer);
      return;
    }

    const request: HTTPGraphQLRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      headers,
      search: new URL(req.url ?? '/', 'http://gateway').search,
      body: parsedBody,
    };
    const response = await options.apollo
      .executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context })
      .finally(() => observers.forget(context));
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      keep(res.statusCode, [...response.headers], response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  /**
   * The compiled form of a plain POSTed query (no extensions, no batching), with its variables and
   * answer type, when it has one and its variables fit and its codes are within the limit;
   * undefined: Apollo answers (and refuses what is over the limit, codeLimit.ts).
   */
  function compiledFor(
    req: IncomingMessage,
    body: unknown,
  ):
    | { operation: CompiledOperation; variables: Record<string, unknown>; contentType: string }
    | undefined {
    const compiled = options.compiled;
    if (compiled === null || req.method !== 'POST' || !isRecord(body)) return undefined;
    const { query, operationName, variables, extensions } = body;
    if (typeof query !== 'string' || (extensions !== undefined && extensions !== null))
      return undefined;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
      return undefined;
    if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
    const contentType = answerContentType(headerOf(req, 'accept'));
    if (contentType === null) return undefined;
    const operation = compiled.get(query, operationName ?? undefined);
    if (operation === undefined) return undefined;
    const given = variables ?? {};
    if (
      operation.codes(given) > MAX_CODES_PER_OPERATION ||
      !compiled.variablesFit(operation, given)
    )
      return undefined;
    return { operation, variables: given, contentType };
  }

  /** A request refused before execution: counted, and answered with its status and headers. */
  function refuse(res: ServerResponse, started: number, refusal: Refusal): void {
    observers.refused(refusal.code, started);
    if (refusal.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(refusal.retryAfterSeconds));
    if (refusal.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    sendJson(res, refusal.status, {
      errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
    });
  }

  return handle;
}

/** A POSTed JSON body parsed (UTF-8 only); other types pass as text, for Apollo to judge. */
function parseBody(
  req: IncomingMessage,
  headers: HeaderMap,
  text: string,
): { ok: true; body: unknown } | { ok: false; refusal: Refusal } {
  if (req.method !== 'POST' || text.length === 0) return { ok: true, body: undefined };
  const type = headers.get('content-type') ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return { ok: true, body: text };
  const charset = /charset=([^;\s]+)/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return {
      ok: false,
      refusal: {
        status: 415,
        code: 'BAD_REQUEST',
        message: `unsupported charset ${charset}; send UTF-8`,
      },
    };
  }
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      refusal: { status: 400, code: 'BAD_REQUEST', message: 'request body is not valid JSON' },
    };
  }
}
