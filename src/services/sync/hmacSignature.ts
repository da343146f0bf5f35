import { createHmac } from 'node:crypto';

/** The header the sink's signature goes in (the same scheme as status pushes to the gateway). */
export const SIGNATURE_HEADER = 'X-Signature';

/**
 * `t=<unix seconds>,v1=<hex>`, v1 = HMAC-SHA256(secret, `<t>.<body>`) over the body's UTF-8
 * bytes: the scheme systems use to push to the gateway (src/services/push/verifySignature.ts), so
 * a receiver checks the timestamp's window (5 minutes) and the signature in constant time.
 */
export function hmacSignature(secret: string, body: string, nowSeconds: number): string {
  const t = Math.floor(nowSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}
