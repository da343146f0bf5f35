import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  applyFaults,
  emptyStats,
  listen,
  noFaults,
  parseJson,
  sendJson,
  setFaults,
  type RunningSample,
} from '../sampleHttp';

export interface SyncReceiverOptions {
  port: number;
  host?: string;
  /** The API key the sender must send (in `X-API-Key`); null: none asked. */
  apiKey: string | null;
  /** The HMAC secret the body must be signed with (`X-Signature: t=…,v1=…`); null: not checked. */
  hmacSecret: string | null;
  /**
   * OAuth 2.0 client credentials: `POST /oauth2/token` (client in HTTP basic auth) issues bearer
   * tokens, and records need one (instead of the API key). Absent: no tokens.
   */
  oauth2?: { clientId: string; clientSecret: string; tokenTtlSeconds: number };
}

/** One record as it arrived. */
export interface ReceivedRecord {
  key: string;
  /** TrangThaiHoSo as sent (null when absent). */
  status: string | null;
  state: string | null;
  source: string | null;
  /** Which arrival of this key it was (1: first; more: a duplicate the key absorbs). */
  arrival: number;
  /** When it arrived (ms since the epoch), for lag figures. */
  receivedAt: number;
}

export interface ReceivedSummary {
  /** Records accepted (duplicates included). */
  total: number;
  /** Distinct idempotency keys accepted. */
  distinct: number;
  /** Accepted records whose key had been accepted before. */
  duplicates: number;
  /** Requests refused for their credentials or signature. */
  rejectedAuth: number;
  /** Accepted arrivals per key. */
  byKey: Record<string, number>;
  /** Per dossier code, every accepted record in the order it arrived. */
  dossiers: Record<string, ReceivedRecord[]>;
}

export interface RunningSyncReceiver extends RunningSample {
  /** Where the sync records go (`SYNC_SINK_URL`). */
  syncUrl: string;
  /** Codes answered 422 (a record the portal refuses: not retried, dead-lettered). */
  rejectedCodes: Set<string>;
  received(): ReceivedSummary;
  reset(): void;
  /** Makes every token issued so far invalid (refused with 401), as a restarted token server. */
  revokeTokens(): void;
}

const SYNC_PATH = '/api/DongBoHoSoMC';

/**
 * The sample receiver of the sync bridge (a portal's sync API, standing in for
 * DongBoHoSoMC): it accepts one national sync record per POST, checks the API key and the HMAC
 * signature, and counts arrivals per `Idempotency-Key` (duplicates counted, not refused) and
 * per dossier in arrival order, so tests can see order and duplicates.
 *
 *   POST /api/DongBoHoSoMC            a record, `Idempotency-Key`, `X-API-Key`, `X-Signature`
 *   POST /oauth2/token                client credentials (with the `oauth2` option): a bearer token
 *   GET  /__sample/received           what arrived (ReceivedSummary)
 *   POST /__sample/received/reset     forget it
 *   POST /__sample/faults             {"failNext": 3, "retryAfterSeconds": 1} · {"hang": true} ·
 *                                     {"delayMs": 500} · {"rejectCodes": ["…"]} (422 for those)
 *   GET  /__sample/stats              call counters
 *
 * Its logs would hold codes and counts only; it logs nothing.
 */
export async function startSyncReceiver(
  options: SyncReceiverOptions,
): Promise<RunningSyncReceiver> {
  const stats = emptyStats();
  const faults = noFaults();
  const rejectedCodes = new Set<string>();
  let byKey = new Map<string, number>();
  let dossiers = new Map<string, ReceivedRecord[]>();
  let total = 0;
  let rejectedAuth = 0;
  const tokens = new Map<string, number>();

  const handler = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const pathname = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (pathname === '/__sample/received' && req.method === 'GET')
      return sendJson(res, 200, summary());
    if (pathname === '/__sample/received/reset' && req.method === 'POST') {
      reset();
      return sendJson(res, 200, summary());
    }
    if (pathname === '/__sample/stats') return sendJson(res, 200, stats);
    if (pathname === '/oauth2/token' && req.method === 'POST' && options.oauth2 !== undefined) {
      stats.tokenRequests += 1;
      const client = options.oauth2;
      if (
        !sameClient(req.headers.authorization, client.clientId, client.clientSecret) ||
        !body.includes('grant_type=client_credentials')
      )
        return sendJson(res, 401, { error: 'invalid_client' });
      const token = randomBytes(16).toString('hex');
      tokens.set(token, Date.now() + client.tokenTtlSeconds * 1000);
      return sendJson(res, 200, {
        access_token: token,
        token_type: 'Bearer',
        expires_in: client.tokenTtlSeconds,
      });
    }
    if (pathname === '/__sample/faults' && req.method === 'POST') {
      const request = parseJson(body) as Record<string, unknown> | undefined;
      const { rejectCodes, ...rest } = request ?? {};
      if (rejectCodes !== undefined) {
        if (!Array.isArray(rejectCodes) || !rejectCodes.every((c) => typeof c === 'string'))
          return sendJson(res, 400, { error: 'rejectCodes must be a list of codes' });
        rejectedCodes.clear();
        for (const code of rejectCodes as string[]) rejectedCodes.add(code);
      }
      const problem = setFaults(faults, request === undefined ? undefined : rest);
      if (problem !== null) return sendJson(res, 400, { error: problem });
      return sendJson(res, 200, { ...faults, rejectCodes: [...rejectedCodes] });
    }
    if (pathname !== SYNC_PATH || req.method !== 'POST')
      return sendJson(res, 404, { error: `POST ${SYNC_PATH}` });
    if (await applyFaults(res, faults, stats)) return;
    const refused = checkCredentials(req, body, options) ?? checkToken(req, tokens, options);
    if (refused !== null) {
      rejectedAuth += 1;
      stats.rejectedAuth += 1;
      return sendJson(res, 401, { error: refused });
    }
    const key = header(req, 'idempotency-key');
    const record = parseJson(body) as Record<string, unknown> | undefined;
    const code = typeof record?.MaHoSo === 'string' ? record.MaHoSo : null;
    if (key === null || code === null)
      return sendJson(res, 400, { error: 'a record with MaHoSo and an Idempotency-Key header' });
    if (rejectedCodes.has(code))
      return sendJson(res, 422, { error: 'MaHoSo không hợp lệ', code: 'INVALID_RECORD' });
    const arrival = (byKey.get(key) ?? 0) + 1;
    byKey.set(key, arrival);
    total += 1;
    const list = dossiers.get(code) ?? [];
    list.push({
      key,
      status: typeof record?.TrangThaiHoSo === 'string' ? record.TrangThaiHoSo : null,
      state: header(req, 'x-sync-state'),
      source: header(req, 'x-sync-source'),
      arrival,
      receivedAt: Date.now(),
    });
    dossiers.set(code, list);
    sendJson(res, 200, { result: 'OK', duplicate: arrival > 1 });
  };

  const summary = (): ReceivedSummary => ({
    total,
    distinct: byKey.size,
    duplicates: total - byKey.size,
    rejectedAuth,
    byKey: Object.fromEntries(byKey),
    dossiers: Object.fromEntries(dossiers),
  });
  const reset = () => {
    byKey = new Map();
    dossiers = new Map();
    total = 0;
    rejectedAuth = 0;
  };

  const running = await listen(
    handler,
    options.port,
    stats,
    faults,
    { target: null },
    options.host,
  );
  return {
    ...running,
    syncUrl: `${running.url}${SYNC_PATH}`,
    rejectedCodes,
    received: summary,
    reset,
    revokeTokens: () => tokens.clear(),
  };
}

function checkToken(
  req: IncomingMessage,
  tokens: ReadonlyMap<string, number>,
  options: SyncReceiverOptions,
): string | null {
  if (options.oauth2 === undefined) return null;
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const expires = token === undefined ? undefined : tokens.get(token);
  return expires !== undefined && expires > Date.now()
    ? null
    : 'missing, unknown or expired bearer token';
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The reason the request's credentials are refused, or null. Written here, not imported. */
function checkCredentials(
  req: IncomingMessage,
  body: string,
  options: SyncReceiverOptions,
): string | null {
  if (options.apiKey !== null && header(req, 'x-api-key') !== options.apiKey)
    return 'missing or wrong X-API-Key';
  if (options.hmacSecret === null) return null;
  const signature = header(req, 'x-signature') ?? '';
  const parts = new Map(
    signature.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t') ?? '';
  const v1 = parts.get('v1') ?? '';
  if (!/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(v1)) return 'missing X-Signature t=…,v1=…';
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return 'X-Signature timestamp too old';
  const expected = createHmac('sha256', options.hmacSecret).update(`${t}.${body}`, 'utf8').digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? null
    : 'X-Signature does not match the body';
}

/** HTTP basic client authentication, id and secret form-urlencoded first (RFC 6749 §2.3.1). */
function sameClient(header: string | undefined, clientId: string, clientSecret: string): boolean {
  const encoded = /^Basic (\S+)$/.exec(header ?? '')?.[1];
  if (encoded === undefined) return false;
  const pair = Buffer.from(encoded, 'base64').toString('utf8');
  const at = pair.indexOf(':');
  const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    return decode(pair.slice(0, at)) === clientId && decode(pair.slice(at + 1)) === clientSecret;
  } catch {
    return false;
  }
}
