import { bulkhead, isBulkheadRejectedError, isTaskCancelledError } from 'cockatiel';
import axios, {
  AxiosError,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from 'axios';
import { ConnectorError } from '../../connectors/ConnectorError';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import type { NetworkPolicy } from './NetworkPolicy';
import { RateLimiter } from './RateLimiter';
import { requestScopes } from '../observability/requestScope';
import { redactedError, redactSecrets } from './redactSecrets';
import { createAuthenticator, type UpstreamAuth } from './upstreamAuth';

export interface UpstreamHttpOptions {
  connectorId: string;
  /** Every request stays under this URL (same origin, path below it). */
  baseUrl: string;
  /** Per-call timeout. */
  timeoutMs: number;
  auth: UpstreamAuth;
  /** Largest response body accepted. */
  maxResponseBytes: number;
  /** Charset to read answers in, whatever they declare (for systems that declare it wrongly). */
  charset?: string | undefined;
  /** Requests in flight, queued, and started per second (registration `upstream.resilience`). */
  limits?: { concurrency: number; queue: number; ratePerSecond?: number | undefined };
  /** Which addresses may be reached (SSRF guard), checked at connect time. */
  network: NetworkPolicy;
  now: () => number;
}

interface GuardedConfig extends InternalAxiosRequestConfig {
  authHeaders?: Record<string, string>;
  authRetried?: boolean;
  /** The caller's signal (the request budget), kept apart from this call's own deadline. */
  callerSignal?: AbortSignal;
  /** This call's deadline: `timeoutMs` from sending, however slowly the answer trickles in. */
  deadline?: AbortSignal;
  startedAt?: number;
}

/** The upstream client, and what a connector tells it of credentials refused inside HTTP 200. */
export type UpstreamHttp = AxiosInstance & {
  /**
   * An answer whose status is a success but whose body says the credentials were refused (a
   * registration's `config.errors` rule `authFailed`): as for a 401, a token is dropped, once per
   * request. True when the request (`response.config`) is worth sending once more.
   */
  credentialsRefused(response: AxiosResponse): boolean;
  /**
   * The credentials' secret values now (keys, passwords, the OAuth 2.0 token in use and the last
   * few it replaced), for redaction of what leaves the gateway as text.
   */
  secrets(): string[];
};

/**
 * The HTTP client a connector receives (connectors/contract.ts `ConnectorDeps.http`): bound to the
 * registration's base URL, authenticated, with a timeout, no redirects, no proxy, bodies as text,
 * and transport failures turned into `ConnectorError`s. A 401 on a token is retried once with a
 * fresh token.
 */
export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const defaults: CreateAxiosDefaults = {
    timeout: options.timeoutMs,
    maxRedirects: 0,
    proxy: false,
    validateStatus: () => true,
    // Bytes, decoded here by the charset the answer declares: an old system's Latin-1 body (which
    // may carry TCVN3 or VNI bytes) must not be read as UTF-8, which would lose those bytes.
    responseType: 'arraybuffer',
    transformResponse: [
      (data: unknown, headers?: Record<string, unknown>) =>
        decodeBody(data, String(headers?.['content-type'] ?? ''), options.charset),
    ],
    transitional: { silentJSONParsing: false, forcedJSONParsing: false, clarifyTimeoutError: true },
    maxContentLength: options.maxResponseBytes,
    maxBodyLength: options.maxResponseBytes,
    // Every connection resolves its name through the network policy (IP literals: see below).
    // Connections are kept and reused (a new TCP and TLS handshake per call cost more than the
    // call itself on a fast system); the most recently used first, so idle ones age out.
    // Idle ones are closed after 4 s, before a server's usual 5 s keep-alive would close them
    // under a request (as Node's own global agent does).
    httpAgent: new HttpAgent({
      lookup: options.network.lookup as never,
      keepAlive: true,
      scheduling: 'lifo',
      timeout: 4_000,
    }),
    httpsAgent: new HttpsAgent({
      lookup: options.network.lookup as never,
      keepAlive: true,
      scheduling: 'lifo',
      timeout: 4_000,
    }),
    headers: { Accept: 'application/json, application/xml;q=0.9, */*;q=0.1' },
  };
  const what = `${options.connectorId} upstream`;
  const tokenHttp = axios.create(defaults);
  tokenHttp.interceptors.request.use((config) => {
    refuseLiteral(new URL(String(config.url)), options, 'token endpoint');
    return config;
  });
  tokenHttp.interceptors.response.use(undefined, (error: unknown) =>
    Promise.reject(
      redactedError(
        transportError(error, `${options.connectorId} token endpoint`, options.timeoutMs),
        authenticator.secrets(),
      ),
    ),
  );
  const authenticator = createAuthenticator(options.auth, tokenHttp, options.now);
  /** Secrets out of what leaves this client as text: captures and error messages. */
  const redact = (text: string): string => redactSecrets(text, authenticator.secrets());

  const base = new URL(options.baseUrl);
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const http = axios.create({
    ...defaults,
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    allowAbsoluteUrls: false,
    adapter: limitedAdapter(options.limits),
  });

  const shownBase = withoutCredentials(options.baseUrl);
  http.interceptors.request.use(async (config: GuardedConfig) => {
    const target = new URL(http.getUri(config));
    refuseLiteral(target, options, 'upstream');
    // Decoded, so that an encoded `..%2F` cannot climb out on an upstream that decodes it.
    const segments = target.pathname.split('/').flatMap((part) => safeDecode(part).split(/[\\/]/));
    if (
      typeof config.url !== 'string' ||
      (config.url !== '' && !config.url.startsWith('/')) ||
      target.origin !== base.origin ||
      !`${target.pathname}/`.startsWith(basePath) ||
      segments.some((segment) => segment === '..' || segment === '.')
    ) {
      throw new TypeError(
        `${options.connectorId}: request path ${JSON.stringify(config.url)} leaves the base URL ${shownBase}`,
      );
    }
    // axios' own timeout only fires while the socket is idle; an upstream dripping one byte at a
    // time would hold the call for ever. The deadline below bounds the whole call.
    config.callerSignal ??= (config.signal as AbortSignal | undefined) ?? undefined;
    config.deadline = AbortSignal.timeout(options.timeoutMs);
    config.signal =
      config.callerSignal === undefined
        ? config.deadline
        : AbortSignal.any([config.callerSignal, config.deadline]);
    const { headers, params } = await authenticator.credentials(config.callerSignal);
    config.headers.set(headers);
    config.params = { ...(config.params as Record<string, string> | undefined), ...params };
    config.authHeaders = headers;
    config.startedAt = performance.now();
    return config;
  });

  /** Hands an answer to an inspection under way (the console), as received. */
  const capture = (response: AxiosResponse | undefined): void => {
    if (response === undefined) return;
    const config = response.config as GuardedConfig;
    const sink = requestScopes.captureFor(config.callerSignal);
    if (sink === undefined) return;
    const data: unknown = response.data;
    const text = redact(typeof data === 'string' ? data : JSON.stringify(data ?? null));
    sink({
      connectorId: options.connectorId,
      method: (config.method ?? 'get').toUpperCase(),
      path: redact(config.url === undefined || config.url === '' ? '/' : config.url),
      status: response.status,
      contentType: String(response.headers['content-type'] ?? ''),
      body: text.length > MAX_CAPTURED_CHARS ? `${text.slice(0, MAX_CAPTURED_CHARS)}…` : text,
      durationMs:
        config.startedAt === undefined ? 0 : Math.round(performance.now() - config.startedAt),
    });
  };

  http.interceptors.response.use(
    async (response: AxiosResponse) => {
      capture(response);
      const config = response.config as GuardedConfig;
      if (
        response.status === 401 &&
        config.authRetried !== true &&
        authenticator.refused(config.authHeaders ?? {})
      ) {
        return http.request({ ...config, authRetried: true } as GuardedConfig);
      }
      return response;
    },
    (error: unknown) => {
      if (axios.isAxiosError(error)) capture(error.response);
      return Promise.reject(
        redactedError(transportError(error, what, options.timeoutMs), authenticator.secrets()),
      );
    },
  );
  return Object.assign(http, {
    secrets: () => authenticator.secrets(),
    credentialsRefused: (response: AxiosResponse): boolean => {
      const config = response.config as GuardedConfig;
      if (config.authRetried === true || !authenticator.refused(config.authHeaders ?? {}))
        return false;
      config.authRetried = true;
      return true;
    },
  });
}

/** Most characters of one answer kept for an inspection. */
const MAX_CAPTURED_CHARS = 256 * 1024;

/**
 * An answer's bytes as text, by the charset it declares in Content-Type or, for XML, in its
 * declaration; UTF-8 when it declares none. `iso-8859-1` is read as windows-1252, as browsers do.
 */
export function decodeBody(data: unknown, contentType: string, override?: string): unknown {
  if (!Buffer.isBuffer(data) && !(data instanceof ArrayBuffer)) return data;
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const declared =
    override ??
    /charset="?([\w.:-]+)"?/i.exec(contentType)?.[1] ??
    /^\s*<\?xml[^>]*encoding=["']([\w.:-]+)["']/i.exec(
      bytes.subarray(0, 200).toString('latin1'),
    )?.[1] ??
    'utf-8';
  try {
    return new TextDecoder(declared).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** A URL as it may appear in messages and logs: user and password removed. */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_BAD_RESPONSE',
]);

/**
 * Axios' own HTTP adapter behind the system's limits: at most `concurrency` requests in flight
 * (cockatiel's bulkhead, with a bounded queue) and, when set, at most `ratePerSecond` started —
 * protecting a fragile provincial server from the gateway's own traffic.
 */
function limitedAdapter(limits: UpstreamHttpOptions['limits']): AxiosAdapter | undefined {
  if (limits === undefined) return undefined;
  const send = axios.getAdapter('http');
  const slots = bulkhead(limits.concurrency, limits.queue);
  const rate =
    limits.ratePerSecond === undefined ? undefined : new RateLimiter(limits.ratePerSecond);
  return (config) =>
    slots.execute(
      async () => {
        await rate?.wait(config.signal as AbortSignal | undefined);
        return send(config);
      },
      config.signal as AbortSignal | undefined,
    );
}

/** A transport failure as the typed error of connectors/ConnectorError.ts. */
export function transportError(error: unknown, what: string, timeoutMs?: number): unknown {
  const within =
    timeoutMs === undefined ? "the call's timeout" : `${timeoutMs} ms (upstream.timeoutMs)`;
  if (isBulkheadRejectedError(error)) {
    return new ConnectorError(
      'UPSTREAM_UNAVAILABLE',
      `${what}: too many requests already waiting for this system`,
      { cause: error },
    );
  }
  // The budget ran out while the request waited for a slot (bulkhead queue or rate limit).
  const name = (error as { name?: unknown } | null)?.name;
  if (isTaskCancelledError(error) || name === 'AbortError' || name === 'TimeoutError') {
    return new ConnectorError(
      'UPSTREAM_TIMEOUT',
      `${what}: the request's time budget ran out while waiting for a slot`,
      { cause: error },
    );
  }
  if (error instanceof ConnectorError || !(error instanceof AxiosError)) return error;
  const code = error.code ?? '';
  if (code === 'EUPSTREAMBLOCKED') {
    // The network policy refused the address at connect time: retrying cannot help.
    return new ConnectorError('UPSTREAM_UNAVAILABLE', `${what}: ${error.message}`, {
      cause: error,
      retryable: false,
    });
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new ConnectorError('UPSTREAM_TIMEOUT', `${what}: no answer within ${within}`, {
      cause: error,
    });
  }
  if (code === 'ERR_CANCELED') {
    const ownDeadline = (error.config as GuardedConfig | undefined)?.deadline?.aborted === true;
    return new ConnectorError(
      'UPSTREAM_TIMEOUT',
      ownDeadline
        ? `${what}: no complete answer within ${within}`
        : `${what}: the request's time budget ran out`,
      { cause: error },
    );
  }
  if (code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED' || /maxContentLength/.test(error.message)) {
    return new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: the answer is larger than allowed`,
      {
        cause: error,
      },
    );
  }
  if (UNAVAILABLE_CODES.has(code) || /socket hang up|aborted|premature/i.test(error.message)) {
    return new ConnectorError('UPSTREAM_UNAVAILABLE', `${what}: ${code || error.message}`, {
      cause: error,
    });
  }
  return new ConnectorError('UPSTREAM_UNAVAILABLE', `${what}: ${code || 'transport failure'}`, {
    cause: error,
  });
}

/** A literal address is connected to without a lookup, so the policy is applied here. */
function refuseLiteral(target: URL, options: UpstreamHttpOptions, what: string): void {
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  const refused = isIP(literal) === 0 ? null : options.network.refuse(literal, literal);
  if (refused !== null) {
    throw new ConnectorError(
      'UPSTREAM_UNAVAILABLE',
      `${options.connectorId} ${what} refused by the network policy: ${refused}`,
      { retryable: false },
    );
  }
}
