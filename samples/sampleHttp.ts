import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { VIETNAM, type SampleDataset } from './generator/SampleDataset';

/** Faults a test can switch on in a running sample system (real HTTP answers, not mocks). */
export interface SampleFaults {
  /** Delay every API answer by this long. */
  delayMs: number;
  /** Answer API calls with this HTTP status and an HTML error page (e.g. 503 from a proxy). */
  htmlErrorStatus: number | null;
  /** Answer 200 with an HTML page instead of JSON (a misconfigured portal page). */
  htmlInsteadOfJson: boolean;
  /** Codes whose records are sent broken (no status, no code). */
  brokenCodes: Set<string>;
  /**
   * Codes that make a bulk search refuse the whole call (HTTP 400 with the system's error body),
   * as systems that check every code before answering do. The provincial REST system only.
   */
  refusedCodes: Set<string>;
  /** The next this-many API calls answer 503 (a burst), with `retryAfterSeconds` if set. */
  failNext: number;
  retryAfterSeconds: number | null;
  /** Hold every API call without answering (a hung system), until turned off or closed. */
  hang: boolean;
  /** Reset the connection of the next this-many API calls. */
  resetNext: number;
  /** The next this-many API calls send half an answer, then close the connection. */
  truncateNext: number;
  /**
   * The next this-many API calls fail inside the system: HTTP 500 with the system's own error body
   * (a SOAP Server fault for the land system, a JSON error otherwise).
   */
  serverErrorNext: number;
  /**
   * Listings answer this unit's dossiers whatever agency is asked (a system whose listing has no
   * agency parameter). The provincial REST system only.
   */
  listingAnswersFor: string | null;
  /**
   * A single lookup of a code the system does not hold answers 200 with an error body
   * (`{"status": "ERROR", "message": "Hồ sơ không tồn tại"}`) instead of 404, as some systems do.
   * The provincial REST system only.
   */
  unknownAsError: boolean;
  /**
   * A bulk search answers at most this many records, silently dropping the rest (a system whose
   * real limit is below the one it documents). The provincial REST system only.
   */
  bulkAnswersAtMost: number | null;
}

export function noFaults(): SampleFaults {
  return {
    delayMs: 0,
    htmlErrorStatus: null,
    htmlInsteadOfJson: false,
    brokenCodes: new Set(),
    refusedCodes: new Set(),
    failNext: 0,
    retryAfterSeconds: null,
    hang: false,
    resetNext: 0,
    truncateNext: 0,
    serverErrorNext: 0,
    listingAnswersFor: null,
    unknownAsError: false,
    bulkAnswersAtMost: null,
  };
}

/** Call counters, read by tests and benchmarks to count upstream calls. */
export interface SampleStats {
  bulkCalls: number;
  singleCalls: number;
  codesRequested: number;
  tokenRequests: number;
  rejectedAuth: number;
  /** Catalogue pages served. */
  cataloguePages: number;
  /** Listing pages served (dossiers by agency and date received). */
  listPages: number;
  /** Pages of dossiers changed since an instant served (the provincial system's). */
  changedSincePages: number;
  /** Every API call received, answered or failed by a fault (retries show here). */
  attempts: number;
  /**
   * Those of them whose X-Request-Id starts with `changes-`: the gateway's change polls
   * (docs/changes.md), told apart from lookups as the system's own logs would tell them.
   */
  pollAttempts: number;
  /** The X-Request-Id headers of the last 50 API calls (the gateway passes its request id on). */
  requestIds: string[];
  /**
   * When the first API call since the counters were reset arrived and the last one was answered
   * (ms since the epoch, fractional): the system's own time for a batch, against which the bench
   * measures the gateway's overhead.
   */
  busyFrom: number | null;
  busyUntil: number | null;
}

export function emptyStats(): SampleStats {
  return {
    bulkCalls: 0,
    singleCalls: 0,
    codesRequested: 0,
    tokenRequests: 0,
    rejectedAuth: 0,
    cataloguePages: 0,
    listPages: 0,
    changedSincePages: 0,
    attempts: 0,
    pollAttempts: 0,
    requestIds: [],
    busyFrom: null,
    busyUntil: null,
  };
}

export interface RunningSample {
  url: string;
  server: Server;
  stats: SampleStats;
  faults: SampleFaults;
  /** Where status changes are pushed; set by `SampleSystems.connectGateway`. */
  push: { target: PushTarget | null };
  close(): Promise<void>;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => Promise<void> | void;

/** Starts a node:http server on loopback; port 0 picks a free one. */
export async function listen(
  handler: Handler,
  port: number,
  stats: SampleStats,
  faults: SampleFaults,
  push: { target: PushTarget | null } = { target: null },
  /** Where to listen: loopback unless told (a container listens on 0.0.0.0). */
  host = '127.0.0.1',
): Promise<RunningSample> {
  const server = createServer((req, res) => {
    if (!(req.url ?? '').startsWith('/__sample/')) {
      const arrived = performance.timeOrigin + performance.now();
      if (stats.busyFrom === null || arrived < stats.busyFrom) stats.busyFrom = arrived;
      res.once('finish', () => {
        const answered = performance.timeOrigin + performance.now();
        if (stats.busyUntil === null || answered > stats.busyUntil) stats.busyUntil = answered;
      });
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks).toString('utf8'))).catch(
        (error: unknown) => {
          sendJson(res, 500, { error: 'sample system failure', detail: String(error) });
        },
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`,
    server,
    stats,
    faults,
    push,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, title: string): void {
  const text = `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(text);
}

/** Applies delay and HTML faults; returns true when the answer was already sent. */
export async function applyFaults(
  res: ServerResponse,
  faults: SampleFaults,
  stats: SampleStats,
  serverError: (res: ServerResponse) => void = (r) =>
    sendJson(r, 500, { error: 'INTERNAL_ERROR', message: 'Lỗi hệ thống, vui lòng thử lại sau' }),
): Promise<boolean> {
  stats.attempts += 1;
  const requestId = res.req?.headers['x-request-id'];
  if (typeof requestId === 'string') {
    if (requestId.startsWith('changes-')) stats.pollAttempts += 1;
    stats.requestIds.push(requestId);
    if (stats.requestIds.length > 50) stats.requestIds.shift();
  }
  if (faults.hang) {
    // Never answers: the connection stays open until the caller gives up or the server closes.
    await new Promise<void>((resolve) => res.once('close', () => resolve()));
    return true;
  }
  if (faults.resetNext > 0) {
    faults.resetNext -= 1;
    res.socket?.resetAndDestroy();
    return true;
  }
  if (faults.truncateNext > 0) {
    faults.truncateNext -= 1;
    // Declares 4 KiB, sends a few bytes of JSON, and hangs up (a proxy or process dying mid-answer).
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 4096 });
    res.write('{"total": 1, "data": [{"dossierNo": "');
    setTimeout(() => res.socket?.destroy(), 20);
    return true;
  }
  if (faults.serverErrorNext > 0) {
    faults.serverErrorNext -= 1;
    serverError(res);
    return true;
  }
  if (faults.failNext > 0) {
    faults.failNext -= 1;
    if (faults.retryAfterSeconds !== null)
      res.setHeader('Retry-After', String(faults.retryAfterSeconds));
    sendHtml(res, 503, '503 Service Temporarily Unavailable');
    return true;
  }
  if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
  if (faults.htmlErrorStatus !== null) {
    sendHtml(res, faults.htmlErrorStatus, `${faults.htmlErrorStatus} Service Unavailable`);
    return true;
  }
  if (faults.htmlInsteadOfJson) {
    sendHtml(res, 200, 'Cổng dịch vụ công - Trang chủ');
    return true;
  }
  return false;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Where a sample system sends its status pushes: the gateway's hook for its registration. */
export interface PushTarget {
  url: string;
  secret: string;
}

export interface PushOutcome {
  status: number;
  body: unknown;
}

/**
 * Sends a status push as a provincial system would: the JSON body, signed with HMAC-SHA256 over
 * `<unix seconds>.<body>` in `X-Signature: t=…,v1=…`. Written here, not imported from the gateway:
 * the sample systems stand for other people's software.
 */
export async function sendPush(target: PushTarget, payload: unknown): Promise<PushOutcome> {
  const body = JSON.stringify(payload);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', target.secret).update(`${t}.${body}`, 'utf8').digest('hex');
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Signature': `t=${t},v1=${v1}` },
      body,
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return { status: response.status, body: parseJson(text) ?? text };
  } catch (error) {
    return { status: 0, body: { error: `push not delivered: ${(error as Error).message}` } };
  }
}

export interface SampleControl {
  stats: SampleStats;
  faults: SampleFaults;
  dataset: SampleDataset;
  /**
   * The push body announcing a changed dossier, in this system's format; null: it never pushes.
   * Each push also carries a unique `eventId`, so that two pushes are never the same bytes.
   */
  pushBody: ((code: string) => unknown) | null;
  /** Set by `connectGateway`; null until then (changes are then seen when caches expire). */
  push: { target: PushTarget | null };
}

/**
 * The sample systems' control routes, for tests and the walk-through in docs/resilience.md (loopback only, no
 * authentication: they stand for an official's screen, not for the system's API):
 *
 *   GET  /__sample/stats[?reset=1]              call counters (and start afresh)
 *   POST /__sample/faults                       {"hang": true, "delayMs": 500, …} → switches faults
 *   POST /__sample/dossiers/{code}/status       {"status": 1-10} → changes it and pushes it
 *
 * Returns false when the path is not a control route.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  pathname: string,
  control: SampleControl,
): Promise<boolean> {
  if (pathname === '/__sample/stats') {
    sendJson(res, 200, control.stats);
    // `?reset=1`: read and start counting afresh (a benchmark's batch at a time).
    if (new URL(req.url ?? '/', 'http://sample').searchParams.get('reset') === '1')
      Object.assign(control.stats, emptyStats());
    return true;
  }
  if (pathname === '/__sample/faults') {
    const problem = setFaults(control.faults, parseJson(body));
    if (problem !== null) sendJson(res, 400, { error: problem });
    else
      sendJson(res, 200, {
        ...control.faults,
        brokenCodes: [...control.faults.brokenCodes],
        refusedCodes: [...control.faults.refusedCodes],
      });
    return true;
  }
  const change = /^\/__sample\/dossiers\/([^/]+)\/status$/.exec(pathname);
  if (change === null) return false;
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'POST {"status": 1-10}' });
    return true;
  }
  const code = decodeURIComponent(change[1] as string);
  const status = (parseJson(body) as { status?: unknown } | undefined)?.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 1 || status > 10) {
    sendJson(res, 400, { error: 'body must be {"status": <national status 1-10>}' });
    return true;
  }
  if (!control.dataset.setStatus(code, status, DateTime.now().setZone(VIETNAM))) {
    sendJson(res, 404, { error: `no dossier ${code} in this system` });
    return true;
  }
  const target = control.push.target;
  const pushed =
    control.pushBody === null
      ? {
          status: null,
          body: 'this system does not push; the gateway finds the change when it polls (changes: in its registration)',
        }
      : target === null
        ? { status: null, body: 'no gateway connected (SAMPLE_GATEWAY_URL)' }
        : await sendPush(target, { ...(control.pushBody(code) as object), eventId: randomUUID() });
  sendJson(res, 200, { code, status, pushed });
  return true;
}

/** Applies `{"hang": true, …}` to running faults; the reason when the request is not one. */
export function setFaults(faults: SampleFaults, request: unknown): string | null {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return 'body must be a JSON object of faults, e.g. {"hang": true}';
  const defaults = noFaults();
  for (const [name, value] of Object.entries(request)) {
    if (!(name in defaults)) return `unknown fault ${JSON.stringify(name)}`;
    const key = name as keyof SampleFaults;
    if (key === 'brokenCodes' || key === 'refusedCodes') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        return `${key} must be a list of codes`;
      faults[key] = new Set(value as string[]);
    } else if (
      typeof value === typeof defaults[key] ||
      (value === null && key.endsWith('Status'))
    ) {
      (faults as unknown as Record<string, unknown>)[key] = value;
    } else if (typeof value === 'number' && defaults[key] === null) {
      (faults as unknown as Record<string, unknown>)[key] = value;
    } else
      return `${name} must be ${defaults[key] === null ? 'a number or null' : typeof defaults[key]}`;
  }
  return null;
}
