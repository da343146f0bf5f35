import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { FileApiKeyStore } from '../../src/auth/apiKeys';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { DEFAULT_RATE_LIMITS, PrincipalRateLimiter } from '../../src/server/PrincipalRateLimiter';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer } from '../support/redisServer';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

type Answer = {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

async function post(
  url: string,
  body: unknown,
  key: string | undefined,
): Promise<{ status: number; headers: Headers; body: Answer }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'x-api-key': key }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer,
  };
}

/** Every field of a dossier: the portal's heaviest real lookup. */
const FULL = `code procedureCode procedure { code name } procedureName fieldCode fieldName agency { code name }
  handlingUnit channel { value } applicant { name type ids { type number } phone email address } summary files { name url }
  receivedAt dueAt finishedAt returnedAt status { value code label raw lossy mayBe }
  history { at actor department content status { value } } fees { name amount }
  results { name number issuedAt url } supplements { requestedAt dueBefore dueAfter reason }
  source { connector connectorName fetchedAt cached stale staleReason staleSince routedVia warnings { field problem } }`;

describe('Query protection: the real shapes pass, abusive ones are stopped at the door', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let auditDir: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 71 });
    auditDir = await mkdtemp(join(tmpdir(), 'protection-audit-'));
    t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', GRAPHIQL: 'off', AUDIT_DIR: auditDir },
    });
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  it('admits 500 codes in one list and 100 aliased lookups with every field', async () => {
    const codes = [
      ...findCodes(samples.provincial.dataset, 250),
      ...findCodes(samples.ministry.dataset, 250),
    ];
    const list = await post(
      t.url,
      {
        query: `query ($c: [String!]!) { dossiers(codes: $c) { code dossier { ${FULL} } error { code } } }`,
        variables: { c: codes },
      },
      t.keys.portal,
    );
    expect(list.body.errors).toBeUndefined();
    expect(
      list.body.data?.dossiers.filter((item: { error: unknown }) => item.error !== null),
    ).toEqual([]);
    const aliases = codes
      .slice(0, 100)
      .map((code, i) => `d${i}: dossier(code: "${code}") { ${FULL} }`)
      .join('\n');
    const aliased = await post(t.url, { query: `query PortalBatch { ${aliases} }` }, t.keys.portal);
    expect(aliased.body.errors).toBeUndefined();
    expect(Object.keys(aliased.body.data ?? {})).toHaveLength(100);
  });

  it('refuses deep, alias-flooded, token-flooded, costly and oversized queries with a clear error, calling nothing and writing nothing', async () => {
    const auditBefore = await auditSize(auditDir);
    takeStats(samples.provincial);
    // Every case is an auditor's unmasked read: allowed through, it would call the system and
    // write the audit log.
    // A code the first test did not fetch (it fetched the first 250): not in the cache.
    const code = findCodes(samples.provincial.dataset, 260)[259] as string;
    const read = (selection: string, directives = '') =>
      `dossier(code: "${code}", purpose: "Thanh tra theo quyết định 123") ${directives} { ${selection} }`;
    const cases: Array<[string, string]> = [
      [
        `{ ${read(`agency { ${'parent { '.repeat(10)}code${' }'.repeat(10)} }`)} }`,
        'Query depth limit of 10 exceeded',
      ],
      [
        `{ ${Array.from({ length: 151 }, (_, i) => `d${i}: ${read('code')}`).join(' ')} }`,
        'Aliases limit of 150 exceeded, found 151',
      ],
      [
        `{ ${read('code '.repeat(15_000))} }`,
        'Document contains more that 15000 tokens. Parsing aborted.',
      ],
      [
        `{ ${Array.from({ length: 130 }, (_, i) => `d${i}: ${read('agency { parent { parent { parent { parent { parent { units { code name level } } } } } } }')}`).join(' ')} }`,
        'Query Cost limit of 20000 exceeded',
      ],
      [`{ ${read('code', '@skip(if: false) '.repeat(51))} }`, 'Directives limit of 50 exceeded'],
    ];
    for (const [query, message] of cases) {
      const answer = await post(t.url, { query }, t.keys.auditor);
      expect([message, answer.status]).toEqual([message, 400]);
      expect(answer.body.errors?.[0]?.message).toContain(message);
      expect(answer.body.data).toBeUndefined();
    }
    const oversized = await post(
      t.url,
      {
        query: `query ($pad: String) { ${read('code')} }`,
        variables: { pad: 'x'.repeat(1_100_000) },
      },
      t.keys.auditor,
    );
    expect(oversized.status).toBe(413);
    expect(oversized.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(takeStats(samples.provincial).attempts).toBe(0);
    expect(await auditSize(auditDir)).toBe(auditBefore);
    // The same read, within the limits, does both: the cases above were stopped by the limits.
    const allowed = await post(t.url, { query: `{ ${read('code')} }` }, t.keys.auditor);
    expect(allowed.body.data?.dossier?.code).toBe(code);
    expect(takeStats(samples.provincial).attempts).toBe(1);
    expect(await auditSize(auditDir)).toBeGreaterThan(auditBefore);
  });

  it('keeps introspection and field suggestions off in production mode', async () => {
    const introspection = await post(
      t.url,
      { query: '{ __schema { types { name } } }' },
      t.keys.admin,
    );
    expect(introspection.body.errors?.[0]?.message).toContain('introspection');
    const typo = await post(t.url, { query: '{ dossir(code: "x") { code } }' }, t.keys.admin);
    expect(typo.body.errors?.[0]?.message).toBeDefined();
    expect(typo.body.errors?.[0]?.message).not.toContain('Did you mean');
    // Over WebSocket too.
    const client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { apiKey: t.keys.admin },
    });
    const refused = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { dossierStatusChange(codes: ["x"]) { code } }' },
        { next: resolve, error: resolve, complete: () => resolve('completed') },
      );
    });
    await client.dispose();
    expect(JSON.stringify(refused)).toContain('Cannot query field');
    expect(JSON.stringify(refused)).not.toContain('Did you mean');
  });
});

describe('Query protection: field suggestions where introspection is on (the embedded default)', () => {
  it('suggests', async () => {
    const samples = await startSampleSystems({ size: 200, seed: 72 });
    const t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
    try {
      const typo = await post(t.url, { query: '{ dossir(code: "x") { code } }' }, t.keys.admin);
      expect(typo.body.errors?.[0]?.message).toContain('Did you mean "dossier"');
    } finally {
      await t.close();
      await samples.close();
    }
  });
});

describe('Persisted operations: the portal held to an allow-list', () => {
  const OPERATION =
    'query PortalLookup($c: [String!]!) { dossiers(codes: $c) { code dossier { status { code label } dueAt } error { code } } }';
  let samples: SampleSystems;
  let t: TestGateway;
  let code: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 300, seed: 73 });
    const folder = await mkdtemp(join(tmpdir(), 'persisted-'));
    await writeFile(join(folder, 'operations.json'), JSON.stringify({ operations: [OPERATION] }));
    t = await startTestGateway({
      samples,
      env: {
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        PERSISTED_OPERATIONS_FILE: join(folder, 'operations.json'),
        PERSISTED_ONLY_ROLES: 'portal',
      },
    });
    [code] = findCodes(samples.provincial.dataset, 1) as [string];
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  it('runs the listed operation by text or by hash alone, refuses anything else, and leaves other roles free', async () => {
    const byText = await post(t.url, { query: OPERATION, variables: { c: [code] } }, t.keys.portal);
    expect(byText.body.data?.dossiers[0]?.code).toBe(code);
    const hash = createHash('sha256').update(OPERATION).digest('hex');
    const byHash = await post(
      t.url,
      {
        variables: { c: [code] },
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      },
      t.keys.portal,
    );
    expect(byHash.body.data?.dossiers[0]?.code).toBe(code);

    const other = await post(t.url, { query: '{ viewer { id } }' }, t.keys.portal);
    expect(other.status).toBe(403);
    expect(other.body.errors?.[0]).toMatchObject({
      message:
        'role portal may run persisted operations only, and this one is not on the allow-list',
      extensions: { code: 'FORBIDDEN' },
    });
    const unknownHash = await post(
      t.url,
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } },
      t.keys.portal,
    );
    expect(unknownHash.status).toBe(403);
    expect((await post(t.url, { query: '{ viewer { role } }' }, t.keys.auditor)).body.data).toEqual(
      {
        viewer: { role: 'AUDITOR' },
      },
    );
  });
});

describe('Rate limits per principal', () => {
  it('answers 429 with Retry-After past the limit, for that principal only', async () => {
    const samples = await startSampleSystems({ size: 200, seed: 74 });
    const t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', RATE_LIMITS: 'portal=5' },
    });
    try {
      // The budget is per second from the first request: a burst that took longer than that
      // (a loaded machine) straddles two budgets, so it is sent again, a second later, until one
      // fits (or the attempts run out and the counts below say what happened).
      const burst = () =>
        Promise.all(
          Array.from({ length: 12 }, () =>
            post(t.url, { query: '{ viewer { id } }' }, t.keys.portal),
          ),
        );
      let statuses: Awaited<ReturnType<typeof burst>> = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1100));
        const started = Date.now();
        statuses = await burst();
        if (Date.now() - started < 900) break;
      }
      const refused = statuses.filter((answer) => answer.status === 429);
      expect(statuses.filter((answer) => answer.status === 200)).toHaveLength(5);
      expect(refused).toHaveLength(7);
      expect(refused[0]?.headers.get('retry-after')).toBe('1');
      expect(refused[0]?.body.errors?.[0]).toMatchObject({
        message: 'more than 5 requests per second; retry in 1 s',
        extensions: { code: 'RATE_LIMITED' },
      });
      // Another principal has its own budget.
      expect((await post(t.url, { query: '{ viewer { id } }' }, t.keys.auditor)).status).toBe(200);
    } finally {
      await t.close();
      await samples.close();
    }
  });

  it('shares one budget across replicas through Redis', async () => {
    const redis = await startRedisServer();
    const samples = await startSampleSystems({ size: 200, seed: 75 });
    const folder = await mkdtemp(join(tmpdir(), 'rl-keys-'));
    const store = await FileApiKeyStore.open(join(folder, 'keys.json'));
    const { key } = await store.create(
      { name: 'portal', role: 'portal', createdBy: 'test' },
      new Date(),
    );
    await store.close();
    const env = {
      CATALOGUE_SYNC_INTERVAL_MS: '0',
      RATE_LIMITS: 'portal=6',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'rl-test:',
      API_KEYS_FILE: join(folder, 'keys.json'),
    };
    const first = await startTestGateway({ samples, env });
    const second = await startTestGateway({ samples, env });
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          post((i % 2 === 0 ? first : second).url, { query: '{ viewer { id } }' }, key),
        ),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(6);
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(6);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await samples.close();
      await redis.stop();
    }
  });
});

describe('Rate limits taken in leases', () => {
  it('in memory: a large budget is counted off in leases and never exceeded', async () => {
    const limiter = new PrincipalRateLimiter({ ...DEFAULT_RATE_LIMITS, portal: 400 }, null);
    const portal = {
      id: 'key:00000000000000cc',
      name: 'p',
      role: 'portal' as const,
      via: 'apiKey' as const,
      agencies: [],
      connectors: [],
    };
    const started = Date.now();
    const decisions = await Promise.all(
      Array.from({ length: 600 }, () => limiter.consume(portal, '127.0.0.1')),
    );
    expect(Date.now() - started).toBeLessThan(900); // one window
    const admitted = decisions.filter((d) => d.ok).length;
    expect(admitted).toBeLessThanOrEqual(400);
    expect(admitted).toBeGreaterThanOrEqual(400 - 20);
    limiter.close();
  });

  it('near the limit, once a lease is refused, requests are counted one by one for the rest of the window', async () => {
    const limiter = new PrincipalRateLimiter({ ...DEFAULT_RATE_LIMITS, portal: 40 }, null); // leases of 2
    const portal = {
      id: 'key:00000000000000dd',
      name: 'p',
      role: 'portal' as const,
      via: 'apiKey' as const,
      agencies: [],
      connectors: [],
    };
    const consumes = jest.spyOn(RateLimiterMemory.prototype, 'consume');
    const rewards = jest.spyOn(RateLimiterMemory.prototype, 'reward');
    try {
      const started = Date.now();
      const decisions = [];
      for (let i = 0; i < 45; i += 1) decisions.push(await limiter.consume(portal, '127.0.0.1'));
      expect(Date.now() - started).toBeLessThan(800); // one window
      expect(decisions.map((d) => d.ok)).toEqual([
        ...Array.from({ length: 40 }, () => true),
        ...Array.from({ length: 5 }, () => false),
      ]);
      // 20 leases; then one refused lease (given back) and a count of its own; then one each.
      expect(consumes.mock.calls.length).toBe(20 + 2 + 4);
      expect(rewards.mock.calls.length).toBe(1);
    } finally {
      consumes.mockRestore();
      rewards.mockRestore();
      limiter.close();
    }
  });

  it('a large budget is taken from Redis a lease at a time, shared by replicas, and never exceeded', async () => {
    const redis = await startRedisServer();
    const limits = { ...DEFAULT_RATE_LIMITS, portal: 400 }; // leases of 20 requests
    const replicas = [0, 1].map(
      () => new PrincipalRateLimiter(limits, { target: redis.url, keyPrefix: 'lease-test:' }),
    );
    const portal = {
      id: 'key:00000000000000bb',
      name: 'p',
      role: 'portal' as const,
      via: 'apiKey' as const,
      agencies: [],
      connectors: [],
    };
    const storeCalls = jest.spyOn(RateLimiterRedis.prototype, 'consume');
    try {
      // Both connections up, so the count is Redis's, not the in-memory fallback's.
      await new Promise((resolve) => setTimeout(resolve, 300));
      storeCalls.mockClear();
      // 600 requests at once, half on each replica, within one second's window.
      const started = Date.now();
      const decisions = await Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          (replicas[i % 2] as PrincipalRateLimiter).consume(portal, '127.0.0.1'),
        ),
      );
      const elapsed = Date.now() - started;
      const admitted = decisions.filter((d) => d.ok).length;
      expect(elapsed).toBeLessThan(900); // one window: otherwise the counts below mean nothing
      // Never more than the budget; at most a lease per replica left unspent.
      expect(admitted).toBeLessThanOrEqual(400);
      expect(admitted).toBeGreaterThanOrEqual(400 - 2 * 20);
      expect(decisions.filter((d) => !d.ok).every((d) => !d.ok && d.limit === 400)).toBe(true);
      // A round trip per lease (and per request past the budget), not per admitted request.
      expect(storeCalls.mock.calls.length).toBeLessThanOrEqual(
        2 * (400 / 20) + 2 + (600 - admitted),
      );
      expect(storeCalls.mock.calls.length).toBeLessThan(300);
    } finally {
      storeCalls.mockRestore();
      for (const replica of replicas) replica.close();
      await redis.stop();
    }
  });
});

async function auditSize(folder: string): Promise<number> {
  let size = 0;
  for (const name of await readdir(folder)) {
    if (name.endsWith('.jsonl')) size += (await readFile(join(folder, name), 'utf8')).length;
  }
  return size;
}
