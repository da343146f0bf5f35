import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import nock from 'nock';
import { z } from 'zod';
import type { Connector, ConnectorKind, ProcedurePage } from '../../connectors/contract';
import type { Procedure } from '../../connectors/model';
import { restJsonKind } from '../../connectors/rest-json/restJsonKind';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import type { Registration } from '../../src/registry/Registration';
import { coverageSchema } from '../../src/registry/registrationSchema';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { DEFAULT_RESILIENCE } from '../../src/runtime/resilience';
import { DEFAULT_FRESHNESS, DEFAULT_TTL_SECONDS } from '../../src/domain/cachePolicy';
import { CatalogueIndex } from '../../src/services/catalogue/CatalogueIndex';
import {
  CatalogueService,
  DEFAULT_CATALOGUE_OPTIONS,
} from '../../src/services/catalogue/CatalogueService';
import { createTestLogger } from '../support/testLogger';

const procedure = (code: string, state = 'Đang công khai'): Procedure => ({
  code,
  name: `Thủ tục ${code}`,
  fieldCode: null,
  fieldName: null,
  onlineLevel: null,
  implementingAgencies: [],
  channels: [],
  documents: [],
  legalBases: [],
  state: { value: state === 'Bãi bỏ' ? 'ABOLISHED' : 'PUBLISHED', raw: state },
  warnings: [],
});

/** A connector kind whose catalogue answers pages from a script: cursor → page, or an error. */
const scripted = new Map<string, (cursor: string | null) => ProcedurePage>();
const scriptedKind: ConnectorKind<{ script: string }> = {
  kind: 'scripted',
  configSchema: z.object({ script: z.string() }),
  create: (config): Connector => ({
    capabilities: { dossierLookup: { maxBatch: 1 }, procedures: true, listing: false },
    getDossiers: async (codes) => codes.map(() => null),
    listProcedures: async (cursor) =>
      (scripted.get(config.script) as (cursor: string | null) => ProcedurePage)(cursor),
  }),
};

function registration(id: string, script: string): Registration {
  return {
    id,
    kind: 'scripted',
    name: id,
    description: undefined,
    coverage: coverageSchema.parse({ units: [`H${id.length}${id.charCodeAt(0) % 10}`] }),
    upstream: {
      baseUrl: 'http://127.0.0.1:9',
      auth: { type: 'none' },
      timeoutMs: 1000,
      maxResponseBytes: 1024,
      resilience: { ...DEFAULT_RESILIENCE, retries: 0 },
    },
    ttl: DEFAULT_TTL_SECONDS,
    freshness: DEFAULT_FRESHNESS,
    push: undefined,
    changes: undefined,
    config: { script },
    origin: { type: 'file', file: `${id}.yaml` },
  };
}

async function service(registrations: Registration[]) {
  let clock = Date.parse('2026-11-26T01:00:00Z');
  const now = () => new Date(clock);
  const registry = new ConnectorRegistry(
    new Map([['scripted', scriptedKind as ConnectorKind<unknown>]]),
    { logger: createTestLogger(), now, network: NetworkPolicy.unrestricted() },
  );
  await registry.replaceAll(registrations);
  const catalogue = new CatalogueService(
    registry,
    new CatalogueIndex(),
    { logger: createTestLogger(), now },
    { ...DEFAULT_CATALOGUE_OPTIONS, intervalMs: 0 },
  );
  return { catalogue, tick: (ms: number) => (clock += ms) };
}

describe('Catalogue sync: only a whole, non-looping catalogue replaces the last one', () => {
  it('reads every page, then replaces the entries', async () => {
    scripted.set('two-pages', (cursor) =>
      cursor === null
        ? { procedures: [procedure('1.000001')], next: 'c:2', unreadable: 0 }
        : { procedures: [procedure('1.000002')], next: null, unreadable: 1 },
    );
    const { catalogue } = await service([registration('tinh-a', 'two-pages')]);
    const status = await catalogue.sync('tinh-a');
    expect(status).toMatchObject({ entries: 2, stale: false, unreadable: 1 });
  });

  it('fails a cursor that loops back, keeping the last entries, marked stale', async () => {
    let loop = false;
    scripted.set('looping', (cursor) => {
      if (!loop)
        return {
          procedures: [procedure('1.000001'), procedure('1.000002')],
          next: null,
          unreadable: 0,
        };
      return cursor === 'c:B'
        ? { procedures: [procedure('1.000009')], next: 'c:A', unreadable: 0 }
        : { procedures: [procedure('1.000008')], next: 'c:B', unreadable: 0 };
    });
    const { catalogue } = await service([registration('tinh-b', 'looping')]);
    await catalogue.sync('tinh-b');
    loop = true;
    const status = await catalogue.sync('tinh-b');
    expect(status).toMatchObject({
      entries: 2,
      stale: true,
      lastError: { code: 'UPSTREAM_BAD_RESPONSE', message: expect.stringContaining('loops back') },
    });
    expect(catalogue.index.get('1.000001')).toBeDefined();
    expect(catalogue.index.get('1.000008')).toBeUndefined();
  });

  it('fails a system that answers the same page whatever page is asked', async () => {
    scripted.set('same-page', (cursor) => ({
      procedures: [procedure('1.000001')],
      next: `p:${Number(cursor?.slice(2) ?? 1) + 1}`,
      unreadable: 0,
    }));
    const { catalogue } = await service([registration('tinh-c', 'same-page')]);
    expect(await catalogue.sync('tinh-c')).toMatchObject({
      stale: true,
      lastError: { message: expect.stringContaining('same page twice') },
    });
  });

  it('lets a fresh system win a merged field over a stale one', async () => {
    let fail = false;
    scripted.set('old', () => {
      if (fail) throw new Error('down');
      return { procedures: [procedure('1.000005')], next: null, unreadable: 0 };
    });
    scripted.set('new', () => ({
      procedures: [procedure('1.000005', 'Bãi bỏ')],
      next: null,
      unreadable: 0,
    }));
    // "aaa" sorts first: without freshness ordering its listing would win.
    const { catalogue, tick } = await service([
      registration('aaa-old', 'old'),
      registration('zzz-new', 'new'),
    ]);
    await catalogue.sync('aaa-old');
    tick(1000);
    await catalogue.sync('zzz-new');
    expect(catalogue.index.get('1.000005')?.procedure.state?.value).toBe('ABOLISHED');
    fail = true;
    tick(1000);
    await catalogue.sync('aaa-old');
    expect(catalogue.index.get('1.000005')?.procedure.state?.value).toBe('ABOLISHED');
    expect(catalogue.index.get('1.000005')?.providers).toEqual(['aaa-old', 'zzz-new']);
  });
});

describe('Catalogue paging in the declarative engine', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  const connector = (pagination: Record<string, unknown>) =>
    restJsonKind.create(
      restJsonKind.configSchema.parse({
        lookup: { single: { path: '/hs/{code}' } },
        mapping: { code: 'ma', status: 'tt' },
        statuses: { map: {} },
        catalogue: {
          path: '/tthc',
          query: { page: '$page', size: '$size' },
          records: 'data',
          pagination,
          mapping: { code: 'ma', name: 'ten' },
        },
      }),
      {
        connectorId: 'tinh-x',
        http: createUpstreamHttp({
          network: NetworkPolicy.unrestricted(),
          connectorId: 'tinh-x',
          baseUrl: 'http://tthc.test',
          timeoutMs: 1000,
          auth: { type: 'none' },
          maxResponseBytes: 1 << 20,
          now: Date.now,
        }),
        logger: createTestLogger(),
        clock: { now: () => new Date() },
      },
    );
  const call = { signal: new AbortController().signal, requestId: 't' };
  const items = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      ma: `1.${String(from + i).padStart(6, '0')}`,
      ten: `Thủ tục ${from + i}`,
    }));

  it('goes on to the total when the system caps pages below the size asked', async () => {
    nock('http://tthc.test')
      .get('/tthc')
      .query({ page: '1', size: '50' })
      .reply(200, { total: 45, data: items(0, 20) })
      .get('/tthc')
      .query({ page: '2', size: '50' })
      .reply(200, { total: 45, data: items(20, 20) })
      .get('/tthc')
      .query({ page: '3', size: '50' })
      .reply(200, { total: 45, data: items(40, 5) });
    const c = connector({ type: 'page', size: 50, total: 'total' });
    let cursor: string | null = null;
    const codes: string[] = [];
    do {
      const page: ProcedurePage = await (
        c.listProcedures as NonNullable<Connector['listProcedures']>
      )(cursor, call);
      codes.push(...page.procedures.map((p) => p.code));
      cursor = page.next;
    } while (cursor !== null);
    expect(codes).toHaveLength(45);
  });

  it('ends on an empty page after the first, and refuses a first page with no list', async () => {
    nock('http://tthc.test')
      .get('/tthc')
      .query({ page: '2', size: '2' })
      .reply(200, {})
      .get('/tthc')
      .query({ page: '1', size: '2' })
      .reply(200, {});
    const c = connector({ type: 'page', size: 2 });
    expect(
      await (c.listProcedures as NonNullable<Connector['listProcedures']>)('p:2:2', call),
    ).toEqual({ procedures: [], next: null, unreadable: 0 });
    await expect(
      (c.listProcedures as NonNullable<Connector['listProcedures']>)(null, call),
    ).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});
