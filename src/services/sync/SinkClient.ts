import axios, { type AxiosInstance } from 'axios';
import {
  createAuthenticator,
  type Authenticator,
  type UpstreamCredential,
} from '../../runtime/upstreamAuth';
import { idempotencyKey, type DossierChange } from '../changes/DossierChange';
import { answerReason } from './answerReason';
import { hmacSignature, SIGNATURE_HEADER } from './hmacSignature';
import { nationalSyncRecord } from './nationalSyncRecord';

/** Where and how changes are delivered (the `SYNC_SINK_*` settings, secrets read). */
export interface SinkSettings {
  url: string;
  timeoutMs: number;
  /** API key, basic or OAuth 2.0 client credentials (the upstream auth of registrations). */
  auth: UpstreamCredential;
  /** When set, every body is signed: `X-Signature: t=…,v1=…` (hmacSignature.ts). */
  hmacSecret: string | null;
}

/** What became of one attempt. */
export type Verdict =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: string; retryAfterMs: number | null }
  | { kind: 'dead'; reason: string };

/**
 * One POST of one change to the sink: its national sync record as the body, the change's
 * idempotency key and metadata as headers, the sink's credentials. 2xx is delivered; 408, 429,
 * 5xx, a timeout or no answer is retried (with the answer's `Retry-After`); any other status is
 * not (the change is dead at once, with the status and what answerReason.ts keeps of the answer).
 * A change whose record cannot be built throws (the delivery loop dead-letters it).
 */
export class SinkClient {
  private readonly http: AxiosInstance;
  private readonly authenticator: Authenticator;

  constructor(
    private readonly settings: SinkSettings,
    private readonly now: () => number,
  ) {
    this.http = axios.create({
      timeout: settings.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
    });
    this.authenticator = createAuthenticator(
      settings.auth,
      axios.create({
        timeout: settings.timeoutMs,
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
      }),
      now,
    );
  }

  async send(change: DossierChange, signal: AbortSignal): Promise<Verdict> {
    const body = JSON.stringify(nationalSyncRecord(change.dossier));
    for (let attempt = 0; ; attempt += 1) {
      let credentials: { headers: Record<string, string>; params: Record<string, string> };
      try {
        credentials = await this.authenticator.credentials(signal);
      } catch (error) {
        return {
          kind: 'retry',
          reason: `sink credentials: ${(error as Error).message}`,
          retryAfterMs: null,
        };
      }
      const headers: Record<string, string> = {
        'Content-Type': 'application/json; charset=utf-8',
        'Idempotency-Key': idempotencyKey(change),
        'X-Sync-Connector': change.connectorId,
        'X-Sync-Code': change.code,
        'X-Sync-State': change.state,
        'X-Sync-Source': change.source,
        'X-Sync-Detected-At': change.detectedAt,
        ...(change.previousState === null ? {} : { 'X-Sync-Previous-State': change.previousState }),
        ...(change.changedAt === null ? {} : { 'X-Sync-Changed-At': change.changedAt }),
        ...(this.settings.hmacSecret === null
          ? {}
          : {
              [SIGNATURE_HEADER]: hmacSignature(this.settings.hmacSecret, body, this.now() / 1000),
            }),
        ...credentials.headers,
      };
      let response;
      try {
        response = await this.http.post<string>(this.settings.url, body, {
          headers,
          params: credentials.params,
          signal,
        });
      } catch (error) {
        return {
          kind: 'retry',
          reason: failure(error, this.settings.timeoutMs),
          retryAfterMs: null,
        };
      }
      const status = response.status;
      if (status >= 200 && status < 300) return { kind: 'delivered', status };
      // A token refused: one more try with a fresh one (not counted as an attempt).
      if (
        status === 401 &&
        attempt === 0 &&
        this.settings.auth.type === 'oauth2ClientCredentials' &&
        this.authenticator.refused(credentials.headers)
      )
        continue;
      const reason = answerReason(status, response.data);
      if (status === 408 || status === 429 || status >= 500)
        return {
          kind: 'retry',
          reason,
          retryAfterMs: retryAfter(response.headers['retry-after'], this.now()),
        };
      return { kind: 'dead', reason };
    }
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfter(value: unknown, now: number): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function failure(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT')
    return `no answer within ${timeoutMs} ms (timeout)`;
  if (code === 'ERR_CANCELED') return 'cancelled (the partition was given up)';
  return `no answer: ${code ?? (error as Error).message}`;
}
