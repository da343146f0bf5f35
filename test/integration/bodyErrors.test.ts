import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import { parseRegistrationDocument } from '../../src/registry/loadRegistrationFiles';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { CatalogueIndex } from '../../src/services/catalogue/CatalogueIndex';
import {
  CatalogueService,
  DEFAULT_CATALOGUE_OPTIONS,
} from '../../src/services/catalogue/CatalogueService';
import { createTestLogger } from '../support/testLogger';

/**
 * Errors inside HTTP 200 (`config.errors`) and data written as JSON text (`jsonText`), against a
 * real local HTTP server playing a vendor platform that answers every refusal with HTTP 200 and an
 * `error_code`, and its data as a JSON string.
 */
const AGENCY = '000.00.01.H99';
const code = (n: number) => `${AGENCY}-250101-${String(n).padStart(4, '0')}`;
const record = (c: string) => ({ MaHoSo: c, TrangThai: '1', HoTen: 'Nguyễn Minh An' });

type Handler = (request: {
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
}) => unknown;

describe('rest-json: errors inside HTTP 200 and data as JSON text', () => {
  let server: Server;
  let baseUrl: string;
  /** What the platform answers now (HTTP 200, this JSON), and every request it received. */
  let answer: Handler;
  let received: Array<{ path: string; body: unknown }>;
  /** Tokens the token endpoint issued. */
  let tokens = 0;
  const registries: ConnectorRegistry[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const text = Buffer.concat(chunks).toString('utf8');
        const body: unknown =
          text === '' || url.pathname === '/token' ? undefined : JSON.parse(text);
        if (url.pathname === '/token') {
          // An OAuth 2.0 token endpoint: a new token each time.
          tokens += 1;
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ access_token: `access-token-${tokens}`, expires_in: 3600 }));
          return;
        }
        received.push({ path: url.pathname, body });
        const reply = answer({
          path: url.pathname,
          query: url.searchParams,
          body,
          authorization: req.headers.authorization,
        });
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(typeof reply === 'string' ? reply : JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  beforeEach(() => {
    received = [];
    tokens = 0;
    answer = () => ({ error_code: 'UNEXPECTED' });
  });
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.replaceAll([]);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const ERRORS = [
    {
      when: 'error_code in ["AUTH_INVALID", "KEY_EXPIRED"]',
      means: 'authFailed',
      message: 'error_message',
    },
    { when: 'error_code = "NOT_FOUND"', means: 'notFound' },
    { when: 'error_code = "TOO_MANY_CODES"', means: 'tooManyCodes', message: 'error_message' },
    { when: 'error_code = "RANGE_TOO_LONG"', means: 'badRequest', message: 'error_message' },
    { when: 'error_code = "BUSY"', means: 'unavailable' },
  ];

  /** A registration of the platform, with `config` merged over the usual one. */
  const document = (config: Record<string, unknown> = {}) => ({
    id: 'nen-tang',
    kind: 'rest-json',
    name: 'Nền tảng một cửa (thử)',
    coverage: { units: ['H99'] },
    upstream: {
      baseUrl,
      timeoutMs: 3000,
      resilience: { retries: 2, retryInitialDelayMs: 1, retryMaxDelayMs: 5 },
    },
    config: {
      errors: ERRORS,
      lookup: {
        bulk: { path: '/tracuu', body: '{"ma": $codes}', jsonText: ['data'], records: 'data' },
        single: { path: '/hoso/{code}', jsonText: ['data'], record: 'data' },
      },
      mapping: { code: 'MaHoSo', status: 'TrangThai', applicant: { name: 'HoTen' } },
      statuses: { map: { '1': 2 } },
      listing: {
        path: '/danhsach',
        query: { donvi: '$agency', tu: '$from', den: '$to' },
        jsonText: ['data'],
        records: 'data',
        pagination: { type: 'page', size: 100 },
      },
      changedSince: {
        path: '/thaydoi',
        query: { tu: '$since' },
        jsonText: ['data'],
        records: 'data',
        pagination: { type: 'page', size: 100 },
      },
      catalogue: {
        path: '/thutuc',
        jsonText: ['data'],
        records: 'data',
        pagination: { type: 'page', size: 100 },
        mapping: { code: 'MaTTHC', name: 'TenTTHC' },
      },
      ...config,
    },
  });

  const runtimeOf = async (
    config: Record<string, unknown> = {},
    upstream: Record<string, unknown> = {},
  ) => {
    const base = document(config);
    const parsed = parseRegistrationDocument(
      { ...base, upstream: { ...base.upstream, ...upstream } },
      'nen-tang.yaml',
      {
        kinds: BUILTIN_KINDS,
        variables: {},
      },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const registry = new ConnectorRegistry(BUILTIN_KINDS, {
      logger: createTestLogger(),
      now: () => new Date(),
      network: NetworkPolicy.unrestricted(),
    });
    registries.push(registry);
    await registry.replaceAll([parsed.registration]);
    const runtime = registry.runtime('nen-tang');
    if (runtime === undefined) throw new Error('not registered');
    return runtime;
  };
  const call = () => ({ signal: AbortSignal.timeout(20_000), requestId: 'body-errors' });
  const problemsOf = (config: Record<string, unknown>) => {
    const parsed = parseRegistrationDocument(document(config), 'nen-tang.yaml', {
      kinds: BUILTIN_KINDS,
      variables: {},
    });
    return parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('authFailed: every code of the call is UPSTREAM_AUTH_FAILED, not retried, in the system words (masked)', async () => {
    answer = () => ({
      error_code: 'KEY_EXPIRED',
      error_message: 'Khóa hết hạn, liên hệ 0912345678 hoặc quantri@motcua.gov.vn',
      data: null,
    });
    const runtime = await runtimeOf();
    const outcomes = await runtime.getDossiers([code(1), code(2)], call());
    expect(received).toHaveLength(1);
    expect(outcomes).toEqual([
      { kind: 'error', error: expect.objectContaining({ code: 'UPSTREAM_AUTH_FAILED' }) },
      { kind: 'error', error: expect.objectContaining({ code: 'UPSTREAM_AUTH_FAILED' }) },
    ]);
    const error = (outcomes[0] as { error: { message: string; retryable: boolean } }).error;
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      `upstream refused the gateway's credentials (HTTP 200, config.errors[0]): "Khóa hết hạn, liên hệ *******678 hoặc ***@motcua.gov.vn"`,
    );
    expect(error.message).not.toContain('0912345678');

    // The catalogue is read through the same rules.
    const page = await runtime.listProcedures(null, call());
    expect(page).toEqual({ error: expect.objectContaining({ code: 'UPSTREAM_AUTH_FAILED' }) });
  });

  it('a key the system quotes in its words never shows, not even in part or cut at the length limit', async () => {
    const KEY = '123e4567-e89b-12d3-a456-426614174000';
    const apiKey = { auth: { type: 'apiKey', value: KEY } };
    const runtime = await runtimeOf({}, apiKey);
    const messageOf = async () => {
      const [outcome] = await runtime.getDossiers([code(1)], call());
      return (outcome as { error: { message: string } }).error.message;
    };
    answer = () => ({ error_code: 'AUTH_INVALID', error_message: `Khóa ${KEY} không hợp lệ` });
    const quoted = await messageOf();
    expect(quoted).toContain('"Khóa ******** không hợp lệ"');
    for (const part of ['123e4567', 'e89b', 'a456', '4000']) expect(quoted).not.toContain(part);

    // Where the length limit cuts the key: what is kept of it is still none of its characters.
    answer = () => ({
      error_code: 'AUTH_INVALID',
      error_message: `${'Lỗi '.repeat(49)}${KEY}`,
    });
    const cut = await messageOf();
    expect(cut).toContain(`"${'Lỗi '.repeat(49)}****…"`);
    expect(cut).not.toContain('123e');
  });

  it('authFailed with an OAuth 2.0 token: renewed once, as for a 401, then answered or refused', async () => {
    const oauth = {
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: baseUrl.replace(/\/api$/, '/token'),
        clientId: 'cong-ket-noi',
        clientSecret: 'bi-mat',
      },
    };
    // The platform refuses the first token (expired on its side) and takes the next.
    answer = ({ body, authorization }) =>
      authorization === 'Bearer access-token-1'
        ? { error_code: 'KEY_EXPIRED', error_message: 'Token hết hạn' }
        : { data: JSON.stringify((body as { ma: string[] }).ma.map(record)) };
    const runtime = await runtimeOf({}, oauth);
    expect(await runtime.getDossiers([code(1)], call())).toEqual([
      { kind: 'found', dossier: expect.objectContaining({ code: code(1) }) },
    ]);
    expect({ tokens, calls: received.length }).toEqual({ tokens: 2, calls: 2 });

    // Refused with the token and with its renewal: typed, after one renewal only (not retried).
    answer = () => ({ error_code: 'AUTH_INVALID', error_message: 'Sai khóa' });
    received = [];
    expect(await runtime.getDossiers([code(2)], call())).toEqual([
      { kind: 'error', error: expect.objectContaining({ code: 'UPSTREAM_AUTH_FAILED' }) },
    ]);
    expect({ tokens, calls: received.length }).toEqual({ tokens: 3, calls: 2 });
  });

  it('an OAuth 2.0 token the system quotes in its words never shows: the one in use, nor the one it replaced', async () => {
    const oauth = {
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: baseUrl.replace(/\/api$/, '/token'),
        clientId: 'cong-ket-noi',
        clientSecret: 'bi-mat-cua-cong',
      },
    };
    // Every token refused, and quoted: the renewal's too.
    answer = ({ authorization }) => ({
      error_code: 'AUTH_INVALID',
      error_message: `Token ${String(authorization).replace('Bearer ', '')} không hợp lệ`,
    });
    const runtime = await runtimeOf({}, oauth);
    const messageOf = async () => {
      const [outcome] = await runtime.getDossiers([code(1)], call());
      return (outcome as { error: { message: string } }).error.message;
    };
    const quoted = await messageOf();
    expect(tokens).toBe(2);
    expect(quoted).toContain('"Token ******** không hợp lệ"');
    expect(quoted).not.toContain('access-token');

    // A late answer quoting the token dropped before.
    answer = () => ({ error_code: 'AUTH_INVALID', error_message: 'Token access-token-1 hết hạn' });
    expect(await messageOf()).toContain('"Token ******** hết hạn"');
  });

  it('notFound: a bulk call finds none of its codes, a single lookup its one, a first changedSince page is empty', async () => {
    answer = () => ({ error_code: 'NOT_FOUND', data: '' });
    const runtime = await runtimeOf();
    expect(await runtime.getDossiers([code(1), code(2)], call())).toEqual([
      { kind: 'notFound' },
      { kind: 'notFound' },
    ]);
    expect(received.map((r) => r.path)).toEqual(['/api/tracuu']);

    const single = await runtimeOf({
      lookup: { single: { path: '/hoso/{code}', jsonText: ['data'], record: 'data' } },
    });
    expect(await single.getDossiers([code(3)], call())).toEqual([{ kind: 'notFound' }]);
    expect(received.at(-1)?.path).toBe(`/api/hoso/${code(3)}`);

    expect(await runtime.listChangedSince('2026-12-01T00:00:00+07:00', null, call())).toEqual({
      dossiers: [],
      next: null,
      unreadable: 0,
    });
  });

  it('notFound on a catalogue page is a failure: the catalogue read before is kept, marked stale', async () => {
    const procedures = [1, 2, 3, 4, 5].map((n) => ({
      MaTTHC: `1.00000${n}`,
      TenTTHC: `Thủ tục ${n}`,
    }));
    /** The pages answered NOT_FOUND (the platform's catalogue broke there). */
    let notFoundFrom = Number.POSITIVE_INFINITY;
    answer = ({ path, query }) => {
      if (path !== '/api/thutuc') return { error_code: 'UNEXPECTED' };
      const page = Number(query.get('trang'));
      if (page >= notFoundFrom) return { error_code: 'NOT_FOUND', data: '' };
      return { data: JSON.stringify(procedures.slice((page - 1) * 2, page * 2)) };
    };
    await runtimeOf({
      catalogue: {
        path: '/thutuc',
        query: { trang: '$page', so: '$size' },
        jsonText: ['data'],
        records: 'data',
        pagination: { type: 'page', size: 2 },
        mapping: { code: 'MaTTHC', name: 'TenTTHC' },
      },
    });
    const catalogue = new CatalogueService(
      registries.at(-1) as ConnectorRegistry,
      new CatalogueIndex(),
      { logger: createTestLogger(), now: () => new Date() },
      { ...DEFAULT_CATALOGUE_OPTIONS, intervalMs: 0, minOnDemandIntervalMs: 0 },
    );
    const codes = () => catalogue.index.list({}, undefined);
    expect(await catalogue.sync('nen-tang')).toMatchObject({ entries: 5, stale: false });
    const synced = [...codes()].map((p) => p.code);
    expect(synced).toHaveLength(5);

    // The second page answers NOT_FOUND: not an end after two procedures.
    notFoundFrom = 2;
    const second = await catalogue.sync('nen-tang');
    expect(second).toMatchObject({
      entries: 5,
      stale: true,
      lastError: expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE' }),
    });
    expect(second.lastError?.message).toContain(
      'nen-tang catalogue: upstream answered "not found" (config.errors) for a catalogue page',
    );
    expect([...codes()].map((p) => p.code)).toEqual(synced);

    // The first page answers NOT_FOUND: not an empty catalogue.
    notFoundFrom = 1;
    expect(await catalogue.sync('nen-tang')).toMatchObject({ entries: 5, stale: true });
    expect([...codes()].map((p) => p.code)).toEqual(synced);
  });

  it('notFound after the first page of a listing or changedSince is a failure, not a shorter list', async () => {
    const records = [1, 2, 3].map((n) => record(code(n)));
    answer = ({ query }) => {
      const page = Number(query.get('trang'));
      return page >= 2
        ? { error_code: 'NOT_FOUND', data: '' }
        : { data: JSON.stringify(records.slice(0, 2)) };
    };
    const paged = { jsonText: ['data'], records: 'data', pagination: { type: 'page', size: 2 } };
    const runtime = await runtimeOf({
      listing: {
        path: '/danhsach',
        query: { donvi: '$agency', tu: '$from', den: '$to', trang: '$page' },
        ...paged,
      },
      changedSince: { path: '/thaydoi', query: { tu: '$since', trang: '$page' }, ...paged },
    });
    const first = await runtime.listChangedSince('2026-12-01T00:00:00+07:00', null, call());
    expect(first).toMatchObject({ next: expect.any(String) });
    const next = (first as { next: string }).next;
    expect(await runtime.listChangedSince('2026-12-01T00:00:00+07:00', next, call())).toEqual({
      error: expect.objectContaining({
        code: 'UPSTREAM_BAD_RESPONSE',
        message: expect.stringContaining('for a page after the first, which cannot end a list'),
      }),
    });
    const query = { agencyCode: AGENCY, from: '2026-12-01', to: '2026-12-02' };
    const listed = await runtime.listDossiers(query, null, call());
    expect(listed).toMatchObject({ next: expect.any(String) });
    expect(await runtime.listDossiers(query, (listed as { next: string }).next, call())).toEqual({
      error: expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE' }),
    });
  });

  it('tooManyCodes: a bulk call is split in halves until the system accepts (calls counted)', async () => {
    // The platform accepts at most 3 codes per call, fewer than the registration's maxBatch.
    answer = ({ body }) => {
      const codes = (body as { ma: string[] }).ma;
      return codes.length > 3
        ? { error_code: 'TOO_MANY_CODES', error_message: 'Tối đa 3 mã' }
        : { error_code: '0', data: JSON.stringify(codes.map(record)) };
    };
    const runtime = await runtimeOf();
    const codes = Array.from({ length: 10 }, (_, i) => code(i + 1));
    const outcomes = await runtime.getDossiers(codes, call());
    expect(outcomes.map((o) => (o.kind === 'found' ? o.dossier.code : o.kind))).toEqual(codes);
    // 10 → 5 + 5 → (3 + 2) + (3 + 2): seven calls, each code asked for once in an accepted one.
    expect(received.map((r) => (r.body as { ma: string[] }).ma.length)).toEqual([
      10, 5, 3, 2, 5, 3, 2,
    ]);
  });

  it('tooManyCodes down to one code fails typed (UPSTREAM_BAD_REQUEST), not retried', async () => {
    answer = () => ({ error_code: 'TOO_MANY_CODES', error_message: 'Tối đa 0 mã' });
    const runtime = await runtimeOf();
    const outcomes = await runtime.getDossiers([code(1), code(2)], call());
    expect(outcomes).toEqual([
      {
        kind: 'error',
        error: expect.objectContaining({
          code: 'UPSTREAM_BAD_REQUEST',
          retryable: false,
          message: expect.stringContaining(
            'too many codes (HTTP 200, config.errors[2]): "Tối đa 0 mã"',
          ),
        }),
      },
      { kind: 'error', error: expect.objectContaining({ code: 'UPSTREAM_BAD_REQUEST' }) },
    ]);
    expect(received.map((r) => (r.body as { ma: string[] }).ma.length)).toEqual([2, 1, 1]);
  });

  it('badRequest: a listing range refused inside HTTP 200 is UPSTREAM_BAD_REQUEST, asked once', async () => {
    answer = () => ({
      error_code: 'RANGE_TOO_LONG',
      error_message: 'Khoảng thời gian tối đa 31 ngày',
    });
    const runtime = await runtimeOf();
    const page = await runtime.listDossiers(
      { agencyCode: AGENCY, from: '2026-01-01', to: '2026-03-31' },
      null,
      call(),
    );
    expect(page).toEqual({
      error: expect.objectContaining({
        code: 'UPSTREAM_BAD_REQUEST',
        retryable: false,
        message: expect.stringContaining('"Khoảng thời gian tối đa 31 ngày"'),
      }),
    });
    expect(received).toHaveLength(1);
  });

  it('unavailable: retried like an HTTP 503, and answered once the system is back', async () => {
    let busy = 2;
    answer = ({ body }) =>
      busy-- > 0
        ? { error_code: 'BUSY' }
        : { data: JSON.stringify((body as { ma: string[] }).ma.map(record)) };
    const runtime = await runtimeOf();
    const outcomes = await runtime.getDossiers([code(1)], call());
    expect(outcomes).toEqual([
      { kind: 'found', dossier: expect.objectContaining({ code: code(1) }) },
    ]);
    expect(received).toHaveLength(3);

    answer = () => ({ error_code: 'BUSY' });
    received = [];
    const [failed] = await runtime.getDossiers([code(2)], call());
    expect(failed).toEqual({
      kind: 'error',
      error: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', retryable: true }),
    });
    // The first call and registration's two retries.
    expect(received).toHaveLength(3);
  });

  it('an answer no rule matches is read as before: no list is UPSTREAM_BAD_RESPONSE', async () => {
    answer = () => ({ error_code: 'SOMETHING_ELSE', data: null });
    const runtime = await runtimeOf();
    const [outcome] = await runtime.getDossiers([code(1)], call());
    expect(outcome).toEqual({
      kind: 'error',
      error: expect.objectContaining({
        code: 'UPSTREAM_BAD_RESPONSE',
        message: expect.stringContaining('no list of records'),
      }),
    });
  });

  it('jsonText: 500 records written as one JSON text are read in one call and each mapped', async () => {
    answer = ({ body }) => ({
      error_code: '0',
      data: JSON.stringify((body as { ma: string[] }).ma.map(record)),
    });
    const runtime = await runtimeOf({
      lookup: {
        bulk: {
          path: '/tracuu',
          body: '{"ma": $codes}',
          jsonText: ['data'],
          records: 'data',
          maxBatch: 500,
        },
      },
    });
    const codes = Array.from({ length: 500 }, (_, i) => code(i + 1));
    const outcomes = await runtime.getDossiers(codes, call());
    expect(received).toHaveLength(1);
    expect(outcomes.every((o) => o.kind === 'found')).toBe(true);
    expect(outcomes.map((o) => (o.kind === 'found' ? o.dossier.code : null))).toEqual(codes);
    const first = outcomes[0] as {
      dossier: { applicant: { name: string }; status: { code: number } };
    };
    expect(first.dossier.status.code).toBe(2);
    expect(first.dossier.applicant.name).toBe('Nguyễn Minh An');
  });

  it('evaluation limits are per record: 70 records that each build 60,000 items (4,200,000 in all, past one evaluation budget of 4,000,000) are all mapped', async () => {
    answer = ({ body }) => ({ data: JSON.stringify((body as { ma: string[] }).ma.map(record)) });
    const runtime = await runtimeOf({
      lookup: {
        bulk: { path: '/tracuu', body: '{"ma": $codes}', jsonText: ['data'], records: 'data' },
      },
      mapping: {
        code: 'MaHoSo',
        status: 'TrangThai',
        summary: '$string($count([1..60000]))',
      },
    });
    const codes = Array.from({ length: 70 }, (_, i) => code(i + 1));
    const outcomes = await runtime.getDossiers(codes, call());
    expect(received).toHaveLength(1);
    expect(outcomes.map((o) => (o.kind === 'found' ? o.dossier.summary : o))).toEqual(
      codes.map(() => '60000'),
    );
    // The same work in one evaluation is stopped: the limits would refuse it if they were per call.
    const whole = new ExpressionCompiler(5000).compile('$sum([1..70].$count([1..60000]))');
    await expect(whole({})).rejects.toMatchObject({
      message: expect.stringContaining('4,000,000'),
    });
  });

  it('jsonText: a listing page, and a text under a list, are parsed too', async () => {
    answer = ({ path }) =>
      path === '/api/danhsach'
        ? { data: JSON.stringify([record(code(7)), record(code(8))]) }
        : { data: [{ items: JSON.stringify([record(code(9))]) }] };
    const runtime = await runtimeOf();
    const page = await runtime.listDossiers(
      { agencyCode: AGENCY, from: '2026-01-01', to: '2026-01-31' },
      null,
      call(),
    );
    expect('dossiers' in page && page.dossiers.map((d) => d.code)).toEqual([code(7), code(8)]);

    const nested = await runtimeOf({
      lookup: {
        bulk: { path: '/tracuu', jsonText: ['data.items'], records: 'data.items' },
      },
    });
    expect(await nested.getDossiers([code(9)], call())).toEqual([
      { kind: 'found', dossier: expect.objectContaining({ code: code(9) }) },
    ]);
  });

  it('jsonText: a text that is not JSON is UPSTREAM_BAD_RESPONSE naming the path, not its content', async () => {
    answer = () => ({ data: '[{"MaHoSo": "000.00.01.H99-250101-0001", "HoTen": "Nguyễn' });
    const runtime = await runtimeOf({
      lookup: { single: { path: '/hoso/{code}', jsonText: ['data'], record: 'data' } },
    });
    const [outcome] = await runtime.getDossiers([code(1)], call());
    expect(outcome).toEqual({
      kind: 'error',
      error: expect.objectContaining({
        code: 'UPSTREAM_BAD_RESPONSE',
        retryable: false,
        message: expect.stringContaining('the text at jsonText path "data" is not JSON'),
      }),
    });
    expect((outcome as { error: { message: string } }).error.message).not.toContain('Nguyễn');
    expect(received).toHaveLength(1);
  });

  it('refuses rules and paths it cannot read', () => {
    expect(problemsOf({ errors: [{ when: 'error_code = "X"', means: 'retry' }] })).toEqual([
      expect.stringMatching(
        /^config\.errors\[0\]\.means: .*authFailed, notFound, tooManyCodes, badRequest, unavailable/,
      ),
    ]);
    expect(problemsOf({ errors: [{ when: 'error_code = ', means: 'notFound' }] })).toEqual([
      expect.stringMatching(/^config\.errors\[0\]\.when: /),
    ]);
    expect(problemsOf({ errors: [{ when: '$eval(data)', means: 'notFound' }] })).toEqual([
      expect.stringMatching(/^config\.errors\[0\]\.when: .*\$eval/),
    ]);
    expect(problemsOf({ errors: [{ means: 'notFound' }] })).toEqual([
      expect.stringMatching(/^config\.errors\[0\]\.when: /),
    ]);
    expect(
      problemsOf({
        lookup: { bulk: { path: '/tracuu', jsonText: ['data[0]'], records: 'data' } },
      }),
    ).toEqual([expect.stringMatching(/^config\.lookup\.bulk\.jsonText\[0\]: a path of names/)]);
  });
});
