import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { readConfig } from '../../src/config/readConfig';
import { ConfigurationError } from '../../src/errors/ConfigurationError';
import { loadKindModules } from '../../src/registry/loadKindModules';
import { startGateway, type RunningGateway } from '../../src/startGateway';
import { PROJECT_ROOT } from '../support/testGateway';
import { createTestLogger } from '../support/testLogger';

const EXAMPLE = 'examples/kinds/two-step-rest/twoStepRestKind.ts';
const CODE = '000.00.00.G22-250101-0001';

describe('Connector kinds as code: a module named in CONNECTOR_KIND_MODULES', () => {
  let folder: string;
  let upstream: Server;
  let gateway: RunningGateway | undefined;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'kinds-'));
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    if (upstream?.listening) await new Promise((resolve) => upstream.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  it('is loaded by name, validates its registration with its own schema, and answers through the gateway', async () => {
    const calls: string[] = [];
    upstream = createServer((req, res) => {
      calls.push(req.url as string);
      const url = new URL(req.url as string, 'http://x');
      res.setHeader('Content-Type', 'application/json');
      if (url.pathname === '/vpcp/search') {
        res.end(url.searchParams.get('ma') === CODE ? JSON.stringify({ id: 77 }) : '');
        if (url.searchParams.get('ma') !== CODE) res.statusCode = 404;
        return;
      }
      if (url.pathname === '/vpcp/records/77')
        return void res.end(
          JSON.stringify({ ma: CODE, trangThai: 'Đang xử lý', ngay: '2025-01-01 08:00:00' }),
        );
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    await writeFile(
      join(folder, 'vpcp.yaml'),
      `id: vpcp-two-step
kind: two-step-rest
name: Hệ thống một cửa Văn phòng Chính phủ (ví dụ)
coverage: { agencies: [000.00.00.G22] }
upstream: { baseUrl: '${base}/vpcp' }
config:
  searchPath: /search
  searchParam: ma
  recordPath: /records/{id}
  mapping: { code: ma, status: trangThai, receivedAt: ngay }
  statuses: { map: { 'Đang xử lý': 4 } }
`,
    );
    const config = readConfig(
      {
        PORT: '0',
        REGISTRATIONS_DIR: folder,
        CONNECTOR_KIND_MODULES: EXAMPLE,
        CATALOGUE_STARTUP_WAIT_MS: '0',
      },
      PROJECT_ROOT,
    );
    expect(config.kindModules).toEqual([EXAMPLE]);
    const kinds = loadKindModules(config.kindModules, BUILTIN_KINDS, PROJECT_ROOT);
    expect([...kinds.keys()]).toEqual(['rest-json', 'national-sync', 'soap', 'two-step-rest']);
    gateway = await startGateway(config, { logger: createTestLogger(), kinds, variables: {} });
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': gateway.demoKeys?.portal as string,
      },
      body: JSON.stringify({
        query: `{ a: dossier(code: "${CODE}") { status { value raw } receivedAt source { connector } } }`,
      }),
    });
    expect(await response.json()).toEqual({
      data: {
        a: {
          status: { value: 'PROCESSING', raw: 'Đang xử lý' },
          receivedAt: '2025-01-01T08:00:00+07:00',
          source: { connector: 'vpcp-two-step' },
        },
      },
    });
    expect(calls).toEqual([`/vpcp/search?ma=${encodeURIComponent(CODE)}`, '/vpcp/records/77']);
  });

  it("reports a kind's own config problems with their field paths", async () => {
    await writeFile(
      join(folder, 'bad.yaml'),
      'id: bad-kind\nkind: two-step-rest\nname: x\ncoverage: { agencies: [000.00.00.G22] }\nupstream: { baseUrl: "http://127.0.0.1:9" }\nconfig: { searchPath: search, recordPath: /r, mapping: { code: a, status: b }, statuses: { map: {} } }\n',
    );
    const config = readConfig({ PORT: '0', REGISTRATIONS_DIR: folder }, PROJECT_ROOT);
    const kinds = loadKindModules([EXAMPLE], BUILTIN_KINDS, PROJECT_ROOT);
    const failure = await startGateway(config, {
      logger: createTestLogger(),
      kinds,
      variables: {},
    }).catch((error: unknown) => error);
    expect((failure as ConfigurationError).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'config.searchPath: a path starting with "/"',
      'config.recordPath: a path starting with "/" containing {id}',
    ]);
  });

  it('a kind that cannot say from its config whether it lists changes: changes.modified is accepted, and each poll reports what is missing', async () => {
    await writeFile(
      join(folder, 'vpcp.yaml'),
      `id: vpcp-two-step
kind: two-step-rest
name: Hệ thống một cửa Văn phòng Chính phủ (ví dụ)
coverage: { agencies: [000.00.00.G22] }
upstream: { baseUrl: 'http://127.0.0.1:9/vpcp' }
changes: { modified: {} }
config:
  searchPath: /search
  searchParam: ma
  recordPath: /records/{id}
  mapping: { code: ma, status: trangThai, receivedAt: ngay }
  statuses: { map: { 'Đang xử lý': 4 } }
`,
    );
    const config = readConfig(
      {
        PORT: '0',
        REGISTRATIONS_DIR: folder,
        CATALOGUE_STARTUP_WAIT_MS: '0',
        CHANGE_POLLS: 'false',
      },
      PROJECT_ROOT,
    );
    const kinds = loadKindModules([EXAMPLE], BUILTIN_KINDS, PROJECT_ROOT);
    gateway = await startGateway(config, { logger: createTestLogger(), kinds, variables: {} });
    const outcome = await gateway.changes.poller.poll('vpcp-two-step', AbortSignal.timeout(5_000));
    expect(outcome).toMatchObject({
      listed: 0,
      lookedUp: 0,
      changes: 0,
      problems: [
        'BAD_USER_INPUT: vpcp-two-step declares changes.modified but its registration has no changedSince request',
      ],
    });
    expect(await gateway.changes.tracker.states.mark('vpcp-two-step')).toBeNull();
  });

  it('refuses a module that cannot load, exports no kind, or reuses a built-in name — all reported at once', async () => {
    await writeFile(join(folder, 'empty.js'), 'module.exports = {};');
    await writeFile(
      join(folder, 'clash.js'),
      "module.exports = { connectorKind: { kind: 'rest-json', configSchema: { safeParse() {} }, create() {} } };",
    );
    const attempt = () =>
      loadKindModules(
        [join(folder, 'missing.js'), join(folder, 'empty.js'), join(folder, 'clash.js')],
        BUILTIN_KINDS,
        PROJECT_ROOT,
      );
    expect(attempt).toThrow(ConfigurationError);
    const problems = (() => {
      try {
        attempt();
        return [];
      } catch (error) {
        return (error as ConfigurationError).problems.map((p) => p.message);
      }
    })();
    expect(problems).toEqual([
      expect.stringMatching(/^cannot load: Cannot find module/),
      'exports no connectorKind (or default export)',
      'a kind named "rest-json" is already registered',
    ]);
  });
});
