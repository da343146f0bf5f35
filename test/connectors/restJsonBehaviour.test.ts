import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import nock from 'nock';
import { ConnectorError } from '../../connectors/ConnectorError';
import { nationalSyncKind } from '../../connectors/national-sync/nationalSyncKind';
import { restJsonKind } from '../../connectors/rest-json/restJsonKind';
import type { RestJsonConfig } from '../../connectors/rest-json/configSchema';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { createTestLogger } from '../support/testLogger';

const BASE = 'http://tinh.upstream.test/api';
const A = '000.00.01.H99-250101-0001';
const B = '000.00.01.H99-250101-0002';

function connector(config: Record<string, unknown>) {
  const parsed = restJsonKind.configSchema.parse({
    mapping: { code: 'ma', status: 'tt', files: { each: 'tep', fields: { url: 'url' } } },
    statuses: { map: { moi: 2 } },
    ...config,
  });
  return restJsonKind.create(parsed, {
    connectorId: 'tinh-x',
    http: createUpstreamHttp({
      network: NetworkPolicy.unrestricted(),
      connectorId: 'tinh-x',
      baseUrl: BASE,
      timeoutMs: 2000,
      auth: { type: 'none' },
      maxResponseBytes: 1 << 20,
      now: Date.now,
    }),
    logger: createTestLogger(),
    clock: { now: () => new Date() },
  });
}
const call = () => ({ signal: new AbortController().signal, requestId: 't' });

describe('rest-json: answers that must not be taken at face value', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it('refuses a single lookup that answers several records, instead of mixing them', async () => {
    nock('http://tinh.upstream.test')
      .get(`/api/ho-so/${A}`)
      .reply(200, {
        data: [
          { ma: A, tt: 'moi', tep: [{ url: 'a.pdf' }] },
          { ma: B, tt: 'moi', tep: [{ url: 'cccd-b.pdf' }] },
        ],
      });
    const [result] = await connector({
      lookup: { single: { path: '/ho-so/{code}', record: 'data' } },
    }).getDossiers([A], call());
    expect(result).toBeInstanceOf(ConnectorError);
    expect(result).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      message: expect.stringContaining('2 records for one code'),
    });
  });

  it('takes a one-element list as the record', async () => {
    nock('http://tinh.upstream.test')
      .get(`/api/ho-so/${A}`)
      .reply(200, { data: [{ ma: A, tt: 'moi' }] });
    const [result] = await connector({
      lookup: { single: { path: '/ho-so/{code}', record: 'data' } },
    }).getDossiers([A], call());
    expect(result).toMatchObject({ code: A, status: { code: 2 } });
  });

  it('answers an error-shaped bulk answer (no list) as UPSTREAM_BAD_RESPONSE, not as "not found"', async () => {
    nock('http://tinh.upstream.test')
      .post('/api/tra-cuu')
      .reply(200, { error_code: '-1', message: 'Hệ thống bận' });
    const results = await connector({
      lookup: { bulk: { path: '/tra-cuu', records: 'data' } },
    }).getDossiers([A, B], call());
    for (const result of results)
      expect(result).toMatchObject({
        code: 'UPSTREAM_BAD_RESPONSE',
        message: expect.stringContaining('no list of records'),
      });
  });

  it('answers an empty bulk list as "not found"', async () => {
    nock('http://tinh.upstream.test').post('/api/tra-cuu').reply(200, { data: [] });
    expect(
      await connector({ lookup: { bulk: { path: '/tra-cuu', records: 'data' } } }).getDossiers(
        [A],
        call(),
      ),
    ).toEqual([null]);
  });

  it('prefers a readable record over an unreadable one for the same code', async () => {
    nock('http://tinh.upstream.test')
      .post('/api/tra-cuu')
      .reply(200, { data: [{ ma: A }, { ma: A, tt: 'moi' }] });
    const [result] = await connector({
      lookup: { bulk: { path: '/tra-cuu', records: 'data' } },
    }).getDossiers([A], call());
    expect(result).toMatchObject({ code: A, status: { code: 2 } });
  });

  it('sends a bulk lookup as one call, and refuses more codes than its maxBatch rather than splitting them', async () => {
    const codes = Array.from(
      { length: 3 },
      (_, i) => `000.00.01.H99-250101-${String(i + 1).padStart(4, '0')}`,
    );
    nock('http://tinh.upstream.test')
      .post('/api/tra-cuu', { codes })
      .reply(200, { data: codes.map((ma) => ({ ma, tt: 'moi' })) });
    const bulk = connector({
      lookup: { bulk: { path: '/tra-cuu', records: 'data', maxBatch: 3 } },
    });
    expect((await bulk.getDossiers(codes, call())).map((result) => result?.code)).toEqual(codes);
    // The gateway's runtime cuts lists to capabilities.dossierLookup.maxBatch: more is its bug.
    await expect(bulk.getDossiers([...codes, A], call())).rejects.toThrow(
      'tinh-x: 4 codes for one bulk lookup, more than its maxBatch 3',
    );
  });

  it('keeps single lookups to `concurrency` in flight across every call of the connector', async () => {
    let inFlight = 0;
    let most = 0;
    nock('http://tinh.upstream.test')
      .get(/\/api\/ho-so\/.+/)
      .times(40)
      .reply(async (uri) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight -= 1;
        return [200, { ma: decodeURIComponent(uri.split('/').pop() as string), tt: 'moi' }];
      });
    const shared = connector({ lookup: { single: { path: '/ho-so/{code}' }, concurrency: 3 } });
    const codes = (offset: number) =>
      Array.from(
        { length: 20 },
        (_, i) => `000.00.01.H99-250101-${String(offset + i).padStart(4, '0')}`,
      );
    const [first, second] = await Promise.all([
      shared.getDossiers(codes(1), call()),
      shared.getDossiers(codes(100), call()),
    ]);
    expect(
      [...first, ...second].every(
        (result) => result !== null && !(result instanceof ConnectorError),
      ),
    ).toBe(true);
    expect(most).toBe(3);
  });
});

describe('national-sync: overrides merge into the national mapping', () => {
  it('overriding one applicant field keeps the others', () => {
    const config = nationalSyncKind.configSchema.parse({
      lookup: { bulk: { path: '/TraCuuHoSo' } },
      mapping: { applicant: { address: 'DiaChiThuongTru' } },
    }) as RestJsonConfig;
    expect(config.mapping.applicant).toMatchObject({
      name: 'ChuHoSo',
      phone: 'SoDienThoai',
      address: 'DiaChiThuongTru',
    });
    expect(config.mapping.applicant?.ids?.fields).toEqual({
      type: 'LoaiDinhDanh',
      number: 'SoDinhDanh',
    });
  });
});
