import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

/** The provincial sample system registered at runtime for one district, with a status table. */
function document(url: string, statuses: string) {
  return `id: thanh-hoa-h5601
kind: rest-json
name: Một cửa phường Hạc Thành
coverage: { units: [H56.01] }
upstream:
  baseUrl: ${url}
  auth: { type: apiKey, header: X-Api-Key, value: "${SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY}" }
config:
  lookup:
    single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] }
  mapping:
    code: dossierNo
    status: dossierStatus
    receivedAt: receiveDate
    applicant: { name: applicantName }
  statuses:
    map: { ${statuses} }
  dates: { formats: ['dd/MM/yyyy HH:mm:ss'] }
`;
}

const STATUSES: Record<string, number> = {
  receiving: 1,
  new: 2,
  denied: 3,
  processing: 4,
  waiting: 5,
  paying: 6,
  cancelled: 7,
  unresolved: 8,
  releasing: 9,
  done: 10,
};
const table = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([raw, code]) => `${raw}: ${code}`)
    .join(', ');

const LOOKUP = `query ($c: String!) { dossier(code: $c) { code status { code raw }
  source { connector registrationVersion cached } } }`;

type Looked = {
  dossier: {
    status: { code: number | null; raw: string };
    source: { connector: string; registrationVersion: number | null; cached: boolean };
  };
};

/**
 * A new version of a registration answers at once: a dossier cached from the version before is
 * not served (not as fresh, not as a fallback), and every answer says which version mapped it.
 */
describe('Registration versions: an answer is mapped by the version registered now', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let code: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 400, seed: 83 });
    t = await startTestGateway({
      samples,
      // The in-process cache (the default), so a dossier of version 1 is there to be (not) served.
      env: {
        REGISTRY_DIR: await mkdtemp(join(tmpdir(), 'versions-')),
        CATALOGUE_SYNC_INTERVAL_MS: '0',
      },
    });
    [code] = findCodes(samples.provincial.dataset, 1, (d) => d.agency.code === '000.00.01.H56') as [
      string,
    ];
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const lookUp = async () => {
    const answer = await t.query<Looked>(LOOKUP, { c: code });
    expect(answer.errors).toBeUndefined();
    return answer.data?.dossier as Looked['dossier'];
  };

  it('serves version 2’s mapping at once after an update, from the system, then cached', async () => {
    const registered = await t.query<{ registerConnector: { version: number } }>(
      'mutation ($d: String!) { registerConnector(document: $d) { version } }',
      { d: document(samples.provincial.url, table(STATUSES)) },
      'province-it',
    );
    expect(registered.data?.registerConnector.version).toBe(1);

    const first = await lookUp();
    expect(first.source).toEqual({
      connector: 'thanh-hoa-h5601',
      registrationVersion: 1,
      cached: false,
    });
    const raw = first.status.raw;
    expect(first.status.code).toBe(STATUSES[raw]);
    expect((await lookUp()).source.cached).toBe(true);

    // Version 2 reads the same raw status as another national status.
    const changed = STATUSES[raw] === 9 ? 10 : 9;
    const updated = await t.query<{ updateConnector: { version: number } }>(
      'mutation ($d: String!) { updateConnector(id: "thanh-hoa-h5601", version: 1, document: $d) { version } }',
      { d: document(samples.provincial.url, table({ ...STATUSES, [raw]: changed })) },
      'province-it',
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateConnector.version).toBe(2);

    takeStats(samples.provincial);
    const after = await lookUp();
    expect(after.status).toEqual({ code: changed, raw });
    expect(after.source).toEqual({
      connector: 'thanh-hoa-h5601',
      registrationVersion: 2,
      cached: false,
    });
    expect(takeStats(samples.provincial)).toMatchObject({ singleCalls: 1 });
    const again = await lookUp();
    expect(again.status.code).toBe(changed);
    expect(again.source).toMatchObject({ registrationVersion: 2, cached: true });
  });

  it('does not fall back to an earlier version’s answer when the system fails', async () => {
    const current = await t.query<{ connector: { version: number; document: string } }>(
      '{ connector(id: "thanh-hoa-h5601") { version document } }',
      {},
      'province-it',
    );
    const { version, document: text } = current.data?.connector ?? ({} as never);
    const renamed = text.replace(/^name: .*$/m, 'name: Một cửa Hạc Thành (phiên bản mới)');
    const updated = await t.query(
      `mutation ($d: String!) { updateConnector(id: "thanh-hoa-h5601", version: ${version}, document: $d) { version } }`,
      { d: renamed },
      'province-it',
    );
    expect(updated.errors).toBeUndefined();
    samples.provincial.faults.htmlErrorStatus = 503;
    try {
      const answer = await t.query<Looked>(LOOKUP, { c: code });
      // The cached dossier was mapped by the version before: not this version's answer.
      expect(answer.data?.dossier).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      samples.provincial.faults.htmlErrorStatus = null;
    }
    expect((await lookUp()).source).toMatchObject({ registrationVersion: version + 1 });
  });
});
