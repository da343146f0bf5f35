import type { AuthResult, Credentials } from '../auth/Authenticator';
import type { Principal } from '../auth/Principal';
import type { Role } from '../auth/roles';
import type { ErrorCode } from '../errors/ErrorCode';
import type { PersistedOperations } from './persistedOperations';
import type { PrincipalRateLimiter, RateDecision } from './PrincipalRateLimiter';

/** Why a request goes no further, in HTTP and GraphQL terms. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number;
  /** The credentials were refused (HTTP: `WWW-Authenticate`; WebSocket: the connection closes). */
  credentialsRefused?: boolean;
}

export type Admission = { ok: true; principal: Principal | null } | { ok: false; refusal: Refusal };

export type OperationCheck =
  { ok: true; query: string | undefined } | { ok: false; refusal: Refusal };

export interface RequestGateOptions {
  /** Who is calling (a key checked a moment ago answered at once, without a promise). */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult>;
  /** Requests per second per principal; none: unlimited. */
  rateLimiter?: PrincipalRateLimiter;
  /** The allow-list of operations, and the roles that may run nothing else. */
  persisted?: { operations: PersistedOperations; onlyRoles: ReadonlySet<Role> };
}

/**
 * What every request passes before anything runs, over HTTP and WebSocket alike: its credentials,
 * its caller's rate, and — for callers held to it — the allow-list of operations. Written once
 * here; the HTTP handler and the subscription server only say how a refusal is sent.
 *
 * Decisions that need no I/O (a key checked a moment ago, a caller holding a lease) come back
 * without a promise, so a kept answer is sent without the request ever suspending.
 */
export class RequestGate {
  constructor(private readonly options: RequestGateOptions) {}

  /** Credentials, then the caller's rate: what a request (or a new subscription) must pass. */
  admit(credentials: Credentials, address: string): Admission | Promise<Admission> {
    const auth = this.options.authenticate(credentials);
    return auth instanceof Promise
      ? auth.then((result) => this.afterCredentials(result, address, true))
      : this.afterCredentials(auth, address, true);
  }

  /** Credentials only: a WebSocket connecting is not yet a request. */
  identify(credentials: Credentials, address: string): Admission | Promise<Admission> {
    const auth = this.options.authenticate(credentials);
    return auth instanceof Promise
      ? auth.then((result) => this.afterCredentials(result, address, false))
      : this.afterCredentials(auth, address, false);
  }

  /**
   * The document a request stands for: its query text, or, when it sent none, the document of a
   * known `persistedQuery.sha256Hash`; undefined when neither (each transport answers that in its
   * own way).
   */
  document(query: unknown, extensions: unknown): string | undefined {
    if (typeof query === 'string') return query;
    const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined | null)
      ?.persistedQuery?.sha256Hash;
    return typeof hash === 'string' ? this.options.persisted?.operations.document(hash) : undefined;
  }

  /** A caller whose role is held to the allow-list runs only what is on it. */
  allowed(principal: Principal | null, document: string | undefined): Refusal | null {
    const persisted = this.options.persisted;
    if (principal === null || persisted === undefined || !persisted.onlyRoles.has(principal.role))
      return null;
    if (document === undefined)
      return {
        status: 403,
        code: 'FORBIDDEN',
        message: `role ${principal.role} may run persisted operations only: POST a known operation or its sha256Hash`,
      };
    if (persisted.operations.allows(document)) return null;
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: `role ${principal.role} may run persisted operations only, and this one is not on the allow-list`,
    };
  }

  private afterCredentials(
    auth: AuthResult,
    address: string,
    countRate: boolean,
  ): Admission | Promise<Admission> {
    if (!auth.ok) return this.refusedCredentials(auth, address);
    // An accepted credential's result is shared and never changed: it is the admission as is,
    // so a request let through allocates nothing here.
    const limiter = this.options.rateLimiter;
    if (!countRate || limiter === undefined) return auth;
    const rate = limiter.consume(auth.principal, address);
    return rate instanceof Promise
      ? rate.then((decision) => afterRate(auth, decision))
      : afterRate(auth, rate);
  }

  /**
   * Refused credentials count against the address's anonymous budget, so guessing keys is slow.
   * A key store that cannot be asked (503) refused nothing: not counted.
   */
  private async refusedCredentials(
    auth: Extract<AuthResult, { ok: false }>,
    address: string,
  ): Promise<Admission> {
    const guess =
      auth.status === 401 ? await this.options.rateLimiter?.consume(null, address) : undefined;
    if (guess !== undefined && !guess.ok) {
      return {
        ok: false,
        refusal: {
          status: 429,
          code: 'RATE_LIMITED',
          message: `too many refused credentials from this address; retry in ${guess.retryAfterSeconds} s`,
          retryAfterSeconds: guess.retryAfterSeconds,
          credentialsRefused: true,
        },
      };
    }
    return {
      ok: false,
      refusal: {
        status: auth.status,
        code: auth.code,
        message: auth.message,
        credentialsRefused: auth.status === 401,
      },
    };
  }
}

function afterRate(admitted: Extract<Admission, { ok: true }>, rate: RateDecision): Admission {
  if (rate.ok) return admitted;
  return {
    ok: false,
    refusal: {
      status: 429,
      code: 'RATE_LIMITED',
      message: `more than ${rate.limit} requests per second; retry in ${rate.retryAfterSeconds} s`,
      retryAfterSeconds: rate.retryAfterSeconds,
    },
  };
}
