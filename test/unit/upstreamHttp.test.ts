import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import nock from 'nock';
import { ConnectorError } from '../../connectors/ConnectorError';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { upstreamAuthSchema, type UpstreamAuth } from '../../src/runtime/upstreamAuth';

const BASE = 'http://lgsp.upstream.test/api/hoso';
// Generous: nock answers at once, and a loaded CI machine once took over 1 s for token, call, refetch and call.
// Only the tests about timeouts set their own, shorter limit.
const NOT_A_TIMEOUT_TEST_MS = 15_000;

function client(auth: UpstreamAuth, timeoutMs = NOT_A_TIMEOUT_TEST_MS) {
  return createUpstreamHttp({
    network: NetworkPolicy.unrestricted(),
    connectorId: 'tinh-x',
    baseUrl: BASE,
    timeoutMs,
    auth,
    maxResponseBytes: 4096,
    now: Date.now,
  });
}

describe('Upstream HTTP: the client a connector receives', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it('sends an API key in the declared header and keeps bodies as text', async () => {
    nock('http://lgsp.upstream.test', { reqheaders: { 'x-api-key': 'bi-mat' } })
      .get('/api/hoso/1')
      .reply(200, '{"a":1}', { 'Content-Type': 'application/json' });
    const response = await client(
      upstreamAuthSchema.parse({ type: 'apiKey', value: 'bi-mat', header: 'X-Api-Key' }),
    ).get('/1');
    expect(response.data).toBe('{"a":1}');
  });

  it('reads an answer in the charset it declares, so Latin-1 legacy bytes survive', async () => {
    const tcvn3Bytes = Buffer.from([0x54, 0x69, 0xd5, 0x6e, 0x67]); // "TiÕng" = TCVN3 "Tiếng"
    nock('http://lgsp.upstream.test')
      .get('/api/hoso/1')
      .reply(200, tcvn3Bytes, { 'Content-Type': 'application/json; charset=iso-8859-1' })
      .get('/api/hoso/2')
      .reply(
        200,
        Buffer.concat([
          Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'),
          tcvn3Bytes,
          Buffer.from('</a>'),
        ]),
        { 'Content-Type': 'text/xml' },
      )
      .get('/api/hoso/3')
      .reply(200, tcvn3Bytes, { 'Content-Type': 'application/json; charset=utf-8' });
    const http = client({ type: 'none' });
    expect((await http.get('/1')).data).toBe('TiÕng');
    expect((await http.get('/2')).data).toBe(
      '<?xml version="1.0" encoding="ISO-8859-1"?><a>TiÕng</a>',
    );
    // Declared UTF-8 but sent Latin-1: the bytes cannot be UTF-8, so upstream.charset is needed.
    expect((await http.get('/3')).data).toBe('Ti\ufffdng');
    nock('http://lgsp.upstream.test')
      .get('/api/hoso/3')
      .reply(200, tcvn3Bytes, { 'Content-Type': 'application/json; charset=utf-8' });
    const overridden = createUpstreamHttp({
      network: NetworkPolicy.unrestricted(),
      connectorId: 'tinh-x',
      baseUrl: BASE,
      timeoutMs: NOT_A_TIMEOUT_TEST_MS,
      auth: { type: 'none' },
      maxResponseBytes: 4096,
      now: Date.now,
      charset: 'windows-1252',
    });
    expect((await overridden.get('/3')).data).toBe('TiÕng');
  });

  it('sends an API key as a query parameter when declared so', async () => {
    nock('http://lgsp.upstream.test')
      .get('/api/hoso/1')
      .query({ apikey: 'bi-mat' })
      .reply(200, '{}');
    await client(
      upstreamAuthSchema.parse({ type: 'apiKey', value: 'bi-mat', queryParam: 'apikey' }),
    ).get('/1');
  });

  it('sends HTTP basic credentials', async () => {
    nock('http://lgsp.upstream.test', {
      reqheaders: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` },
    })
      .get('/api/hoso/1')
      .reply(200, '{}');
    await client({ type: 'basic', username: 'u', password: 'p' }).get('/1');
  });

  it('refuses a path that leaves the base URL, before any request', async () => {
    const http = client({ type: 'none' });
    await expect(http.get('/../admin')).rejects.toThrow(/leaves the base URL/);
    await expect(http.get('http://elsewhere.test/x')).rejects.toThrow(/leaves the base URL/);
    await expect(http.get('/..%2Fadmin')).rejects.toThrow(/leaves the base URL/);
    await expect(http.get('/%2E%2E/admin')).rejects.toThrow(/leaves the base URL/);
  });

  it("never shows a base URL's user or password in its messages", async () => {
    const http = createUpstreamHttp({
      network: NetworkPolicy.unrestricted(),
      connectorId: 'tinh-x',
      baseUrl: 'http://gateway:hunter2@lgsp.upstream.test/api',
      timeoutMs: NOT_A_TIMEOUT_TEST_MS,
      auth: { type: 'none' },
      maxResponseBytes: 4096,
      now: Date.now,
    });
    const failure = (await http.get('/../x').catch((error: unknown) => error)) as Error;
    expect(failure.message).toContain('http://lgsp.upstream.test/api');
    expect(failure.message).not.toContain('hunter2');
  });

  it('does not follow a redirect to another host', async () => {
    nock('http://lgsp.upstream.test')
      .get('/api/hoso/1')
      .reply(302, '', { Location: 'http://169.254.169.254/latest/meta-data' });
    const response = await client({ type: 'none' }).get('/1');
    expect(response.status).toBe(302);
  });

  it('turns a connection reset by a real server into UPSTREAM_UNAVAILABLE', async () => {
    const resetting = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const { port } = resetting.address() as AddressInfo;
      const http = createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'tinh-x',
        baseUrl: `http://127.0.0.1:${port}/api`,
        timeoutMs: NOT_A_TIMEOUT_TEST_MS,
        auth: { type: 'none' },
        maxResponseBytes: 4096,
        now: Date.now,
      });
      await expect(http.get('/1')).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        retryable: true,
      });
    } finally {
      nock.disableNetConnect();
      await new Promise((resolve) => resetting.close(resolve));
    }
  });

  it('bounds the whole call by its timeout, even when the answer trickles in', async () => {
    const dripping = createHttpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => dripping.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const { port } = dripping.address() as AddressInfo;
      const http = createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'tinh-x',
        baseUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 300,
        auth: { type: 'none' },
        maxResponseBytes: 1 << 20,
        now: Date.now,
      });
      const started = Date.now();
      await expect(http.get('/1')).rejects.toMatchObject({
        code: 'UPSTREAM_TIMEOUT',
        message: expect.stringContaining('within 300 ms (upstream.timeoutMs)'),
      });
      // The server drips forever: without the bound this call would never end. The margin is for a loaded machine.
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      nock.disableNetConnect();
      dripping.closeAllConnections();
      await new Promise((resolve) => dripping.close(resolve));
    }
  });

  it('turns a refused connection into UPSTREAM_UNAVAILABLE', async () => {
    nock.enableNetConnect('127.0.0.1');
    try {
      const http = createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'tinh-x',
        baseUrl: 'http://127.0.0.1:9/api',
        timeoutMs: NOT_A_TIMEOUT_TEST_MS,
        auth: { type: 'none' },
        maxResponseBytes: 4096,
        now: Date.now,
      });
      await expect(http.get('/1')).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        message: expect.stringContaining('ECONNREFUSED'),
      });
    } finally {
      nock.disableNetConnect();
    }
  });

  it('turns an answer larger than allowed into UPSTREAM_BAD_RESPONSE', async () => {
    nock('http://lgsp.upstream.test').get('/api/hoso/1').reply(200, 'x'.repeat(10_000));
    const failure = await client({ type: 'none' })
      .get('/1')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  describe('OAuth 2.0 client credentials', () => {
    const auth = upstreamAuthSchema.parse({
      type: 'oauth2ClientCredentials',
      tokenUrl: 'http://lgsp.upstream.test/oauth2/token',
      clientId: 'gateway',
      clientSecret: 'bi-mat',
      scope: 'hoso.read',
    });
    const token = (value: string, expiresIn = 3600) =>
      nock('http://lgsp.upstream.test', {
        reqheaders: { authorization: `Basic ${Buffer.from('gateway:bi-mat').toString('base64')}` },
      })
        .post('/oauth2/token', 'grant_type=client_credentials&scope=hoso.read')
        .reply(200, { access_token: value, token_type: 'Bearer', expires_in: expiresIn });

    it('fetches one token for concurrent calls and reuses it', async () => {
      token('t1');
      const api = nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer t1' } })
        .get('/api/hoso/1')
        .times(3)
        .reply(200, '{}');
      const http = client(auth);
      await Promise.all([http.get('/1'), http.get('/1'), http.get('/1')]);
      expect(api.isDone()).toBe(true);
    });

    it('fetches a new token once when calls of a batch are refused with 401, then retries them', async () => {
      token('t1');
      token('t2');
      nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer t1' } })
        .get('/api/hoso/1')
        .times(2)
        .reply(401, '{"error":"invalid_token"}');
      nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer t2' } })
        .get('/api/hoso/1')
        .times(2)
        .reply(200, '{}');
      const http = client(auth);
      const responses = await Promise.all([http.get('/1'), http.get('/1')]);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
    });

    it('gives up after one refetch: a second 401 is answered as is', async () => {
      token('t1');
      token('t2');
      nock('http://lgsp.upstream.test').get('/api/hoso/1').times(2).reply(401, '{}');
      const response = await client(auth).get('/1');
      expect(response.status).toBe(401);
    });

    it('renews a token 30 s before it expires, not earlier', async () => {
      let clock = 1_000_000;
      const http = createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'tinh-x',
        baseUrl: BASE,
        timeoutMs: NOT_A_TIMEOUT_TEST_MS,
        auth,
        maxResponseBytes: 4096,
        now: () => clock,
      });
      token('first', 3600);
      nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer first' } })
        .get('/api/hoso/1')
        .times(2)
        .reply(200, '{}');
      await http.get('/1');
      clock += (3600 - 31) * 1000;
      await http.get('/1'); // 31 s left: still the first token
      token('second', 3600);
      nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer second' } })
        .get('/api/hoso/1')
        .reply(200, '{}');
      clock += 2000;
      await http.get('/1'); // 29 s left: renewed
    });

    it('does not fetch a token per call when tokens live shorter than the renewal margin', async () => {
      let clock = 1_000_000;
      const http = createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'tinh-x',
        baseUrl: BASE,
        timeoutMs: NOT_A_TIMEOUT_TEST_MS,
        auth,
        maxResponseBytes: 4096,
        now: () => clock,
      });
      token('short', 20); // renewed at half its life (10 s), not 30 s before expiry (never usable)
      nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer short' } })
        .get('/api/hoso/1')
        .times(3)
        .reply(200, '{}');
      await http.get('/1');
      clock += 9000;
      await Promise.all([http.get('/1'), http.get('/1')]);
    });

    it('lets one caller give up waiting for a token without failing the others', async () => {
      nock('http://lgsp.upstream.test')
        .post('/oauth2/token')
        .delay(200)
        .reply(200, { access_token: 'slow', expires_in: 3600 });
      nock('http://lgsp.upstream.test', { reqheaders: { authorization: 'Bearer slow' } })
        .get('/api/hoso/1')
        .reply(200, '{}');
      const http = client(auth);
      const impatient = new AbortController();
      setTimeout(() => impatient.abort(), 50);
      const [first, second] = await Promise.allSettled([
        http.get('/1', { signal: impatient.signal }),
        http.get('/1'),
      ]);
      expect(first).toMatchObject({ status: 'rejected', reason: { code: 'UPSTREAM_TIMEOUT' } });
      expect(second).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
    });

    it('reports refused client credentials as UPSTREAM_AUTH_FAILED', async () => {
      nock('http://lgsp.upstream.test')
        .post('/oauth2/token')
        .reply(401, { error: 'invalid_client' });
      await expect(client(auth).get('/1')).rejects.toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        retryable: false,
      });
    });

    it('reports a token answer without access_token as UPSTREAM_BAD_RESPONSE', async () => {
      nock('http://lgsp.upstream.test').post('/oauth2/token').reply(200, { token: 'x' });
      await expect(client(auth).get('/1')).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    });
  });
});
