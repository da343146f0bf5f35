import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthResult, Credentials } from '../../src/auth/Authenticator';
import type { Principal } from '../../src/auth/Principal';
import { PersistedOperations, sha256 } from '../../src/server/persistedOperations';
import type { PrincipalRateLimiter, RateDecision } from '../../src/server/PrincipalRateLimiter';
import { RequestGate } from '../../src/server/requestGate';

const portal: Principal = {
  id: 'key:portal',
  name: 'portal',
  role: 'portal',
  via: 'apiKey',
  agencies: [],
  connectors: [],
} as Principal;

const KNOWN = 'query Known($code: String!) { dossier(code: $code) { code } }';

function persisted(): PersistedOperations {
  const dir = mkdtempSync(join(tmpdir(), 'gate-'));
  const file = join(dir, 'operations.json');
  writeFileSync(file, JSON.stringify({ operations: [KNOWN] }));
  return PersistedOperations.load(file);
}

/** A rate limiter that allows `budget` requests per principal kind, then refuses. */
function limiter(budget: number): PrincipalRateLimiter & { asked: string[] } {
  const asked: string[] = [];
  const used = new Map<string, number>();
  return {
    asked,
    consume(principal: Principal | null): RateDecision {
      const kind = principal?.role ?? 'anonymous';
      asked.push(kind);
      used.set(kind, (used.get(kind) ?? 0) + 1);
      return (used.get(kind) as number) <= budget
        ? { ok: true }
        : { ok: false, retryAfterSeconds: 2, limit: budget };
    },
  } as unknown as PrincipalRateLimiter & { asked: string[] };
}

const authenticate =
  (valid: string) =>
  (credentials: Credentials): AuthResult =>
    credentials.apiKey === undefined
      ? { ok: true, principal: null }
      : credentials.apiKey === valid
        ? { ok: true, principal: portal }
        : { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'unknown API key' };

describe('RequestGate: what every request passes, over HTTP and WebSocket alike', () => {
  it('admits known credentials within their rate without a promise, and refuses over it with 429 and Retry-After', () => {
    const rate = limiter(1);
    const gate = new RequestGate({ authenticate: authenticate('good'), rateLimiter: rate });
    const first = gate.admit({ apiKey: 'good' }, '10.0.0.1');
    expect(first).toEqual({ ok: true, principal: portal });
    const second = gate.admit({ apiKey: 'good' }, '10.0.0.1');
    expect(second).toEqual({
      ok: false,
      refusal: {
        status: 429,
        code: 'RATE_LIMITED',
        message: 'more than 1 requests per second; retry in 2 s',
        retryAfterSeconds: 2,
      },
    });
    expect(rate.asked).toEqual(['portal', 'portal']);
  });

  it('counts refused credentials against the address, and throttles guessing', async () => {
    const rate = limiter(1);
    const gate = new RequestGate({ authenticate: authenticate('good'), rateLimiter: rate });
    await expect(gate.admit({ apiKey: 'guess-1' }, '10.0.0.2')).resolves.toEqual({
      ok: false,
      refusal: {
        status: 401,
        code: 'UNAUTHENTICATED',
        message: 'unknown API key',
        credentialsRefused: true,
      },
    });
    const again = await gate.admit({ apiKey: 'guess-2' }, '10.0.0.2');
    expect(again.ok).toBe(false);
    expect(!again.ok && again.refusal).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      credentialsRefused: true,
    });
    expect(rate.asked).toEqual(['anonymous', 'anonymous']);
  });

  it('does not count a connection: identify checks credentials only', () => {
    const rate = limiter(0);
    const gate = new RequestGate({ authenticate: authenticate('good'), rateLimiter: rate });
    expect(gate.identify({ apiKey: 'good' }, '10.0.0.3')).toEqual({ ok: true, principal: portal });
    expect(rate.asked).toEqual([]);
  });

  it('gives the document of a known hash, and holds a role to the allow-list', () => {
    const operations = persisted();
    const gate = new RequestGate({
      authenticate: authenticate('good'),
      persisted: { operations, onlyRoles: new Set(['portal']) },
    });
    const hash = { persistedQuery: { version: 1, sha256Hash: sha256(KNOWN) } };
    expect(gate.document(undefined, hash)).toBe(KNOWN);
    expect(gate.document(KNOWN, undefined)).toBe(KNOWN);
    // A text sent is the text run, even empty (Apollo then says the hash does not match it).
    expect(gate.document('', hash)).toBe('');
    expect(gate.document(undefined, { persistedQuery: { sha256Hash: sha256('x') } })).toBe(
      undefined,
    );
    expect(gate.allowed(portal, KNOWN)).toBeNull();
    expect(gate.allowed(portal, '{ __typename }')).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      message:
        'role portal may run persisted operations only, and this one is not on the allow-list',
    });
    expect(gate.allowed(portal, undefined)).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      message:
        'role portal may run persisted operations only: POST a known operation or its sha256Hash',
    });
    // A caller not held to the list runs what it sends.
    const auditor = { ...portal, role: 'auditor' } as Principal;
    expect(gate.allowed(auditor, '{ __typename }')).toBeNull();
    expect(gate.allowed(auditor, undefined)).toBeNull();
  });
});
