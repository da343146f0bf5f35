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
      .replace('http://127.0.0.1:7003', samples.land.url);
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
});
