import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConnectorError } from '../../connectors/ConnectorError';
import { describeZodIssues } from '../../src/errors/ConfigurationError';
import { createLogger } from '../../src/platform/logger';
import { requestScopes, type UpstreamExchange } from '../../src/observability/requestScope';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { MIN_REDACTED_CHARS, redactSecrets } from '../../src/runtime/redactSecrets';
import { upstreamAuthSchema, type UpstreamAuth } from '../../src/runtime/upstreamAuth';

const KEY = 'khoa+bi/mat 2026';
const CLIENT_ID = 'so-tttt-thanh-hoa';

/** The problems `upstream.auth` has, as a registration check names them. */
function problems(auth: unknown): string[] {
  const parsed = upstreamAuthSchema.safeParse(auth);
  if (parsed.success) return [];
  return describeZodIssues('x.yaml', parsed.error, ['upstream', 'auth']).map(
    (p) => `${p.path}: ${p.message}`,
  );
}

describe('upstream.auth: one credential or several', () => {
  it('reads one credential as before and a list of them as a list', () => {
    expect(upstreamAuthSchema.parse({ type: 'bearer', token: 't' })).toEqual({
      type: 'bearer',
      token: 't',
    });
    expect(
      upstreamAuthSchema.parse([
        { type: 'apiKey', queryParam: 'api_key', value: 'k' },
        { type: 'apiKey', header: 'X-Client-Id', value: 'c' },
      ]),
    ).toEqual([
      { type: 'apiKey', header: 'X-API-Key', queryParam: 'api_key', value: 'k' },
      { type: 'apiKey', header: 'X-Client-Id', value: 'c' },
    ]);
  });

  it('names the field of the form given', () => {
    expect(problems({ type: 'apiKey' })).toEqual([
      'upstream.auth.value: Invalid input: expected string, received undefined',
    ]);
    expect(
      problems([
        { type: 'bearer', token: 't' },
        { type: 'apiKey', header: 'X' },
      ]),
    ).toEqual(['upstream.auth[1].value: Invalid input: expected string, received undefined']);
    expect(problems([{ type: 'kerberos' }])[0]).toMatch(/^upstream\.auth\[0\]\.type: /);
  });

  it('refuses two credentials writing the Authorization header', () => {
    expect(
      problems([
        { type: 'basic', username: 'u', password: 'p' },
        { type: 'bearer', token: 't' },
      ]),
    ).toEqual([
      'upstream.auth[1].type: at most one of basic, bearer and oauth2ClientCredentials per system (they all write the Authorization header; [0] is basic)',
    ]);
    expect(
      problems([
        { type: 'bearer', token: 't' },
        { type: 'apiKey', header: 'authorization', value: 'k' },
      ]),
    ).toEqual([
      'upstream.auth[1]: writes the header authorization, as [0] does: two credentials cannot write the same header',
    ]);
  });

  it('refuses two credentials writing the same header or query parameter', () => {
    expect(
      problems([
        { type: 'apiKey', header: 'X-Client-Id', value: 'a' },
        { type: 'apiKey', header: 'x-client-id', value: 'b' },
        { type: 'apiKey', queryParam: 'api_key', value: 'c' },
        { type: 'apiKey', queryParam: 'api_key', value: 'd' },
        // The default header, X-API-Key, is free: the two above go to the query string.
        { type: 'apiKey', value: 'e' },
      ]),
    ).toEqual([
      'upstream.auth[1]: writes the header x-client-id, as [0] does: two credentials cannot write the same header',
      'upstream.auth[3]: writes the query parameter api_key, as [2] does: two credentials cannot write the same query parameter',
    ]);
  });

  it('refuses an empty list and none inside a list', () => {
    expect(problems([])).toEqual([
      'upstream.auth: at least one credential (or leave upstream.auth out)',
    ]);
    expect(problems([{ type: 'none' }, { type: 'bearer', token: 't' }])).toEqual([
      'upstream.auth[0].type: none means no credentials: leave it out of a list',
    ]);
  });
});

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real local HTTP server: records every request and answers by `answer`. */
async function startUpstream(
  answer: (request: Seen, response: ServerResponse, index: number) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry = { url: request.url ?? '', headers: request.headers, body };
      seen.push(entry);
      answer(entry, response, seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function client(base: string, auth: UpstreamAuth) {
  return createUpstreamHttp({
    network: NetworkPolicy.unrestricted(),
    connectorId: 'nen-tang-x',
    baseUrl: `${base}/api`,
    timeoutMs: 2000,
    auth,
    maxResponseBytes: 64 * 1024,
    now: Date.now,
  });
}

describe('Several credentials on every call (a real local server)', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>> | undefined;
  afterEach(async () => {
    const running = upstream;
    upstream = undefined;
    if (running === undefined) return;
    running.server.closeAllConnections();
    await new Promise((resolve) => running.server.close(resolve));
  });

  const keyAndClientId = upstreamAuthSchema.parse([
    { type: 'apiKey', queryParam: 'api_key', value: KEY },
    { type: 'apiKey', header: 'X-Client-Id', value: CLIENT_ID },
  ]);

  it('sends a key in the query string and a client id header on the same call', async () => {
    upstream = await startUpstream((_seen, response) => response.end('{}'));
    await client(upstream.url, keyAndClientId).get('/hoso', { params: { ma: 'H47-1' } });
    const [call] = upstream.seen;
    const query = new URL(call?.url ?? '', upstream.url).searchParams;
    expect(query.get('api_key')).toBe(KEY);
    expect(query.get('ma')).toBe('H47-1');
    expect(call?.headers['x-client-id']).toBe(CLIENT_ID);
  });

  it('sends a static bearer token beside a header key', async () => {
    upstream = await startUpstream((_seen, response) => response.end('{}'));
    const auth = upstreamAuthSchema.parse([
      { type: 'bearer', token: 'tok-1' },
      { type: 'apiKey', header: 'X-Client-Id', value: CLIENT_ID },
    ]);
    await client(upstream.url, auth).get('/hoso');
    expect(upstream.seen[0]?.headers.authorization).toBe('Bearer tok-1');
    expect(upstream.seen[0]?.headers['x-client-id']).toBe(CLIENT_ID);
  });

  it('renews an OAuth 2.0 token once on 401 in a list, the other credentials sent each time', async () => {
    let tokens = 0;
    upstream = await startUpstream((seen, response) => {
      if (seen.url === '/oauth2/token') {
        tokens += 1;
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ access_token: `t${tokens}`, expires_in: 3600 }));
      } else if (seen.headers.authorization === 'Bearer t1') {
        response.statusCode = 401;
        response.end('{"error":"invalid_token"}');
      } else response.end('{"ok":true}');
    });
    const auth = upstreamAuthSchema.parse([
      {
        type: 'oauth2ClientCredentials',
        tokenUrl: `${upstream.url}/oauth2/token`,
        clientId: 'gateway',
        clientSecret: 'client-secret-1',
      },
      { type: 'apiKey', header: 'X-Client-Id', value: CLIENT_ID },
    ]);
    const response = await client(upstream.url, auth).get('/hoso');
    expect(response.status).toBe(200);
    const calls = upstream.seen.filter((seen) => seen.url !== '/oauth2/token');
    expect(calls.map((call) => call.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
    expect(calls.map((call) => call.headers['x-client-id'])).toEqual([CLIENT_ID, CLIENT_ID]);
    expect(tokens).toBe(2);
  });

  it('does not retry a 401 when no credential can be renewed', async () => {
    upstream = await startUpstream((_seen, response) => {
      response.statusCode = 401;
      response.end('{}');
    });
    const response = await client(upstream.url, keyAndClientId).get('/hoso');
    expect(response.status).toBe(401);
    expect(upstream.seen).toHaveLength(1);
  });
});

describe('Secrets never shown: a key in the query string included', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>> | undefined;
  afterEach(async () => {
    const running = upstream;
    upstream = undefined;
    if (running === undefined) return;
    running.server.closeAllConnections();
    await new Promise((resolve) => running.server.close(resolve));
  });

  const auth = upstreamAuthSchema.parse([
    { type: 'apiKey', queryParam: 'api_key', value: KEY },
    { type: 'apiKey', header: 'X-Client-Id', value: CLIENT_ID },
  ]);
  const forms = [KEY, encodeURIComponent(KEY), new URLSearchParams({ k: KEY }).toString().slice(2)];

  it('redacts every form a key takes in text, longest first', () => {
    expect(redactSecrets(`a ${KEY} b ${encodeURIComponent(KEY)} c`, [KEY])).toBe(
      'a ******** b ******** c',
    );
    expect(redactSecrets('/x?api_key=khoa%2Bbi%2Fmat+2026&y=1', [KEY])).toBe(
      '/x?api_key=********&y=1',
    );
    expect(redactSecrets('abcdefghijkl abcdefgh', ['abcdefgh', 'abcdefghijkl'])).toBe(
      '******** ********',
    );
  });

  it('leaves values shorter than MIN_REDACTED_CHARS alone: a client id "00" does not wreck the text', () => {
    const text = 'Hồ sơ 000.00.01.H99-250101-0001: lỗi 500 lúc 10:00';
    expect(redactSecrets(text, ['00', 'H99', '1234567'])).toBe(text);
    expect(MIN_REDACTED_CHARS).toBe(8);
    expect(redactSecrets('khóa 12345678 sai', ['00', '12345678'])).toBe('khóa ******** sai');
  });

  it('keeps a key the system echoes (and its request URL) out of the raw capture', async () => {
    upstream = await startUpstream((seen, response) => {
      response.statusCode = 403;
      response.setHeader('Content-Type', 'application/json');
      // A system that quotes the request back in its error, key and client id included.
      response.end(
        JSON.stringify({ error_code: 'KEY_EXPIRED', request: seen.url, client: CLIENT_ID }),
      );
    });
    const exchanges: UpstreamExchange[] = [];
    const signal = new AbortController().signal;
    const stop = requestScopes.capture(signal, (exchange) => exchanges.push(exchange));
    try {
      const http = client(upstream.url, auth);
      await http.get(`/hoso?ma=H47-1&api_key=${encodeURIComponent(KEY)}`, { signal });
    } finally {
      stop();
    }
    // The system did receive the key: the capture is what hides it.
    expect(upstream.seen[0]?.url).toContain(`api_key=`);
    expect(exchanges).toHaveLength(1);
    const captured = JSON.stringify(exchanges);
    for (const form of forms) expect(captured).not.toContain(form);
    expect(captured).not.toContain(CLIENT_ID);
    expect(exchanges[0]?.body).toContain('"request":"/api/hoso?ma=H47-1&api_key=********');
    expect(exchanges[0]?.path).toBe('/hoso?ma=H47-1&api_key=********');
  });

  it('keeps the key out of a failed call: its error, its cause, and the log line that prints it', async () => {
    // A system that accepts the connection and drops it: the transport error holds the request.
    upstream = await startUpstream((_seen, response) => response.socket?.destroy());
    const failure = await client(upstream.url, auth)
      .get('/hoso')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }) as unknown as pino.DestinationStream,
    );
    // The error and what caused it, as a log line would serialise them (the cause held the request).
    logger.error({ err: failure, cause: (failure as Error).cause }, 'lookup failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('lookup failed');
    for (const form of forms) expect(lines[0]).not.toContain(form);
    expect(lines[0]).not.toContain(CLIENT_ID);
  });

  it('keeps a client secret out of a failed token request', async () => {
    upstream = await startUpstream((_seen, response) => response.socket?.destroy());
    const secret = 'client-secret-in-a-body';
    const http = client(
      upstream.url,
      upstreamAuthSchema.parse([
        {
          type: 'oauth2ClientCredentials',
          tokenUrl: `${upstream.url}/oauth2/token`,
          clientId: 'gateway',
          clientSecret: secret,
          clientAuthentication: 'body',
        },
      ]),
    );
    const failure = await http.get('/hoso').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(upstream.seen[0]?.body).toContain(secret);
    const lines: string[] = [];
    createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }) as unknown as pino.DestinationStream,
    ).error({ err: failure, cause: (failure as Error).cause }, 'token failed');
    expect(lines[0]).toContain('token failed');
    expect(lines[0]).not.toContain(secret);
  });
});
