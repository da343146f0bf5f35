import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { ConnectorError } from '../../connectors/ConnectorError';
import { errorForStatus, parseJsonBody } from '../../connectors/shared/http';
import { untilAborted } from './abortable';

/** One credential the gateway presents to an upstream system (an entry of `upstream.auth`). */
export const upstreamCredentialSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('apiKey'),
    /** Header carrying the key. Default `X-API-Key`. Ignored when `queryParam` is set. */
    header: z.string().min(1).default('X-API-Key'),
    /** Send the key as this query parameter instead of a header. */
    queryParam: z.string().min(1).optional(),
    value: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('basic'),
    username: z.string().min(1),
    password: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('bearer'),
    /** A static token, sent as `Authorization: Bearer <token>`. */
    token: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('oauth2ClientCredentials'),
    /** Absolute token endpoint (often the provincial integration platform, LGSP). */
    tokenUrl: z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' }),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scope: z.string().optional(),
    /** How the client authenticates to the token endpoint. Default `basic` (RFC 6749 §2.3.1). */
    clientAuthentication: z.enum(['basic', 'body']).default('basic'),
    /** A token is renewed this long before it expires. Default 30 s. */
    renewBeforeExpirySeconds: z.number().int().min(0).max(3600).default(30),
  }),
]);

export type UpstreamCredential = z.output<typeof upstreamCredentialSchema>;
type OAuth2 = Extract<UpstreamCredential, { type: 'oauth2ClientCredentials' }>;

/** Credential types that write the `Authorization` header: at most one per system. */
const AUTHORIZATION_TYPES = new Set(['basic', 'bearer', 'oauth2ClientCredentials']);

/** The header (lower case) or query parameter one credential writes; null for `none`. */
function written(credential: UpstreamCredential): { header: string } | { param: string } | null {
  switch (credential.type) {
    case 'none':
      return null;
    case 'apiKey':
      return credential.queryParam === undefined
        ? { header: credential.header.toLowerCase() }
        : { param: credential.queryParam };
    default:
      return { header: 'authorization' };
  }
}

/**
 * Several credentials, all applied to every call: each writes its own header or query parameter
 * (an API key in the query string and a client id header, say); at most one of basic, bearer and
 * OAuth 2.0, since they all write `Authorization`.
 */
const credentialListSchema = z
  .array(upstreamCredentialSchema)
  .min(1, 'at least one credential (or leave upstream.auth out)')
  .max(8, 'at most 8 credentials')
  .superRefine((list, ctx) => {
    const authorization = list.findIndex((c) => AUTHORIZATION_TYPES.has(c.type));
    const writers = new Map<string, number>();
    list.forEach((credential, index) => {
      if (credential.type === 'none') {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'type'],
          message: 'none means no credentials: leave it out of a list',
        });
        return;
      }
      if (AUTHORIZATION_TYPES.has(credential.type) && index !== authorization) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'type'],
          message: `at most one of basic, bearer and oauth2ClientCredentials per system (they all write the Authorization header; [${authorization}] is ${list[authorization]?.type})`,
        });
        return;
      }
      const target = written(credential);
      if (target === null) return;
      const key =
        'header' in target ? `header ${target.header}` : `query parameter ${target.param}`;
      const first = writers.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `writes the ${key}, as [${first}] does: two credentials cannot write the same ${'header' in target ? 'header' : 'query parameter'}`,
        });
      } else writers.set(key, index);
    });
  });

/**
 * How the gateway authenticates to one upstream system (registration `upstream.auth`): one
 * credential, or a list of them all applied to every call. Problems are reported at the field
 * of the form given (`upstream.auth.value`, `upstream.auth[1].header`).
 */
export const upstreamAuthSchema = z
  .unknown()
  .transform((value, ctx): UpstreamCredential | UpstreamCredential[] => {
    const parsed = Array.isArray(value)
      ? credentialListSchema.safeParse(value)
      : upstreamCredentialSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });

export type UpstreamAuth = UpstreamCredential | UpstreamCredential[];

/** The credentials of `upstream.auth`, as a list (one credential is a list of one). */
export function credentialList(auth: UpstreamAuth): UpstreamCredential[] {
  return Array.isArray(auth) ? auth : [auth];
}

function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** Applies credentials to outgoing requests and, for tokens, renews them. */
export interface Authenticator {
  /** Headers and query parameters to add to one request. */
  credentials(
    signal?: AbortSignal,
  ): Promise<{ headers: Record<string, string>; params: Record<string, string> }>;
  /**
   * Called when the upstream answered 401 to credentials obtained from `credentials()`. Returns
   * true when fresh credentials exist and the request is worth one more try.
   */
  refused(headers: Record<string, string>): boolean;
  /**
   * The secret values these credentials send (keys, passwords, tokens, as sent), for redaction
   * from messages and captures: a key in a query string or echoed by a system must not show.
   * Asked each time a text is redacted: an OAuth 2.0 token in use (and the last few it replaced,
   * which a late answer may still quote) changes as tokens are renewed.
   */
  secrets(): string[];
}

export function createAuthenticator(
  auth: UpstreamAuth,
  tokenHttp: AxiosInstance,
  now: () => number,
): Authenticator {
  if (!Array.isArray(auth)) return createOne(auth, tokenHttp, now);
  const all = auth.map((credential) => createOne(credential, tokenHttp, now));
  return {
    async credentials(signal) {
      const each = await Promise.all(all.map((one) => one.credentials(signal)));
      return {
        headers: Object.assign({}, ...each.map((one) => one.headers)) as Record<string, string>,
        params: Object.assign({}, ...each.map((one) => one.params)) as Record<string, string>,
      };
    },
    // Every credential hears of the refusal (a token drops itself); one fresh one is worth a try.
    refused: (headers) => all.map((one) => one.refused(headers)).includes(true),
    secrets: () => all.flatMap((one) => one.secrets()),
  };
}

function createOne(
  auth: UpstreamCredential,
  tokenHttp: AxiosInstance,
  now: () => number,
): Authenticator {
  switch (auth.type) {
    case 'none':
      return staticCredentials({}, {}, []);
    case 'apiKey':
      return auth.queryParam === undefined
        ? staticCredentials({ [auth.header]: auth.value }, {}, [auth.value])
        : staticCredentials({}, { [auth.queryParam]: auth.value }, [auth.value]);
    case 'basic': {
      const token = basicToken(auth.username, auth.password);
      return staticCredentials({ Authorization: `Basic ${token}` }, {}, [auth.password, token]);
    }
    case 'bearer':
      return staticCredentials({ Authorization: `Bearer ${auth.token}` }, {}, [auth.token]);
    case 'oauth2ClientCredentials':
      return new ClientCredentials(auth, tokenHttp, now);
    default: {
      const unknown: never = auth;
      throw new TypeError(`Unknown auth type ${JSON.stringify(unknown)}`);
    }
  }
}

function staticCredentials(
  headers: Record<string, string>,
  params: Record<string, string>,
  secrets: string[],
): Authenticator {
  return {
    credentials: async () => ({ headers, params }),
    refused: () => false,
    secrets: () => secrets,
  };
}

/** How many replaced tokens are still redacted. */
const EARLIER_TOKENS = 4;

interface Token {
  value: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) against the registration's token endpoint, through
 * the gateway's guarded HTTP settings. One token fetch at a time; a token refused with 401 is
 * dropped once, so a batch whose token expired mid-way fetches one new token, not one per request.
 */
class ClientCredentials implements Authenticator {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  /** Tokens dropped or renewed, newest first: an answer still in flight may quote one. */
  private readonly earlier: string[] = [];

  constructor(
    private readonly auth: OAuth2,
    private readonly http: AxiosInstance,
    private readonly now: () => number,
  ) {}

  async credentials(signal?: AbortSignal) {
    // The token fetch is shared by every waiting call, so it never runs on one caller's signal:
    // each caller stops waiting when its own budget ends, the fetch goes on for the others.
    const current = this.current();
    const token =
      signal === undefined
        ? await current
        : await untilAborted(current, signal, () => {
            throw budgetSpent();
          });
    return { headers: { Authorization: `Bearer ${token.value}` }, params: {} };
  }

  refused(headers: Record<string, string>): boolean {
    const refusedValue = headers.Authorization?.replace(/^Bearer /, '');
    // Only the first 401 for a token drops it; later ones find a newer token already in place.
    if (this.token !== undefined && this.token.value === refusedValue) this.retire();
    return true;
  }

  secrets(): string[] {
    return this.token === undefined
      ? [this.auth.clientSecret, ...this.earlier]
      : [this.auth.clientSecret, this.token.value, ...this.earlier];
  }

  /** Drops the token in use, remembered among the last EARLIER_TOKENS for redaction. */
  private retire(): void {
    if (this.token === undefined) return;
    this.earlier.unshift(this.token.value);
    this.earlier.splice(EARLIER_TOKENS);
    this.token = undefined;
  }

  private current(): Promise<Token> {
    // Renew ahead of expiry, but never more than half a lifetime ahead: a token that lives less
    // than the margin would otherwise be renewed on every call.
    const renewAt = (token: Token) =>
      token.expiresAt -
      Math.min(this.auth.renewBeforeExpirySeconds * 1000, (token.expiresAt - token.issuedAt) / 2);
    if (this.token !== undefined && this.now() < renewAt(this.token)) {
      return Promise.resolve(this.token);
    }
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(): Promise<Token> {
    const what = 'token request';
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.auth.scope !== undefined) form.set('scope', this.auth.scope);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (this.auth.clientAuthentication === 'basic') {
      const pair = `${encodeURIComponent(this.auth.clientId)}:${encodeURIComponent(this.auth.clientSecret)}`;
      headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', this.auth.clientId);
      form.set('client_secret', this.auth.clientSecret);
    }
    const response = await this.http.post<string>(this.auth.tokenUrl, form.toString(), {
      headers,
      signal: AbortSignal.timeout(this.http.defaults.timeout ?? 3000),
    });
    const failed = errorForStatus(response, what);
    if (failed !== null) {
      // RFC 6749 §5.2: a refused client is 400 invalid_client or 401.
      throw response.status === 400
        ? new ConnectorError('UPSTREAM_AUTH_FAILED', `${what}: token endpoint answered HTTP 400`)
        : failed;
    }
    const body = parseJsonBody(response, what) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new ConnectorError('UPSTREAM_BAD_RESPONSE', `${what}: the answer has no access_token`);
    }
    const lifetime = Number(body.expires_in ?? 300);
    const issuedAt = this.now();
    const token = {
      value: body.access_token,
      issuedAt,
      expiresAt: issuedAt + (Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 300) * 1000,
    };
    this.retire();
    this.token = token;
    return token;
  }
}

function budgetSpent(): ConnectorError {
  return new ConnectorError(
    'UPSTREAM_TIMEOUT',
    "token request: the request's time budget ran out while waiting for a token",
  );
}
