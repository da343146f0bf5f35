import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { runCli } from '../support/runCli';
import { findCodes } from '../support/sampleCodes';
import { PROJECT_ROOT, startTestGateway, type TestGateway } from '../support/testGateway';

/**
 * The provincial IT guide's walk-through, as written: the two full examples in examples/runtime/
 * (REST and SOAP) tested with the dry run, registered with `npm run connectors`, then routed —
 * by a province-IT key. Only the sample systems' addresses differ (free ports here).
 */
describe('Provincial IT guide: the REST and SOAP examples, end to end', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let folder: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 400, seed: 79 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
    folder = await mkdtemp(join(tmpdir(), 'guide-'));
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const cli = (...args: string[]) =>
    runCli('connectors', { GATEWAY_URL: t.url, GATEWAY_API_KEY: t.keys['province-it'] }, ...args);

  const example = async (name: string) => {
    const text = (await readFile(join(PROJECT_ROOT, 'examples', 'runtime', name), 'utf8'))
      .replace('http://127.0.0.1:7001', samples.provincial.url)
      .replace('http://127.0.0.1:7003', samples.land.url)
      .replaceAll('http://127.0.0.1:7002', samples.ministry.url);
    const file = join(folder, name);
    await writeFile(file, text);
    return file;
  };

  it.each([
    ['thanh-hoa-trung-tam-pvhcc.yaml', 'thanh-hoa-trung-tam-pvhcc', 'provincial', '000.00.01.H56'],
    ['thanh-hoa-datdai-chi-nhanh.yaml', 'thanh-hoa-datdai-chi-nhanh', 'land', '000.30.12.H56'],
  ] as const)('%s: dry run clean, registered, routed', async (name, id, system, agency) => {
    const file = await example(name);
    const [code] = findCodes(samples[system].dataset, 1, (d) => d.agency.code === agency);
    const tested = await cli('test', file, code as string);
    expect(tested.stderr).toBe('');
    expect(tested.code).toBe(0);
    const report = JSON.parse(tested.stdout) as {
      dossiers: Array<{ found: boolean }>;
      unmappedStatuses: unknown[];
      fieldsFilled: Array<{ field: string; filled: number }>;
    };
    expect(report.dossiers).toEqual([{ code, found: true, error: null }]);
    expect(report.unmappedStatuses).toEqual([]);
    const registered = await cli('register', file);
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ id, version: 1 });
    const answer = await t.query<{ dossier: { source: { connector: string } } }>(
      'query ($c: String!) { dossier(code: $c) { source { connector } } }',
      { c: code },
      'portal',
    );
    expect(answer.data?.dossier.source.connector).toBe(id);
    // The secret went in as written and never comes back.
    const shown = await cli('show', id);
    expect(shown.stdout).toContain('********');
    for (const secret of [
      SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY,
      SAMPLE_CREDENTIALS.SAMPLE_LAND_PASSWORD,
    ]) {
      expect(shown.stdout).not.toContain(secret);
    }
  });

  it("bo-noi-vu-van-thu-luu-tru.yaml: codes in the system's own form, routed by a pattern set with a province-it key", async () => {
    // The department's IT staff: a province-it key scoped to their unit only.
    const created = await t.query<{ createApiKey: { key: string } }>(
      'mutation { createApiKey(input: { name: "CNTT Cục Văn thư", role: PROVINCE_IT, agencies: ["G09.22"] }) { key } }',
    );
    const key = created.data?.createApiKey.key as string;
    const ownCli = (...args: string[]) =>
      runCli('connectors', { GATEWAY_URL: t.url, GATEWAY_API_KEY: key }, ...args);
    const ministry = samples.ministry.dataset;
    const [code] = findCodes(ministry, 1, (d) => d.agency.code === '000.00.22.G09');
    expect(code).toMatch(/^G09\.22-\d{8}-\d{7}$/);
    // Before it is registered, the code is not one the gateway can route.
    const before = await t.query<{ dossier: null }>(
      'query ($c: String!) { dossier(code: $c) { code } }',
      { c: code },
      'portal',
    );
    expect(before.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const file = await example('bo-noi-vu-van-thu-luu-tru.yaml');
    const tested = await ownCli('test', file, code as string);
    expect(tested.stderr).toBe('');
    expect(JSON.parse(tested.stdout).dossiers).toEqual([{ code, found: true, error: null }]);
    const registered = await ownCli('register', file);
    expect(registered.stderr).toBe('');
    expect(JSON.parse(registered.stdout)).toMatchObject({
      id: 'bo-noi-vu-van-thu-luu-tru',
      version: 1,
    });
    const answer = await t.query<{
      dossier: { code: string; agency: { code: string }; source: { connector: string } };
    }>(
      'query ($c: String!) { dossier(code: $c) { code agency { code } source { connector } } }',
      { c: code },
      'portal',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.dossier).toEqual({
      code,
      agency: { code: '000.00.22.G09' },
      source: { connector: 'bo-noi-vu-van-thu-luu-tru' },
    });
    // A code of the same form naming another unit of the ministry is not given to it.
    const other = await t.query<{ dossier: null }>(
      'query ($c: String!) { dossier(code: $c) { code } }',
      { c: (code as string).replace('G09.22', 'G09.20') },
      'portal',
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // The same key cannot route codes by a pattern that does not name their agency.
    const loose = join(folder, 'loose.yaml');
    await writeFile(
      loose,
      (await readFile(file, 'utf8'))
        .replace('id: bo-noi-vu-van-thu-luu-tru', 'id: bo-noi-vu-loose')
        .replace("'(?<agency>G09\\.\\d{2})-\\d{8}-\\d{7}'", "'G09\\.\\d{2}-\\d{8}-\\d{7}'"),
    );
    const refused = await ownCli('register', loose);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain(
      "coverage.dossierCodePattern: a pattern set without an administrator key must name each code's agency",
    );
  });
});
