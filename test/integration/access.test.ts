import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import type { Role } from '../../src/auth/roles';
import { allowedRoles } from '../../src/graphql/schema/allowDirective';
import { createSchema } from '../../src/graphql/schema/createSchema';
import { findCodes } from '../support/sampleCodes';
import {
  PROJECT_ROOT,
  startTestGateway,
  takeStats,
  type TestGateway,
} from '../support/testGateway';

type Answer = {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

async function post(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

const ROLES: Role[] = ['portal', 'province-it', 'auditor', 'admin'];
const EVERYONE: Role[] = ROLES;

/**
 * The access policy, written down here on purpose (not read from the schema): a change of any
 * field's roles must change this table too. Masked or not and audited or not are in the tests below.
 */
const POLICY: Record<string, Role[]> = {
  'Query.dossier': EVERYONE,
  'Query.dossiers': EVERYONE,
  'Subscription.dossierStatusChanged': EVERYONE,
  'Query.agency': EVERYONE,
  'Query.agencies': EVERYONE,
  'Query.procedure': EVERYONE,
  'Query.procedures': EVERYONE,
  'Query.procedureCatalogueStatus': EVERYONE,
  'Query.viewer': EVERYONE,
  'Mutation.syncProcedureCatalogue': ['province-it', 'admin'],
  'Query.apiKeys': ['admin'],
  'Query.auditLog': ['auditor', 'admin'],
  'Mutation.createApiKey': ['admin'],
  'Mutation.revokeApiKey': ['admin'],
  'Query.connectors': ['province-it', 'admin'],
  'Query.connector': ['province-it', 'admin'],
  'Query.connectorVersions': ['province-it', 'admin'],
  'Query.inspectDossier': ['province-it', 'admin'],
  'Query.dossierTrace': ['auditor', 'admin'],
  'Query.report': ['auditor', 'admin'],
  'Mutation.startReport': ['auditor', 'admin'],
  'Mutation.cancelReport': ['auditor', 'admin'],
  'Mutation.registerConnector': ['province-it', 'admin'],
  'Mutation.updateConnector': ['province-it', 'admin'],
  'Mutation.setConnectorEnabled': ['province-it', 'admin'],
  'Mutation.deleteConnector': ['province-it', 'admin'],
  'Mutation.rollbackConnector': ['province-it', 'admin'],
  'Mutation.testConnector': ['province-it', 'admin'],
  'Mutation.checkConnector': ['province-it', 'admin'],
  'Query.agencyEntryVersions': ['auditor', 'admin'],
  'Mutation.putAgencyEntry': ['admin'],
  'Mutation.deleteAgencyEntry': ['admin'],
};

/** A runtime registration inside the demo province-IT key's scope (Thanh Hóa, H56). */
const runtimeDocument = (id: string, unit: string) => `id: ${id}
kind: rest-json
name: Hệ thống thử ${id}
coverage: { units: [${unit}] }
upstream: { baseUrl: "http://127.0.0.1:9" }
config:
  lookup: { single: { path: "/hs/{code}" } }
  mapping: { code: ma, status: tt }
  statuses: { map: { moi: 2 } }
`;

describe('Access: every role against every root field', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let provincialCode: string;
  let ministryCode: string;
  let revokable: string;
  let changes = 0;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 800, seed: 51 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
    [provincialCode] = findCodes(samples.provincial.dataset, 1, (d) => d.applicant.type === 1) as [
      string,
    ];
    [ministryCode] = findCodes(samples.ministry.dataset, 1) as [string];
    samples.connectGateway(t.url);
    const created = await t.query<{ createApiKey: { apiKey: { id: string } } }>(
      'mutation { createApiKey(input: { name: "to revoke", role: PORTAL }) { apiKey { id } } }',
    );
    revokable = created.data?.createApiKey.apiKey.id as string;
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  /** One operation per root field (the test fails when a root field has none). */
  const operations = (): Record<
    string,
    { query: string; variables?: Record<string, unknown> }
  > => ({
    'Query.dossier': {
      query: `query ($c: String!) { dossier(code: $c) { code applicant { name } } }`,
      variables: { c: provincialCode },
    },
    'Query.dossiers': {
      query: `query ($c: [String!]!) { dossiers(codes: $c) { code error { code } } }`,
      variables: { c: [provincialCode] },
    },
    'Query.agency': { query: '{ agency(code: "H56") { code } }' },
    'Query.agencies': { query: '{ agencies(first: 1) { totalCount } }' },
    'Query.procedure': { query: '{ procedure(code: "1.004227") { code } }' },
    'Query.procedures': { query: '{ procedures(first: 1) { totalCount } }' },
    'Query.procedureCatalogueStatus': { query: '{ procedureCatalogueStatus { connector } }' },
    'Query.viewer': { query: '{ viewer { id role } }' },
    'Query.apiKeys': { query: '{ apiKeys { id } }' },
    'Query.auditLog': { query: '{ auditLog(first: 1) { totalCount } }' },
    'Mutation.syncProcedureCatalogue': {
      query: 'mutation { syncProcedureCatalogue(connector: "thanh-hoa-motcua") { connector } }',
    },
    'Mutation.createApiKey': {
      query:
        'mutation { createApiKey(input: { name: "matrix", role: PORTAL }) { key apiKey { id } } }',
    },
    'Mutation.revokeApiKey': { query: 'mutation { revokeApiKey(id: "KEY_ID") { id } }' },
    'Query.connectors': { query: '{ connectors { id } }' },
    'Query.connector': { query: '{ connector(id: "thanh-hoa-motcua") { id } }' },
    'Query.connectorVersions': { query: '{ connectorVersions(id: "matrix-target") { version } }' },
    'Query.report': { query: '{ report(id: "REPORT_ID") { id } }' },
    'Mutation.startReport': {
      query:
        'mutation { startReport(input: { agencies: ["000.00.01.H56"], from: "2026-07-01", to: "2026-07-02" }) { id } }',
    },
    'Mutation.cancelReport': {
      query: 'mutation { cancelReport(id: "REPORT_ID") { id } }',
    },
    'Query.dossierTrace': { query: '{ dossierTrace(code: "000.00.01.H56-260907-9001") { code } }' },
    'Query.inspectDossier': {
      query: '{ inspectDossier(code: "000.00.01.H56-250101-0001") { code } }',
    },
    'Mutation.registerConnector': {
      query: 'mutation ($d: String!) { registerConnector(document: $d) { id } }',
      variables: { d: 'NEW_DOCUMENT' },
    },
    'Mutation.updateConnector': {
      query:
        'mutation ($d: String!) { updateConnector(id: "matrix-target", version: VERSION, document: $d) { id } }',
      variables: { d: runtimeDocument('matrix-target', 'H56.98') },
    },
    'Mutation.setConnectorEnabled': {
      query:
        'mutation { setConnectorEnabled(id: "matrix-target", version: VERSION, enabled: true) { id } }',
    },
    'Mutation.deleteConnector': {
      query: 'mutation { deleteConnector(id: "matrix-target", version: VERSION) { id } }',
    },
    'Mutation.testConnector': {
      query: 'mutation ($d: String!) { testConnector(document: $d) { connector } }',
      variables: { d: runtimeDocument('matrix-probe', 'H56.97') },
    },
    'Mutation.checkConnector': {
      query: 'mutation ($d: String!) { checkConnector(document: $d) { verdict } }',
      variables: { d: runtimeDocument('matrix-check', 'H56.96') },
    },
    'Mutation.rollbackConnector': {
      query:
        'mutation { rollbackConnector(id: "matrix-target", version: VERSION, toVersion: 1) { id } }',
    },
    // Run by the administrator alone, in this order: a runtime entry over the file's, then deleted.
    'Query.agencyEntryVersions': { query: '{ agencyEntryVersions(code: "H56.10") { version } }' },
    'Mutation.putAgencyEntry': {
      query: 'mutation ($e: String!) { putAgencyEntry(entry: $e, version: 0) { code } }',
      variables: { e: 'code: H56.10\nname: Sở Tư pháp (thử)\nlevel: 2\nparent: H56\n' },
    },
    'Mutation.deleteAgencyEntry': {
      query: 'mutation { deleteAgencyEntry(code: "H56.10", version: 1) { code } }',
    },
    'Subscription.dossierStatusChanged': {
      query: `subscription ($c: [String!]!) { dossierStatusChanged(codes: $c) { code } }`,
      variables: { c: [provincialCode] },
    },
  });

  it('the schema grants exactly the policy table, and the table has an operation per field', () => {
    const roles = allowedRoles(createSchema(join(PROJECT_ROOT, 'schema')));
    expect(Object.fromEntries([...roles].map(([field, r]) => [field, [...r].sort()]))).toEqual(
      Object.fromEntries(Object.entries(POLICY).map(([field, r]) => [field, [...r].sort()])),
    );
    expect(Object.keys(operations()).sort()).toEqual(Object.keys(POLICY).sort());
  });

  it('allows exactly the roles of the policy, refuses the others with FORBIDDEN, and anonymous callers with UNAUTHENTICATED', async () => {
    // Each mutation of a runtime registration acts on "matrix-target" as it stands: registered
    // again if a previous role deleted it, at its current version.
    let registered = 0;
    let reportId: string | undefined;
    const prepared = async (operation: { query: string; variables?: Record<string, unknown> }) => {
      const current = await t.query<{ connector: { version: number } | null }>(
        '{ connector(id: "matrix-target") { version } }',
      );
      let version = current.data?.connector?.version;
      if (version === undefined) {
        const made = await t.query<{ registerConnector: { version: number } }>(
          'mutation ($d: String!) { registerConnector(document: $d) { version } }',
          { d: runtimeDocument('matrix-target', 'H56.98') },
        );
        version = made.data?.registerConnector.version as number;
      }
      registered += 1;
      const variables = Object.fromEntries(
        Object.entries(operation.variables ?? {}).map(([name, value]) => [
          name,
          value === 'NEW_DOCUMENT'
            ? runtimeDocument(`matrix-new-${registered}`, `H56.${60 + registered}`)
            : value,
        ]),
      );
      // One report for every operation that reads or stops one (each caller may have only five
      // queued or running at once).
      if (operation.query.includes('REPORT_ID') && reportId === undefined)
        reportId = (
          await t.query<{ startReport: { id: string } }>(
            'mutation { startReport(input: { agencies: ["000.00.01.H56"], from: "2026-07-01", to: "2026-07-02" }) { id } }',
          )
        ).data?.startReport.id;
      return {
        query: operation.query
          .replace('KEY_ID', revokable)
          .replace('VERSION', String(version))
          .replace('REPORT_ID', reportId ?? ''),
        variables,
      };
    };
    const outcomes: string[] = [];
    for (const [field, operation] of Object.entries(operations())) {
      for (const role of [...ROLES, null]) {
        const code = field.startsWith('Subscription.')
          ? await subscribeOnce(t, operation, role, async () => {
              await fetch(`${samples.provincial.url}/__sample/dossiers/${provincialCode}/status`, {
                method: 'POST',
                body: JSON.stringify({ status: (changes += 1) % 2 === 0 ? 4 : 9 }),
              });
            })
          : await queryOnce(t, await prepared(operation), role);
        outcomes.push(`${field} ${role ?? 'anonymous'} ${code}`);
      }
    }
    const expected = Object.entries(POLICY).flatMap(([field, allowed]) =>
      [...ROLES, null].map((role) => {
        const verdict =
          role === null ? 'UNAUTHENTICATED' : allowed.includes(role) ? 'allowed' : 'FORBIDDEN';
        return `${field} ${role ?? 'anonymous'} ${verdict}`;
      }),
    );
    expect(outcomes.sort()).toEqual(expected.sort());
  });

  it('masks personal data for every role without a stated purpose', async () => {
    const raw = samples.provincial.dataset.get(provincialCode)?.applicant.name as string;
    for (const role of ROLES) {
      const answer = await t.query<{ dossier: { applicant: { name: string } } }>(
        `query ($c: String!) { dossier(code: $c) { applicant { name } } }`,
        { c: provincialCode },
        role,
      );
      expect(answer.data?.dossier.applicant.name).not.toBe(raw);
      expect(answer.data?.dossier.applicant.name).toContain('*');
    }
  });

  it("keeps province IT to its scope: other agencies' dossiers and systems are FORBIDDEN", async () => {
    const answer = await t.query<{
      dossiers: Array<{ code: string; error: { code: string } | null }>;
    }>(
      `query ($c: [String!]!) { dossiers(codes: $c) { code error { code message } } }`,
      { c: [provincialCode, ministryCode] },
      'province-it',
    );
    expect(answer.data?.dossiers.map((item) => item.error?.code ?? 'ok')).toEqual([
      'ok',
      'FORBIDDEN',
    ]);
    const sync = await t.query(
      'mutation { syncProcedureCatalogue(connector: "bo-noi-vu-dvc") { connector } }',
      {},
      'province-it',
    );
    expect(sync.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Naming no connector syncs its own systems only.
    const own = await t.query<{ syncProcedureCatalogue: Array<{ connector: string }> }>(
      'mutation { syncProcedureCatalogue { connector } }',
      {},
      'province-it',
    );
    expect(own.data?.syncProcedureCatalogue.map((s) => s.connector).sort()).toEqual([
      'thanh-hoa-datdai',
      'thanh-hoa-motcua',
    ]);
  });
});

async function queryOnce(
  t: TestGateway,
  operation: { query: string; variables?: Record<string, unknown> },
  role: Role | null,
): Promise<string> {
  const answer = await t.query(operation.query, operation.variables, role);
  const code = answer.errors?.[0]?.extensions?.code;
  if (code !== undefined) return String(code);
  // Allowed means answered: the field has data.
  const values = Object.values(answer.data ?? {});
  return values.length === 1 && values[0] !== null && values[0] !== undefined
    ? 'allowed'
    : `no data ${JSON.stringify(answer)}`;
}

async function subscribeOnce(
  t: TestGateway,
  operation: { query: string; variables?: Record<string, unknown> },
  role: Role | null,
  change: () => Promise<void>,
): Promise<string> {
  const client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: role === null ? {} : { apiKey: t.keys[role] },
  });
  let settled: () => void = () => undefined;
  try {
    return await new Promise<string>((resolve) => {
      client.subscribe(
        { query: operation.query, variables: operation.variables ?? {} },
        {
          next: (result) => {
            const code = result.errors?.[0]?.extensions?.code;
            // Allowed means an event of the watched dossier arrived after its status changed.
            resolve(code === undefined ? 'allowed' : String(code));
          },
          error: (error) => {
            const list = Array.isArray(error) ? error : [];
            const code = (list[0] as { extensions?: { code?: string } } | undefined)?.extensions
              ?.code;
            const closed = (error as { code?: number }).code;
            resolve(
              code !== undefined
                ? String(code)
                : closed === 4403
                  ? 'UNAUTHENTICATED'
                  : `error ${JSON.stringify(error)}`,
            );
          },
          complete: () => resolve('completed without an event'),
        },
      );
      // The status changes every 300 ms until an event arrives: a loaded machine may take longer
      // than one interval to set the subscription up, and a change before that is not seen.
      const trigger = setInterval(() => void change(), 300);
      const giveUp = setTimeout(() => resolve('no event'), 15_000);
      settled = () => {
        clearInterval(trigger);
        clearTimeout(giveUp);
      };
    }).finally(() => settled());
  } finally {
    await client.dispose();
  }
}

describe('Access: keys and tokens that must be refused, with nothing done', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let code: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 500, seed: 52 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
    [code] = findCodes(samples.provincial.dataset, 1) as [string];
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const lookup = { query: `query ($c: String!) { dossier(code: $c) { code } }` };

  it('refuses malformed, unknown and doubled credentials with 401, without calling any system', async () => {
    takeStats(samples.provincial);
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'x-api-key': 'let-me-in' }, 'not an API key (dvck_<id>_<secret>)'],
      [{ 'x-api-key': `dvck_0123456789abcdef_${'a'.repeat(43)}` }, 'API key not recognised'],
      // A real key id with a wrong secret is as unknown as an unknown id.
      [{ 'x-api-key': `${t.keys.admin.slice(0, 22)}${'b'.repeat(43)}` }, 'API key not recognised'],
      [
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        'Authorization must be',
      ],
      [
        { authorization: `Bearer ${t.keys.admin}`, 'x-api-key': t.keys.portal },
        'send one credential',
      ],
      [{ authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' }, 'bearer tokens are not configured'],
    ];
    for (const [headers, message] of cases) {
      const answer = await post(t.url, { ...lookup, variables: { c: code } }, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(answer.body.errors?.[0]?.message).toContain(message);
    }
    expect(takeStats(samples.provincial).attempts).toBe(0);
    // Logged with the key id at most: never a secret.
    expect(t.logger.text()).not.toContain('b'.repeat(43));
    expect(t.logger.text()).not.toContain(t.keys.admin.slice(22));
  });

  it('accepts a key as a bearer token too', async () => {
    const answer = await post(
      t.url,
      { query: '{ viewer { role } }' },
      { authorization: `Bearer ${t.keys.auditor}` },
    );
    expect(answer.body.data).toEqual({ viewer: { role: 'AUDITOR' } });
  });

  it('creates a key shown once, lists it without its secret, and refuses it at once when revoked', async () => {
    const created = await t.query<{
      createApiKey: { key: string; apiKey: { id: string; role: string; createdBy: string } };
    }>(
      'mutation { createApiKey(input: { name: "Cổng DVCQG thử nghiệm", role: PORTAL }) { key apiKey { id role createdBy } } }',
    );
    const { key, apiKey } = created.data?.createApiKey ?? ({} as never);
    expect(key).toMatch(/^dvck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey.role).toBe('PORTAL');
    expect(apiKey.createdBy).toMatch(/^key:[0-9a-f]{16}$/);
    const listed = JSON.stringify((await t.query('{ apiKeys { id name role createdAt } }')).data);
    expect(listed).toContain(apiKey.id);
    expect(listed).toContain('Cổng DVCQG thử nghiệm');
    expect(listed).not.toContain(key.slice(22));

    expect((await post(t.url, { query: '{ viewer { id } }' }, { 'x-api-key': key })).status).toBe(
      200,
    );
    const revoked = await t.query<{ revokeApiKey: { revokedAt: string } }>(
      `mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }`,
    );
    expect(revoked.data?.revokeApiKey.revokedAt).toMatch(/\+07:00$/);
    const refused = await post(t.url, { query: '{ viewer { id } }' }, { 'x-api-key': key });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.message).toBe('API key revoked');
  });

  it('refuses bad key input with BAD_USER_INPUT and creates nothing', async () => {
    const before = (
      (await t.query<{ apiKeys: unknown[] }>('{ apiKeys(includeRevoked: true) { id } }')).data
        ?.apiKeys ?? []
    ).length;
    const bad = [
      'mutation { createApiKey(input: { name: "x", role: PROVINCE_IT }) { key } }',
      'mutation { createApiKey(input: { name: "x", role: PROVINCE_IT, agencies: ["not a code"] }) { key } }',
      'mutation { createApiKey(input: { name: "x", role: PORTAL, agencies: ["H56"] }) { key } }',
      'mutation { createApiKey(input: { name: "  ", role: PORTAL }) { key } }',
      'mutation { createApiKey(input: { name: "x", role: PORTAL, expiresAt: "2020-01-01T00:00:00+07:00" }) { key } }',
    ];
    for (const query of bad) {
      const answer = await t.query(query);
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const after = (
      (await t.query<{ apiKeys: unknown[] }>('{ apiKeys(includeRevoked: true) { id } }')).data
        ?.apiKeys ?? []
    ).length;
    expect(after).toBe(before);
  });

  it('closes a WebSocket whose credentials are refused', async () => {
    const client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { apiKey: 'dvck_nope' },
    });
    const closed = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: `subscription { dossierStatusChanged(codes: ["${code}"]) { code } }` },
        { next: () => undefined, error: resolve, complete: () => resolve('completed') },
      );
    });
    await client.dispose();
    expect((closed as { code?: number }).code).toBe(4403);
  });

  it('refuses a WebSocket without credentials, and closes a subscription whose key is revoked', async () => {
    const anonymous = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const refused = await new Promise<unknown>((resolve) => {
      anonymous.subscribe(
        { query: `subscription { dossierStatusChanged(codes: ["${code}"]) { code } }` },
        { next: () => undefined, error: resolve, complete: () => resolve('completed') },
      );
    });
    await anonymous.dispose();
    expect((refused as { code?: number }).code).toBe(4403);

    const created = await t.query<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      'mutation { createApiKey(input: { name: "watcher", role: PORTAL }) { key apiKey { id } } }',
    );
    const { key, apiKey } = created.data?.createApiKey ?? ({} as never);
    const watcher = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { apiKey: key },
    });
    const ended = new Promise<unknown>((resolve) => {
      watcher.subscribe(
        { query: `subscription { dossierStatusChanged(codes: ["${code}"]) { code } }` },
        { next: () => undefined, error: resolve, complete: () => resolve('completed') },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.query(`mutation { revokeApiKey(id: "${apiKey.id}") { id } }`);
    const started = Date.now();
    const closed = await ended;
    await watcher.dispose();
    expect((closed as { code?: number; reason?: string }).code).toBe(4403);
    expect((closed as { reason?: string }).reason).toBe('credentials no longer valid');
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

describe('Access: API keys expire', () => {
  it('refuses a key past its expiry', async () => {
    let clock = Date.parse('2026-11-26T02:00:00Z');
    const samples = await startSampleSystems({ size: 200, seed: 53 });
    const t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0' },
      now: () => new Date(clock),
    });
    try {
      const created = await t.query<{ createApiKey: { key: string } }>(
        'mutation { createApiKey(input: { name: "tạm", role: AUDITOR, expiresAt: "2026-11-26T10:00:00+07:00" }) { key } }',
      );
      const key = created.data?.createApiKey.key as string;
      expect(
        (await post(t.url, { query: '{ viewer { role } }' }, { 'x-api-key': key })).body.data,
      ).toEqual({
        viewer: { role: 'AUDITOR' },
      });
      clock += 2 * 3_600_000; // past 10:00 +07:00, while the key is still in the checked-key cache
      const refused = await post(t.url, { query: '{ viewer { role } }' }, { 'x-api-key': key });
      expect(refused.status).toBe(401);
      expect(refused.body.errors?.[0]?.message).toBe('API key expired');
    } finally {
      await t.close();
      await samples.close();
    }
  });
});

describe('Access: JWT bearer tokens', () => {
  let samples: SampleSystems;
  let folder: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 200, seed: 54 });
    folder = await mkdtemp(join(tmpdir(), 'jwt-'));
  });
  afterAll(async () => {
    await samples.close();
  });

  const viewer = async (t: TestGateway, token: string) =>
    post(
      t.url,
      { query: '{ viewer { id name role agencies } }' },
      { authorization: `Bearer ${token}` },
    );

  it('HS256: accepts a good token, refuses forged, expired, wrong-algorithm and claim-less ones', async () => {
    const secret = 'a-very-long-shared-secret-for-hs256-tokens!';
    await writeFile(join(folder, 'hs.key'), secret);
    const t = await startTestGateway({
      samples,
      env: {
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        JWT_HS256_SECRET_FILE: join(folder, 'hs.key'),
        JWT_ISSUER: 'https://sso.dichvucong.example',
      },
    });
    try {
      const key = new TextEncoder().encode(secret);
      const sign = (
        claims: Record<string, unknown>,
        options: { exp?: string; alg?: string; iss?: string } = {},
      ) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: options.alg ?? 'HS256' })
          .setSubject('auditor-01')
          .setIssuer(options.iss ?? 'https://sso.dichvucong.example')
          .setIssuedAt()
          .setExpirationTime(options.exp ?? '5m')
          .sign(key);
      const good = await viewer(t, await sign({ role: 'auditor', name: 'Kiểm toán viên A' }));
      expect(good.body.data).toEqual({
        viewer: {
          id: 'jwt:https://sso.dichvucong.example:auditor-01',
          name: 'Kiểm toán viên A',
          role: 'AUDITOR',
          agencies: [],
        },
      });
      const refusals: Array<[string, string]> = [
        [
          await new SignJWT({ role: 'admin' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('x')
            .setIssuer('https://sso.dichvucong.example')
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!')),
          'token signature invalid',
        ],
        [await sign({ role: 'admin' }, { exp: '-1m' }), 'token expired'],
        [await sign({ role: 'admin' }, { alg: 'HS512' }), 'token algorithm not accepted'],
        [await sign({ role: 'admin' }, { iss: 'https://evil.example' }), 'token claim iss invalid'],
        [await sign({ role: 'superuser' }), 'token claims: role'],
        [await sign({}), 'token claims: role'],
        // alg "none": unsigned.
        [
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', role: 'admin', exp: 9_999_999_999 })).toString('base64url')}.`,
          'token algorithm not accepted',
        ],
        ['not.a.jwt', 'not a valid JWT'],
      ];
      for (const [token, reason] of refusals) {
        const answer = await viewer(t, token);
        expect([reason, answer.status]).toEqual([reason, 401]);
        expect(answer.body.errors?.[0]?.message).toContain(reason);
      }
    } finally {
      await t.close();
    }
  });

  it('RS256 from a PEM key and from a JWKS file; province-IT scope comes from the claims', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    await writeFile(join(folder, 'rs.pem'), await exportSPKI(publicKey));
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    await writeFile(join(folder, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    const token = await new SignJWT({
      role: 'province-it',
      agencies: ['H56'],
      connectors: ['thanh-hoa-motcua'],
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('so-tttt-thanh-hoa')
      .setExpirationTime('5m')
      .sign(privateKey);
    const configurations: Array<Record<string, string>> = [
      { JWT_PUBLIC_KEY_FILE: join(folder, 'rs.pem') },
      { JWT_JWKS_FILE: join(folder, 'jwks.json') },
    ];
    for (const env of configurations) {
      const t = await startTestGateway({
        samples,
        env: { CATALOGUE_SYNC_INTERVAL_MS: '0', ...env },
      });
      try {
        expect((await viewer(t, token)).body.data).toEqual({
          viewer: {
            id: 'jwt::so-tttt-thanh-hoa',
            name: 'so-tttt-thanh-hoa',
            role: 'PROVINCE_IT',
            agencies: ['H56'],
          },
        });
        // An HS256 token made with the public key as secret (the classic confusion) is refused.
        const pem = await readFile(join(folder, 'rs.pem'));
        const confused = await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setSubject('x')
          .setExpirationTime('5m')
          .sign(new Uint8Array(pem));
        expect((await viewer(t, confused)).status).toBe(401);
      } finally {
        await t.close();
      }
    }
  });

  it('refuses to start with an unusable key file', async () => {
    await writeFile(join(folder, 'short.key'), 'too short');
    await expect(
      startTestGateway({ samples, env: { JWT_HS256_SECRET_FILE: join(folder, 'short.key') } }),
    ).rejects.toThrow('an HS256 secret needs at least 32 bytes');
  });
});
