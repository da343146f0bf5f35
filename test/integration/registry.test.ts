import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { runCli } from '../support/runCli';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer } from '../support/redisServer';
import {
  PROJECT_ROOT,
  startTestGateway,
  takeStats,
  type TestGateway,
} from '../support/testGateway';

type Answer<T> = {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

/** The provincial sample system registered again at runtime, for one district (H56.01). */
function districtDocument(
  url: string,
  id = 'thanh-hoa-h5601',
  apiKey: string = SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY,
) {
  return `id: ${id}
kind: rest-json
name: Một cửa phường Hạc Thành (đăng ký khi chạy)
coverage: { units: [H56.01] }
upstream:
  baseUrl: ${url}
  auth: { type: apiKey, header: X-Api-Key, value: "${apiKey}" }
config:
  lookup:
    single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] }
  mapping:
    code: dossierNo
    status: dossierStatus
    receivedAt: receiveDate
    applicant: { name: applicantName }
  statuses:
    map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 }
  dates: { formats: ['dd/MM/yyyy HH:mm:ss'] }
`;
}

const CONNECTOR = `id name origin version enabled document coverage { units } updatedBy`;
const LOOKUP = `query ($c: String!) { dossier(code: $c) { code status { code } source { connector } } }`;

describe('Runtime registrations: register, update, switch, delete, roll back — without a restart', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let registryDir: string;
  let code: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 800, seed: 81 });
    registryDir = await mkdtemp(join(tmpdir(), 'registry-test-'));
    t = await startTestGateway({
      samples,
      env: { REGISTRY_DIR: registryDir, CATALOGUE_SYNC_INTERVAL_MS: '0', CACHE: 'none' },
    });
    [code] = findCodes(samples.provincial.dataset, 1, (d) => d.agency.code === '000.00.01.H56') as [
      string,
    ];
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const connectorOf = async (c: string) =>
    ((await t.query<{ dossier: { source: { connector: string } } }>(LOOKUP, { c })).data?.dossier
      .source.connector ?? null) as string | null;

  it('routes to a connector registered at runtime at once, with its secret sealed at rest and never shown', async () => {
    expect(await connectorOf(code)).toBe('thanh-hoa-motcua');
    const made = await t.query<{ registerConnector: Record<string, any> }>(
      `mutation ($d: String!) { registerConnector(document: $d) { ${CONNECTOR} } }`,
      { d: districtDocument(samples.provincial.url) },
      'province-it',
    );
    expect(made.errors).toBeUndefined();
    expect(made.data?.registerConnector).toMatchObject({
      id: 'thanh-hoa-h5601',
      origin: 'RUNTIME',
      version: 1,
      enabled: true,
      coverage: { units: ['H56.01'] },
      updatedBy: `key:${t.keys['province-it'].slice(5, 21)}`,
    });
    const shown = made.data?.registerConnector.document as string;
    expect(shown).toContain('value: "********"');
    expect(shown).not.toContain(SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY);
    expect(await connectorOf(code)).toBe('thanh-hoa-h5601');

    const stored = await readFile(join(registryDir, 'thanh-hoa-h5601.json'), 'utf8');
    expect(stored).not.toContain(SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY);
    expect(stored).toMatch(/"value": "enc:v1:t1:/);
    expect(t.logger.text()).not.toContain(SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY);
  });

  it('refuses a stale version, keeps a secret sent back as ********, and numbers versions', async () => {
    const current = await t.query<{ connector: { version: number; document: string } }>(
      '{ connector(id: "thanh-hoa-h5601") { version document } }',
      {},
      'province-it',
    );
    const { version, document } = current.data?.connector ?? ({} as never);
    const renamed = document.replace(/^name: .*$/m, 'name: Một cửa Hạc Thành (đổi tên)');
    const stale = await t.query(
      `mutation ($d: String!) { updateConnector(id: "thanh-hoa-h5601", version: ${version - 1 || 99}, document: $d) { version } }`,
      { d: renamed },
      'province-it',
    );
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(stale.errors?.[0]?.message).toContain(`is at version ${version}`);

    const updated = await t.query<{ updateConnector: { version: number; name: string } }>(
      `mutation ($d: String!) { updateConnector(id: "thanh-hoa-h5601", version: ${version}, document: $d) { version name } }`,
      { d: renamed },
      'province-it',
    );
    expect(updated.data?.updateConnector).toEqual({
      version: version + 1,
      name: 'Một cửa Hạc Thành (đổi tên)',
    });
    // The API key kept its value: the upstream still accepts the gateway.
    takeStats(samples.provincial);
    const answer = await t.query<{ dossier: { source: { connector: string } } }>(LOOKUP, {
      c: code,
    });
    expect(answer.data?.dossier.source.connector).toBe('thanh-hoa-h5601');
    expect(takeStats(samples.provincial)).toMatchObject({ singleCalls: 1, rejectedAuth: 0 });
  });

  it('switches off (routing falls back), on again, deletes, and rolls back to an earlier version', async () => {
    const version = async () =>
      (
        await t.query<{ connector: { version: number } | null }>(
          '{ connector(id: "thanh-hoa-h5601") { version } }',
        )
      ).data?.connector?.version as number;
    let v = await version();
    await t.query(
      `mutation { setConnectorEnabled(id: "thanh-hoa-h5601", version: ${v}, enabled: false) { version } }`,
    );
    expect(await connectorOf(code)).toBe('thanh-hoa-motcua');
    v = await version();
    await t.query(
      `mutation { setConnectorEnabled(id: "thanh-hoa-h5601", version: ${v}, enabled: true) { version } }`,
    );
    expect(await connectorOf(code)).toBe('thanh-hoa-h5601');
    v = await version();
    const rolled = await t.query<{ rollbackConnector: { version: number; name: string } }>(
      `mutation { rollbackConnector(id: "thanh-hoa-h5601", version: ${v}, toVersion: 1) { version name } }`,
    );
    expect(rolled.data?.rollbackConnector).toEqual({
      version: v + 1,
      name: 'Một cửa phường Hạc Thành (đăng ký khi chạy)',
    });
    await t.query(`mutation { deleteConnector(id: "thanh-hoa-h5601", version: ${v + 1}) { id } }`);
    expect(await connectorOf(code)).toBe('thanh-hoa-motcua');
    expect(await version()).toBeUndefined();
    const history = await t.query<{
      connectorVersions: Array<{ version: number; note: string | null; deleted: boolean }>;
    }>('{ connectorVersions(id: "thanh-hoa-h5601") { version note deleted } }');
    expect(history.data?.connectorVersions.map((entry) => entry.note)).toEqual([
      null,
      null,
      'disabled',
      'enabled',
      'rollback to v1',
      'deleted',
    ]);
    const audited = await t.query<{
      auditLog: { nodes: Array<{ action: string; scope: string }> };
    }>('{ auditLog(filter: { operation: "" }, first: 50) { nodes { action scope } } }');
    expect(
      audited.data?.auditLog.nodes
        .filter((entry) => entry.action.startsWith('registry.'))
        .map((entry) => entry.action)
        .reverse(),
    ).toEqual([
      'registry.create',
      'registry.update',
      'registry.disable',
      'registry.enable',
      'registry.rollback',
      'registry.delete',
    ]);
  });

  it('refuses invalid documents, static ids, coverage grabs and out-of-scope coverage, writing nothing', async () => {
    const before = (await readdir(registryDir)).sort();
    const cases: Array<[string, string, string, 'province-it' | 'admin']> = [
      ['id: [', 'BAD_USER_INPUT', 'not valid YAML or JSON at line 1', 'admin'],
      ['- a list', 'BAD_USER_INPUT', 'a registration is a mapping', 'admin'],
      [
        districtDocument('ftp://127.0.0.1:1').replace('H56.01', 'H56.02'),
        'BAD_USER_INPUT',
        'upstream.baseUrl',
        'admin',
      ],
      [
        districtDocument(samples.provincial.url, 'Bad Id').replace('H56.01', 'H56.02'),
        'BAD_USER_INPUT',
        'id:',
        'admin',
      ],
      [
        districtDocument(samples.provincial.url).replace(
          'path: "/api/v1/dossiers/{code}"',
          'path: /no-code',
        ),
        'BAD_USER_INPUT',
        'config.lookup.single.path: the path must contain {code}',
        'admin',
      ],
      [
        districtDocument(samples.provincial.url, 'thanh-hoa-motcua'),
        'CONFLICT',
        'static registration',
        'admin',
      ],
      [
        districtDocument(samples.provincial.url, 'grab').replace('[H56.01]', '[H56]'),
        'BAD_USER_INPUT',
        'coverage: unit H56 is already covered by registration "thanh-hoa-motcua"',
        'admin',
      ],
      [
        districtDocument(samples.provincial.url, 'other-province').replace('[H56.01]', '[H26]'),
        'FORBIDDEN',
        'coverage: H26 is outside the scope of Demo: Sở KH&CN Thanh Hóa (H56)',
        'province-it',
      ],
      [
        districtDocument(samples.provincial.url, 'by-pattern').replace(
          'coverage: { units: [H56.01] }',
          'coverage: { dossierCodePattern: "^X" }',
        ),
        'FORBIDDEN',
        'only an administrator may route codes by pattern',
        'province-it',
      ],
    ];
    for (const [document, errorCode, message, role] of cases) {
      const answer: Answer<unknown> = await t.query(
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        { d: document },
        role,
      );
      expect([message, answer.errors?.[0]?.extensions?.code]).toEqual([message, errorCode]);
      expect(answer.errors?.[0]?.message).toContain(message);
    }
    expect((await readdir(registryDir)).sort()).toEqual(before);
  });

  it('names the field of each malformed part, writing nothing', async () => {
    const before = (await readdir(registryDir)).sort();
    const base = districtDocument(samples.provincial.url, 'malformed').replace('H56.01', 'H56.03');
    const cases: Array<[string, string, string]> = [
      ['kind: rest-json', 'kind: carrier-pigeon', 'kind: unknown connector kind "carrier-pigeon"'],
      ['name: Một cửa phường Hạc Thành (đăng ký khi chạy)\n', '', 'name: Invalid input'],
      ['coverage: { units: [H56.03] }', 'coverage: {}', 'coverage: declare at least one'],
      [
        'coverage: { units: [H56.03] }',
        'coverage: { units: ["not a key"] }',
        'coverage.units[0]: a hierarchy key',
      ],
      ['auth: { type: apiKey,', 'auth: { type: kerberos,', 'upstream.auth.type'],
      ['  auth:', '  timeoutMs: -5\n  auth:', 'upstream.timeoutMs: Too small'],
      ['    code: dossierNo\n', '', 'config.mapping.code: Invalid input'],
      ['done: 10 }', 'done: 11 }', 'config.statuses.map.done: Too big'],
      [
        "dates: { formats: ['dd/MM/yyyy HH:mm:ss'] }",
        'dates: { formats: 7 }',
        'config.dates.formats',
      ],
      [
        'mapping:\n    code: dossierNo',
        'mapping:\n    code: "$$$("',
        'config.mapping.code: JSONata syntax error',
      ],
    ];
    for (const [from, to, path] of cases) {
      expect(base).toContain(from);
      const answer: Answer<unknown> = await t.query(
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        { d: base.replace(from, to) },
      );
      expect([to, answer.errors?.[0]?.extensions?.code]).toEqual([to, 'BAD_USER_INPUT']);
      expect([to, answer.errors?.[0]?.message]).toEqual([to, expect.stringContaining(path)]);
    }
    expect((await readdir(registryDir)).sort()).toEqual(before);
  });

  it('answers malformed addresses and oversize documents with BAD_USER_INPUT naming the field, never a server error', async () => {
    const before = (await readdir(registryDir)).sort();
    const base = districtDocument(samples.provincial.url, 'malformed-url').replace(
      'H56.01',
      'H56.04',
    );
    const baseUrl = `baseUrl: ${samples.provincial.url}`;
    const token = (url: string) =>
      base.replace(
        /auth: \{[^}]*\}/,
        `auth: { type: oauth2ClientCredentials, tokenUrl: "${url}", clientId: a, clientSecret: b }`,
      );
    // 900 KB in one description: a registration is a few kilobytes (the bundled ones ~4.5 KB).
    const huge = base.replace(
      'kind: rest-json',
      `kind: rest-json\ndescription: "${'x'.repeat(900_000)}"`,
    );
    const cases: Array<[string, string]> = [
      [
        base.replace(baseUrl, 'baseUrl: //127.0.0.2:18080/'),
        'upstream.baseUrl: an absolute http(s) URL',
      ],
      [base.replace(baseUrl, 'baseUrl: "http://"'), 'upstream.baseUrl: an absolute http(s) URL'],
      [base.replace(baseUrl, 'baseUrl: "http:/x"'), 'upstream.baseUrl'],
      [
        base.replace(baseUrl, 'baseUrl: "javascript:alert(1)"'),
        'upstream.baseUrl: an absolute http(s) URL',
      ],
      [base.replace(baseUrl, 'baseUrl: "//[::1]/"'), 'upstream.baseUrl: an absolute http(s) URL'],
      [base.replace(baseUrl, 'baseUrl: 17'), 'upstream.baseUrl'],
      [token('//127.0.0.2:18080/token'), 'upstream.auth.tokenUrl: an absolute http(s) URL'],
      [token('ftp://example.org/token'), 'upstream.auth.tokenUrl: an absolute http(s) URL'],
      [huge, '(document): 900'],
    ];
    for (const [document, message] of cases) {
      for (const mutation of [
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        'mutation ($d: String!) { testConnector(document: $d) { connector } }',
      ]) {
        const answer: Answer<unknown> = await t.query(mutation, { d: document });
        const shown = document.length > 200 ? `${document.length} characters` : document;
        expect([shown, mutation, answer.errors?.[0]?.extensions?.code]).toEqual([
          shown,
          mutation,
          'BAD_USER_INPUT',
        ]);
        expect([shown, answer.errors?.[0]?.message]).toEqual([
          shown,
          expect.stringContaining(message),
        ]);
      }
    }
    expect(huge.length).toBeGreaterThan(900_000);
    expect((await readdir(registryDir)).sort()).toEqual(before);
  });

  it('dry-runs a document: found or not, fields filled, unmapped statuses, warnings, a masked sample — storing nothing', async () => {
    const [done] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56' && d.status === 10 && d.applicant.type === 1,
    ) as [string];
    const draft = districtDocument(samples.provincial.url, 'thanh-hoa-draft')
      .replace('releasing: 9, done: 10 }', 'releasing: 9 }')
      .replace("formats: ['dd/MM/yyyy HH:mm:ss']", "formats: ['yyyy-MM-dd']");
    const before = await t.query<{ connectors: Array<{ id: string }> }>('{ connectors { id } }');
    const probe = await t.query<{ testConnector: Record<string, any> }>(
      `mutation ($d: String!, $c: [String!]!) { testConnector(document: $d, codes: $c) {
        connector dossiers { code found error { code } }
        fieldsFilled { field filled of } unmappedStatuses warnings { field problem count }
        sample { code applicant { name } status { raw } } catalogue { entries }
      } }`,
      { d: draft, c: [done, '000.00.01.H56-260101-9999'] },
      'province-it',
    );
    expect(probe.errors).toBeUndefined();
    const report = probe.data?.testConnector ?? {};
    expect(report.dossiers).toEqual([
      { code: done, found: true, error: null },
      { code: '000.00.01.H56-260101-9999', found: false, error: { code: 'DOSSIER_NOT_FOUND' } },
    ]);
    const filled = Object.fromEntries(
      report.fieldsFilled.map((f: { field: string; filled: number }) => [f.field, f.filled]),
    );
    expect(filled).toMatchObject({
      'applicant.name': 1,
      procedureName: 0,
      status: 0,
      receivedAt: 0,
    });
    expect(report.unmappedStatuses).toEqual(['done']);
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'receivedAt', count: 1 }),
        expect.objectContaining({
          field: 'status',
          problem: 'status "…" is not in the registration\'s status table',
        }),
      ]),
    );
    const raw = samples.provincial.dataset.get(done)?.applicant.name;
    expect(report.sample.code).toBe(done);
    expect(report.sample.applicant.name).not.toBe(raw);
    expect(report.sample.applicant.name).toContain('*');
    expect(report.catalogue).toBeNull();
    const after = await t.query<{ connectors: Array<{ id: string }> }>('{ connectors { id } }');
    expect(after.data?.connectors).toEqual(before.data?.connectors);

    // A wrong key shows up as the system refusing the gateway.
    const refused = await t.query<{
      testConnector: { dossiers: Array<{ error: { code: string } | null }> };
    }>(
      'mutation ($d: String!, $c: [String!]!) { testConnector(document: $d, codes: $c) { dossiers { error { code } } } }',
      { d: districtDocument(samples.provincial.url, 'thanh-hoa-draft', 'wrong-key'), c: [done] },
      'province-it',
    );
    expect(refused.data?.testConnector.dossiers[0]?.error?.code).toBe('UPSTREAM_AUTH_FAILED');
  });

  it("dry-runs a catalogue: the first page's warnings counted, with the values it could not read", async () => {
    const draft = `${districtDocument(samples.provincial.url, 'thanh-hoa-draft')}  channels: { DIRECT: 1, ONLINE: 2, POSTAL: 3 }
  catalogue:
    path: /api/v1/services
    query: { page: $page, size: $size }
    records: data
    pagination: { type: page, size: 4, total: total }
    mapping:
      code: serviceCode
      name: serviceName
      channels:
        each: processes
        fields:
          channel: channel
          processingTime: durationText
          processingDays: durationDays
          fees: { each: fees, fields: { name: feeName, amount: feeAmount } }
`;
    const probe = await t.query<{ testConnector: Record<string, any> }>(
      `mutation ($d: String!) { testConnector(document: $d, codes: []) {
        catalogue { entries codes warnings { field problem count } error { code } }
      } }`,
      { d: draft },
      'province-it',
    );
    expect(probe.errors).toBeUndefined();
    const catalogue = probe.data?.testConnector.catalogue;
    // The first page: two records of "Đăng ký khai sinh" publish a limit with conditions, on both channels.
    expect(catalogue.codes).toEqual([
      '1.000656.000.00.00.H56',
      '1.000894',
      '1.000894.000.00.00.H56',
      '1.001612',
    ]);
    expect(catalogue.error).toBeNull();
    expect(catalogue.warnings).toEqual(
      [0, 1].map((channel) => ({
        field: `channels[${channel}].processingTime`,
        problem: expect.stringContaining(
          'time limit "Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ',
        ),
        count: 2,
      })),
    );
  });

  it('the connectors command line does the same through the API', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'cli-'));
    const file = join(folder, 'h5602.yaml');
    // The key comes from the caller's shell, for the dry run and the registration alike.
    await writeFile(
      file,
      districtDocument(samples.provincial.url, 'thanh-hoa-h5602', '${H5602_API_KEY}'),
    );
    const run = (...args: string[]) =>
      runCli(
        'connectors',
        {
          GATEWAY_URL: t.url,
          GATEWAY_API_KEY: t.keys['province-it'],
          H5602_API_KEY: SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY,
        },
        ...args,
      );
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    ) as [string];
    const unset = await runCli(
      'connectors',
      { GATEWAY_URL: t.url, GATEWAY_API_KEY: t.keys['province-it'], H5602_API_KEY: '' },
      'test',
      file,
      code,
    );
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain(
      `${file} upstream.auth.value: refers to \${H5602_API_KEY}, which is not set in your shell`,
    );
    const tested = await run('test', file, code);
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout).dossiers).toEqual([{ code, found: true, error: null }]);
    const registered = await run('register', file);
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ id: 'thanh-hoa-h5602', version: 1 });
    expect(JSON.parse((await run('list')).stdout).map((c: { id: string }) => c.id)).toContain(
      'thanh-hoa-h5602',
    );
    const stale = await run('disable', 'thanh-hoa-h5602', '7');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('CONFLICT: thanh-hoa-h5602 is at version 1, not 7');
    expect((await run('disable', 'thanh-hoa-h5602', '1')).code).toBe(0);
    const shown = await run('show', 'thanh-hoa-h5602');
    expect(shown.stdout).toContain('"enabled": false');
    expect(shown.stdout).not.toContain(SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY);
  }, 90_000);

  it("keeps province IT away from another agency's connector", async () => {
    const ministry = await t.query<{ registerConnector: { version: number } }>(
      'mutation ($d: String!) { registerConnector(document: $d) { version } }',
      {
        d: districtDocument(samples.provincial.url, 'bo-noi-vu-phu').replace(
          '[H56.01]',
          '[G09.99]',
        ),
      },
      'admin',
    );
    expect(ministry.errors).toBeUndefined();
    const seen = await t.query<{ connectors: Array<{ id: string }> }>(
      '{ connectors { id } }',
      {},
      'province-it',
    );
    expect(seen.data?.connectors.map((c) => c.id)).not.toContain('bo-noi-vu-phu');
    expect(seen.data?.connectors.map((c) => c.id)).not.toContain('bo-noi-vu-dvc');
    const change = await t.query(
      'mutation { setConnectorEnabled(id: "bo-noi-vu-phu", version: 1, enabled: false) { id } }',
      {},
      'province-it',
    );
    expect(change.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('Runtime registrations survive a restart and reach every replica', () => {
  it('a gateway started again on the same folder routes to what was registered', async () => {
    const samples = await startSampleSystems({ size: 300, seed: 82 });
    const registryDir = await mkdtemp(join(tmpdir(), 'registry-restart-'));
    const env = { REGISTRY_DIR: registryDir, CATALOGUE_SYNC_INTERVAL_MS: '0' };
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    );
    const first = await startTestGateway({ samples, env });
    await first.query('mutation ($d: String!) { registerConnector(document: $d) { id } }', {
      d: districtDocument(samples.provincial.url),
    });
    await first.close();
    const second = await startTestGateway({ samples, env });
    try {
      const answer = await second.query<{ dossier: { source: { connector: string } } }>(LOOKUP, {
        c: code,
      });
      expect(answer.data?.dossier.source.connector).toBe('thanh-hoa-h5601');
    } finally {
      await second.close();
      await samples.close();
    }
  });

  it('rotates the secrets key: old secrets open with the old key listed second, re-sealed by the command, then the old key goes', async () => {
    const samples = await startSampleSystems({ size: 300, seed: 84 });
    const registryDir = await mkdtemp(join(tmpdir(), 'registry-rotate-'));
    const oldKey = `old:${Buffer.alloc(32, 7).toString('base64')}`;
    const newKey = `new:${Buffer.alloc(32, 9).toString('base64')}`;
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    );
    const routedWith = async (key: string) => {
      const gateway = await startTestGateway({
        samples,
        env: {
          REGISTRY_DIR: registryDir,
          SECRETS_KEY: key,
          CATALOGUE_SYNC_INTERVAL_MS: '0',
          CACHE: 'none',
        },
      });
      try {
        const answer = await gateway.query<{ dossier: { source: { connector: string } } | null }>(
          LOOKUP,
          { c: code },
        );
        const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as {
          degraded: boolean;
          notRouted: Array<{ id: string; problem: string }>;
        };
        return { connector: answer.data?.dossier?.source.connector, ready };
      } finally {
        await gateway.close();
      }
    };
    try {
      const first = await startTestGateway({
        samples,
        env: { REGISTRY_DIR: registryDir, SECRETS_KEY: oldKey, CATALOGUE_SYNC_INTERVAL_MS: '0' },
      });
      await first.query('mutation ($d: String!) { registerConnector(document: $d) { id } }', {
        d: districtDocument(samples.provincial.url),
      });
      await first.close();
      const file = join(registryDir, 'thanh-hoa-h5601.json');
      expect(await readFile(file, 'utf8')).toContain('enc:v1:old:');

      // The new key alone cannot open it: not routed (the province's system answers instead),
      // and /readyz says so without a word of the secret.
      const withoutOld = await routedWith(newKey);
      expect(withoutOld.connector).toBe('thanh-hoa-motcua');
      expect(withoutOld.ready.degraded).toBe(true);
      expect(withoutOld.ready.notRouted).toEqual([
        { id: 'thanh-hoa-h5601', version: 1, problem: 'unreadable' },
      ]);
      // New key first, old key still listed: the gateway reads what the old key sealed.
      const both = await routedWith(`${newKey}\n${oldKey}`);
      expect(both.connector).toBe('thanh-hoa-h5601');
      expect(both.ready.notRouted).toEqual([]);
      const rotated = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'connectors.ts'), 'reencrypt'],
        {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            REGISTRY_DIR: registryDir,
            SECRETS_KEY: `${newKey},${oldKey}`,
            AUDIT_DIR: join(registryDir, '..', 'rotate-audit'),
          },
          encoding: 'utf8',
        },
      );
      expect(rotated.stdout).toContain('thanh-hoa-h5601: v2, sealed with new');
      expect(rotated.status).toBe(0);
      const latest = JSON.parse(await readFile(file, 'utf8')).versions.at(-1);
      expect(JSON.stringify(latest.document)).toContain('enc:v1:new:');
      expect(JSON.stringify(latest.document)).not.toContain('enc:v1:old:');
      // The old key can go: the current version opens with the new one alone.
      expect((await routedWith(newKey)).connector).toBe('thanh-hoa-h5601');
    } finally {
      await samples.close();
    }
  });

  it('two replicas on one Redis: registered on one, routed on the other within a second', async () => {
    const redis = await startRedisServer();
    const samples = await startSampleSystems({ size: 300, seed: 83 });
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'registry-test:',
      REGISTRY_DIR: '',
      CATALOGUE_SYNC_INTERVAL_MS: '0',
      CACHE: 'none',
    };
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    );
    const first = await startTestGateway({ samples, env });
    const second = await startTestGateway({ samples, env });
    try {
      const registered = await first.query<{ registerConnector: { id: string } }>(
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        { d: districtDocument(samples.provincial.url) },
      );
      expect(registered.errors).toBeUndefined();
      const started = Date.now();
      let connector: string | undefined;
      while (Date.now() - started < 1000) {
        const answer = await second.query<{ dossier: { source: { connector: string } } }>(LOOKUP, {
          c: code,
        });
        connector = answer.data?.dossier.source.connector;
        if (connector === 'thanh-hoa-h5601') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(connector).toBe('thanh-hoa-h5601');
    } finally {
      await Promise.all([first.close(), second.close()]);
      await samples.close();
      await redis.stop();
    }
  });
});
