import { createHmac, timingSafeEqual } from 'node:crypto';

/** Pushes older or newer than this (by their signed timestamp) are refused. */
export const REPLAY_WINDOW_SECONDS = 300;

export type SignatureCheck = { ok: true; signature: string } | { ok: false; reason: string };

/**
 * Checks `X-Signature: t=<unix seconds>,v1=<hex>` where v1 = HMAC-SHA256(secret, `${t}.${body}`)
 * over the raw body bytes, with the timestamp inside the replay window. Compared in constant time.
 */
export function verifySignature(
  header: string | undefined,
  body: Buffer | string,
  secret: string,
  nowSeconds: number,
): SignatureCheck {
  if (header === undefined || header.trim() === '')
    return { ok: false, reason: 'no X-Signature header' };
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || !/^\d{1,12}$/.test(t) || v1 === undefined || !/^[0-9a-f]{64}$/i.test(v1)) {
    return { ok: false, reason: 'X-Signature is not t=<unix seconds>,v1=<64 hex digits>' };
  }
  if (Math.abs(nowSeconds - Number(t)) > REPLAY_WINDOW_SECONDS) {
    return { ok: false, reason: `timestamp outside the ${REPLAY_WINDOW_SECONDS} s window` };
  }
  // Over the raw bytes as received: a body in any encoding verifies.
  const expected = createHmac('sha256', secret).update(`${t}.`, 'utf8').update(body).digest();
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature does not match' };
  return { ok: true, signature: v1.toLowerCase() };
}

/** Signs a push as a system would (the sample systems and tests use it). */
export function signPush(body: string, secret: string, nowSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${nowSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${nowSeconds},v1=${v1}`;
}
