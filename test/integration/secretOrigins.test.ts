import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, type TestGateway } from '../support/testGateway';

/** A real listener standing for an address someone pointed a registration at: it records all. */
interface Listener {
  url: string;
  requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

async function startListener(): Promise<Listener> {
  const requests: Listener['requests'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      });
      response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CONFIG = `config:
  lookup: { single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] } }
  mapping: { code: dossierNo, status: dossierStatus }
  statuses: { map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 } }
`;

function apiKeyDocument(baseUrl: string, key: string): string {
  return `id: thanh-hoa-h5605
kind: rest-json
name: Một cửa H56.05
coverage: { units: [H56.05] }
upstream:
  baseUrl: ${baseUrl}
  auth: { type: apiKey, header: X-Api-Key, value: "${key}" }
push: { secret: "${SAMPLE_CREDENTIALS.SAMPLE_REST_PUSH_SECRET}" }
${CONFIG}`;
}

function oauthDocument(baseUrl: string, tokenUrl: string, secret: string): string {
  return `id: thanh-hoa-h5606
kind: rest-json
name: Một cửa H56.06 qua LGSP
coverage: { units: [H56.06] }
upstream:
  baseUrl: ${baseUrl}
  auth:
    type: oauth2ClientCredentials
    tokenUrl: ${tokenUrl}
    clientId: ${SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_CLIENT_ID}
    clientSecret: "${secret}"
${CONFIG}`;
}

const REGISTER = 'mutation ($d: String!) { registerConnector(document: $d) { version } }';
const DRY_RUN =
  'mutation ($d: String!, $c: [String!]!) { testConnector(document: $d, codes: $c) { dossiers { found error { code } } } }';
const update = (id: string, version: number) =>
  `mutation ($d: String!) { updateConnector(id: "${id}", version: ${version}, document: $d) { version } }`;

describe('Runtime registrations: a stored secret goes only to the origin it was entered for', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let listener: Listener;
  let code: string;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 300, seed: 17 });
    t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', CATALOGUE_STARTUP_WAIT_MS: '0', CACHE: 'none' },
    });
    [code] = findCodes(samples.provincial.dataset, 1) as [string];
  });
  beforeEach(async () => {
    listener = await startListener();
  });
  afterEach(async () => {
    await listener.close();
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  it('a dry run or an update pointing baseUrl elsewhere with "********" is refused, naming the field, and the new address receives nothing', async () => {
    const key = SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY;
    const made = await t.query(
      REGISTER,
      { d: apiKeyDocument(samples.provincial.url, key) },
      'province-it',
    );
    expect(made.errors).toBeUndefined();

    const moved = apiKeyDocument(`${listener.url}/steal`, '********');
    for (const [operation, variables] of [
      [DRY_RUN, { d: moved, c: [code] }],
      [update('thanh-hoa-h5605', 1), { d: moved }],
    ] as const) {
      const answer = await t.query(operation, variables, 'province-it');
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message).toContain(
        `upstream.auth.value: give this secret again: upstream.baseUrl moved from ${new URL(samples.provincial.url).origin} to ${listener.url}`,
      );
      // The push secret is never sent anywhere (it checks pushes coming in): it may stay.
      expect(answer.errors?.[0]?.message).not.toContain('push.secret');
    }
    expect(listener.requests).toEqual([]);

    // Another path on the same origin keeps the stored secret.
    const samePlace = await t.query(
      DRY_RUN,
      { d: apiKeyDocument(`${samples.provincial.url}/`, '********'), c: [code] },
      'province-it',
    );
    expect(samePlace.errors).toBeUndefined();
    expect(samePlace.data).toEqual({ testConnector: { dossiers: [{ found: true, error: null }] } });

    // With the secret given again, the new address is called, with the value given, not the stored.
    const given = await t.query(
      DRY_RUN,
      { d: apiKeyDocument(listener.url, 'a-key-for-the-new-system'), c: [code] },
      'province-it',
    );
    expect(given.errors).toBeUndefined();
    expect(listener.requests.map((request) => request.headers['x-api-key'])).toEqual([
      'a-key-for-the-new-system',
    ]);
    expect(JSON.stringify(listener.requests)).not.toContain(key);
  });

  it('a changed tokenUrl origin needs the client secret again; the stored one never reaches it', async () => {
    const ministry = samples.ministry.url;
    const secret = SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_CLIENT_SECRET;
    const made = await t.query(
      REGISTER,
      { d: oauthDocument(samples.provincial.url, `${ministry}/oauth2/token`, secret) },
      'admin',
    );
    expect(made.errors).toBeUndefined();
    const moved = oauthDocument(samples.provincial.url, `${listener.url}/oauth2/token`, '********');
    for (const [operation, variables] of [
      [DRY_RUN, { d: moved, c: [code] }],
      [update('thanh-hoa-h5606', 1), { d: moved }],
    ] as const) {
      const answer = await t.query(operation, variables, 'admin');
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message).toContain(
        `upstream.auth.clientSecret: give this secret again: upstream.auth.tokenUrl moved from ${new URL(ministry).origin} to ${listener.url}`,
      );
    }
    // The base URL moving is enough too: the token the secret buys would be sent there.
    const baseMoved = await t.query(
      DRY_RUN,
      {
        d: oauthDocument(listener.url, `${ministry}/oauth2/token`, '********'),
        c: [code],
      },
      'admin',
    );
    expect(baseMoved.errors?.[0]?.message).toContain(
      'upstream.auth.clientSecret: give this secret again: upstream.baseUrl moved',
    );
    expect(listener.requests).toEqual([]);
  });
});
