import { createHash, randomBytes } from 'node:crypto';
import Mustache from 'mustache';

export type SoapVersion = '1.1' | '1.2';

const ENVELOPE_NS: Record<SoapVersion, string> = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const TOKEN_PROFILE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
const BASE64 =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export interface UsernameToken {
  username: string;
  password: string;
  passwordType: 'PasswordText' | 'PasswordDigest';
}

/** XML text escaping for template values and header fields. */
export function escapeXml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Renders an operation's Body template; every value is XML-escaped. */
export function renderBody(template: string, view: Record<string, unknown>): string {
  return Mustache.render(template, view, {}, { escape: escapeXml });
}

/**
 * A SOAP envelope around a rendered Body, with a WS-Security UsernameToken header when configured
 * (OASIS Web Services Security Username Token Profile 1.0). The token is a few elements and one
 * SHA-1; it is written here rather than pulled in with a whole SOAP client, which would bring its
 * own HTTP stack past the gateway's guarded client.
 */
export function buildEnvelope(
  version: SoapVersion,
  body: string,
  token: UsernameToken | undefined,
  now: Date,
): string {
  const header =
    token === undefined ? '' : `<soap:Header>${usernameToken(token, now)}</soap:Header>`;
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ENVELOPE_NS[version]}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

function usernameToken(token: UsernameToken, now: Date): string {
  const nonce = randomBytes(16);
  const created = now.toISOString();
  const password =
    token.passwordType === 'PasswordDigest'
      ? createHash('sha1')
          .update(Buffer.concat([nonce, Buffer.from(created + token.password, 'utf8')]))
          .digest('base64')
      : token.password;
  return (
    `<wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}" soap:mustUnderstand="1">` +
    `<wsse:UsernameToken><wsse:Username>${escapeXml(token.username)}</wsse:Username>` +
    `<wsse:Password Type="${TOKEN_PROFILE}#${token.passwordType}">${escapeXml(password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** Request headers for a SOAP call: 1.1 sends SOAPAction, 1.2 puts the action in the content type. */
export function soapHeaders(version: SoapVersion, action: string): Record<string, string> {
  return version === '1.1'
    ? { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${action}"`, Accept: 'text/xml' }
    : {
        'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"`,
        Accept: 'application/soap+xml',
      };
}
