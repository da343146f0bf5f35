import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Credentials } from '../auth/Authenticator';

/** Reading requests and writing answers on node:http: the edge's small common vocabulary. */

export type Body = { kind: 'ok'; text: string; bytes: Buffer } | { kind: 'tooLarge' };

/** A request's body, up to `limit` bytes (a declared larger one is not read at all). */
export function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve({ kind: 'tooLarge' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve({ kind: 'tooLarge' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      // A small body comes in one chunk: no copy.
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      resolve({ kind: 'ok', text: bytes.toString('utf8'), bytes });
    });
    req.on('error', reject);
  });
}

/** Headers every answer carries: its request id, and no content sniffing. */
export function setCommonHeaders(res: ServerResponse, requestId: string): void {
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** GraphQL answers carry dossiers and personal data: no cache on the way may keep them. */
export function setGraphqlHeaders(res: ServerResponse, requestId: string): void {
  setCommonHeaders(res, requestId);
  res.setHeader('Cache-Control', 'no-store');
}

/** One request header as a string (repeated ones joined, as Apollo's HeaderMap does). */
export function headerOf(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** The credentials an HTTP request carries: X-Api-Key, or Authorization. */
export function credentialsOf(req: IncomingMessage): Credentials {
  const credentials: Credentials = {};
  if (req.headers.authorization !== undefined)
    credentials.authorization = headerOf(req, 'authorization');
  if (req.headers['x-api-key'] !== undefined) credentials.apiKey = headerOf(req, 'x-api-key');
  return credentials;
}

/** Accepts a caller's request id when it is short and plain; otherwise makes one. */
export function incomingRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : randomUUID();
}

/** Whether an Authorization header carries `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
