import { createHmac } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { DateTime } from 'luxon';
import WebSocket from 'ws';
import { VIETNAM } from '../../samples/generator/SampleDataset';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

const QUERY = `query ($code: String!) {
  dossier(code: $code) { status { code } source { cached fetchedAt } }
}`;

type Looked = { dossier: { status: { code: number }; source: { cached: boolean } } | null };

/** Signs like a provincial system would, independently of the gateway's own code. */
function sign(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

async function postHook(
  gatewayUrl: string,
  connector: string,
  body: string,
  signature: string | undefined,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gatewayUrl}/hooks/${connector}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-signature': signature }),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Changes a status in a sample system through its control route, which pushes it if connected. */
async function changeStatus(
  system: { url: string },
  code: string,
  status: number,
): Promise<{ pushed: { status: number | null; body: unknown } }> {
  const response = await fetch(`${system.url}/__sample/dossiers/${code}/status`, {
    method: 'POST',
    body: JSON.stringify({ status }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

async function statusOf(gateway: TestGateway, code: string) {
  const answer = await gateway.query<Looked>(QUERY, { code });
  return {
    status: answer.data?.dossier?.status.code,
    cached: answer.data?.dossier?.source.cached,
  };
}

const REST_SECRET = SAMPLE_CREDENTIALS.SAMPLE_REST_PUSH_SECRET;
const MINISTRY_SECRET = SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_PUSH_SECRET;

describe('Status pushes: signed, scoped to their system, applied to the cache', () => {
  let samples: SampleSystems;
  let gateway: TestGateway;
  let processing: string[];
  let ministryProcessing: string[];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 31 });
    gateway = await startTestGateway({ samples });
    samples.connectGateway(gateway.url);
    processing = findCodes(samples.provincial.dataset, 8, (d) => d.status === 4);
    ministryProcessing = findCodes(samples.ministry.dataset, 4, (d) => d.status === 4);
  });
  afterAll(async () => {
    await gateway.close();
    await samples.close();
  });

  it('refuses unsigned, wrongly signed, expired and replayed pushes with 401, changing nothing', async () => {
    const code = processing[0] as string;
    expect(await statusOf(gateway, code)).toEqual({ status: 4, cached: false });
    // The system moves on, but no valid push says so: the cached answer must stay.
    samples.provincial.dataset.setStatus(code, 9, DateTime.now().setZone(VIETNAM));
    const record = (await (
      await fetch(`${samples.provincial.url}/api/v1/dossiers/${code}`, {
        headers: { 'x-api-key': SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY },
      })
    ).json()) as Record<string, unknown>;
    const body = JSON.stringify({ dossiers: [record] });
    const now = Math.floor(Date.now() / 1000);
    const attempts: Array<[string, string | undefined, string]> = [
      ['unsigned', undefined, 'no X-Signature header'],
      ['another secret', sign(body, MINISTRY_SECRET), 'signature does not match'],
      [
        'body altered',
        sign(body.replace('"dossiers"', '"dossiers" '), REST_SECRET),
        'does not match',
      ],
      ['six minutes old', sign(body, REST_SECRET, now - 360), 'outside the 300 s window'],
      ['six minutes ahead', sign(body, REST_SECRET, now + 360), 'outside the 300 s window'],
      ['not the format', 'sha256=abc', 'X-Signature is not t=<unix seconds>,v1=<64 hex digits>'],
    ];
    takeStats(samples.provincial);
    for (const [, signature, reason] of attempts) {
      const answer = await postHook(gateway.url, 'thanh-hoa-motcua', body, signature);
      expect(answer.status).toBe(401);
      expect(String(answer.body.error)).toContain(reason);
    }
    expect(await statusOf(gateway, code)).toEqual({ status: 4, cached: true });
    expect(takeStats(samples.provincial).attempts).toBe(0);
    const refusals = gateway.logger.entries.filter((e) => e.message === 'status push refused');
    expect(refusals).toHaveLength(attempts.length);
    // What is logged is who and why, never the pushed personal data.
    expect(gateway.logger.text()).not.toContain(String(record.applicantName));

    // A good push is applied once; the same signed request again is a replay.
    const signature = sign(body, REST_SECRET);
    expect(await postHook(gateway.url, 'thanh-hoa-motcua', body, signature)).toEqual({
      status: 202,
      body: { accepted: 1, ignored: 0 },
    });
    const replay = await postHook(gateway.url, 'thanh-hoa-motcua', body, signature);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('push refused: signature already used (replay)');
    expect(await statusOf(gateway, code)).toEqual({ status: 9, cached: true });
  });

  it("the sample systems' control routes refuse what they cannot do", async () => {
    const post = async (path: string, body: string) => {
      const response = await fetch(`${samples.provincial.url}${path}`, { method: 'POST', body });
      return { status: response.status, body: (await response.json()) as { error?: string } };
    };
    const code = processing[5] as string;
    expect((await post(`/__sample/dossiers/${code}/status`, '{"status": 11}')).status).toBe(400);
    expect((await post(`/__sample/dossiers/${code}/status`, 'nine')).status).toBe(400);
    expect(
      (await post('/__sample/dossiers/000.00.01.H56-260101-9999/status', '{"status": 9}')).status,
    ).toBe(404);
    expect(await post('/__sample/faults', '{"explode": true}')).toEqual({
      status: 400,
      body: { error: 'unknown fault "explode"' },
    });
    expect(await post('/__sample/faults', '{"hang": "yes"}')).toEqual({
      status: 400,
      body: { error: 'hang must be boolean' },
    });
    expect(samples.provincial.faults.hang).toBe(false);
    expect(samples.provincial.dataset.get(code)?.status).toBe(4);
  });

  it('answers 404 for a registration without pushes and 400 for a signed body it cannot read', async () => {
    const body = '{"codes":[]}';
    expect((await fetch(`${gateway.url}/hooks/%E0%A4%A`, { method: 'POST', body })).status).toBe(
      404,
    );
    expect(
      (await postHook(gateway.url, 'thanh-hoa-datdai', body, sign(body, REST_SECRET))).status,
    ).toBe(404);
    expect(
      (await postHook(gateway.url, 'no-such-system', body, sign(body, REST_SECRET))).status,
    ).toBe(404);
    const garbage = '{"dossiers": [';
    const answer = await postHook(
      gateway.url,
      'thanh-hoa-motcua',
      garbage,
      sign(garbage, REST_SECRET),
    );
    expect(answer).toEqual({ status: 400, body: { error: 'the push body is not JSON' } });
    const get = await fetch(`${gateway.url}/hooks/thanh-hoa-motcua`);
    expect(get.status).toBe(405);
  });

  it('checks the signature over the bytes as sent, whatever their encoding', async () => {
    // A Latin-1 body (é as the single byte 0xE9), signed over those bytes.
    const bytes = Buffer.concat([
      Buffer.from('{"dossiers": [], "note": "'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', REST_SECRET).update(`${t}.`).update(bytes).digest('hex');
    const response = await fetch(`${gateway.url}/hooks/thanh-hoa-motcua`, {
      method: 'POST',
      headers: { 'x-signature': `t=${t},v1=${v1}` },
      body: bytes,
    });
    expect(response.status).toBe(202);
  });

  it('a pushed full record replaces the cached answer without asking the system', async () => {
    const code = processing[1] as string;
    expect(await statusOf(gateway, code)).toEqual({ status: 4, cached: false });
    takeStats(samples.provincial);
    const change = await changeStatus(samples.provincial, code, 9);
    expect(change.pushed).toEqual({ status: 202, body: { accepted: 1, ignored: 0 } });
    expect(await statusOf(gateway, code)).toEqual({ status: 9, cached: true });
    const stats = takeStats(samples.provincial);
    expect(stats.bulkCalls + stats.singleCalls).toBe(0);
  });

  it('a lookup already under way when a push arrives does not overwrite the pushed record', async () => {
    const code = processing[3] as string;
    const record = (await (
      await fetch(`${samples.provincial.url}/api/v1/dossiers/${code}`, {
        headers: { 'x-api-key': SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY },
      })
    ).json()) as Record<string, unknown>;
    samples.provincial.faults.delayMs = 400;
    try {
      const slow = statusOf(gateway, code); // reaches the system before the push, answers after
      await new Promise((resolve) => setTimeout(resolve, 100));
      const body = JSON.stringify({ dossiers: [{ ...record, dossierStatus: 'done' }] });
      expect(
        (await postHook(gateway.url, 'thanh-hoa-motcua', body, sign(body, REST_SECRET))).status,
      ).toBe(202);
      expect(await slow).toEqual({ status: 4, cached: false });
    } finally {
      samples.provincial.faults.delayMs = 0;
    }
    expect(await statusOf(gateway, code)).toEqual({ status: 10, cached: true });
  });

  it('pushed codes drop the cached answers and are read from the system once, at once', async () => {
    const code = ministryProcessing[0] as string;
    expect(await statusOf(gateway, code)).toEqual({ status: 4, cached: false });
    expect(await statusOf(gateway, code)).toEqual({ status: 4, cached: true });
    takeStats(samples.ministry);
    const change = await changeStatus(samples.ministry, code, 5);
    expect(change.pushed).toEqual({ status: 202, body: { accepted: 1, ignored: 0 } });
    // The gateway reads the named code after answering the push, and caches what it read.
    const deadline = Date.now() + 5000;
    while (samples.ministry.stats.codesRequested < 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    // A lookup made before the read is cached goes to the system itself (and is counted).
    let misses = 0;
    let answer = await statusOf(gateway, code);
    while (!answer.cached && Date.now() < deadline) {
      misses += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await statusOf(gateway, code);
    }
    expect(answer).toEqual({ status: 5, cached: true });
    expect(takeStats(samples.ministry).codesRequested).toBe(1 + misses);
  });

  it('a push the gateway cannot record is refused as retryable, and the same push sent again is accepted', async () => {
    const code = processing[5] as string;
    const record = (await (
      await fetch(`${samples.provincial.url}/api/v1/dossiers/${code}`, {
        headers: { 'x-api-key': SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY },
      })
    ).json()) as Record<string, unknown>;
    const body = JSON.stringify({ dossiers: [{ ...record, dossierStatus: 'paying' }] });
    const signature = sign(body, REST_SECRET);
    // The change store (or the sync outbox) is away for one push.
    const tracker = gateway.gateway.changes.tracker;
    const observe = tracker.observe.bind(tracker);
    tracker.observe = () => Promise.reject(new Error('the known states cannot be reached'));
    try {
      expect(await postHook(gateway.url, 'thanh-hoa-motcua', body, signature)).toEqual({
        status: 503,
        body: {
          error:
            "push not recorded now: the gateway's change store or sync outbox cannot be reached; send it again in 2 s",
          retryable: true,
        },
      });
    } finally {
      tracker.observe = observe;
    }
    // Its signature was given back: the very same push is accepted now, and recorded.
    expect(await postHook(gateway.url, 'thanh-hoa-motcua', body, signature)).toEqual({
      status: 202,
      body: { accepted: 1, ignored: 0 },
    });
    expect(await statusOf(gateway, code)).toEqual({ status: 6, cached: true });
  });

  it("a system cannot touch another system's dossiers: foreign codes and records are ignored", async () => {
    const provincialCode = processing[2] as string;
    expect(await statusOf(gateway, provincialCode)).toEqual({ status: 4, cached: false });
    // The ministry's secret, pushing a Thanh Hóa code and a malformed one.
    const body = JSON.stringify({ DanhSachMaHoSo: [provincialCode, 'not-a-code'] });
    expect(await postHook(gateway.url, 'bo-noi-vu-dvc', body, sign(body, MINISTRY_SECRET))).toEqual(
      {
        status: 202,
        body: { accepted: 0, ignored: 2 },
      },
    );
    expect(await statusOf(gateway, provincialCode)).toEqual({ status: 4, cached: true });

    // Thanh Hóa's system pushing a full record that claims a ministry code is ignored too.
    const ministryCode = ministryProcessing[1] as string;
    expect(await statusOf(gateway, ministryCode)).toEqual({ status: 4, cached: false });
    const record = (await (
      await fetch(`${samples.provincial.url}/api/v1/dossiers/${provincialCode}`, {
        headers: { 'x-api-key': SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY },
      })
    ).json()) as Record<string, unknown>;
    const forged = JSON.stringify({
      dossiers: [{ ...record, dossierNo: ministryCode, dossierStatus: 'done' }],
    });
    expect(
      await postHook(gateway.url, 'thanh-hoa-motcua', forged, sign(forged, REST_SECRET)),
    ).toEqual({
      status: 202,
      body: { accepted: 0, ignored: 1 },
    });
    expect(await statusOf(gateway, ministryCode)).toEqual({ status: 4, cached: true });
  });
});

describe('Subscriptions: dossierStatusChanged over graphql-ws', () => {
  let samples: SampleSystems;
  let gateway: TestGateway;
  const clients: Client[] = [];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 32 });
    gateway = await startTestGateway({
      samples,
      env: { ALLOWED_ORIGINS: 'https://dichvucong.example' },
    });
    samples.connectGateway(gateway.url);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await gateway.close();
    await samples.close();
  });

  const SUBSCRIPTION = `subscription ($codes: [String!]!) {
    dossierStatusChanged(codes: $codes) {
      code connector changedAt
      dossier { status { code } applicant { name } source { cached } }
      error { code }
    }
  }`;

  /** A graphql-ws client with the portal's key (or `key`), from `origin` when given. */
  function connect(url: string, origin?: string, key: string | null = gateway.keys.portal): Client {
    const client = createClient({
      url: url.replace(/^http/, 'ws') + '/graphql',
      connectionParams: key === null ? {} : { apiKey: key },
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, origin === undefined ? {} : { headers: { origin } });
        }
      },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  }

  /** Subscribes and collects events; `ready` resolves once the server has accepted it. */
  function subscribe(client: Client, codes: string[]) {
    const events: any[] = [];
    const failures: unknown[] = [];
    let notify: () => void = () => undefined;
    const unsubscribe = client.subscribe(
      { query: SUBSCRIPTION, variables: { codes } },
      {
        next: (result) => {
          events.push(result.errors ?? result.data?.dossierStatusChanged);
          notify();
        },
        error: (error) => {
          failures.push(error);
          notify();
        },
        complete: () => undefined,
      },
    );
    const until = async (done: () => boolean, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (!done() && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 50);
        });
      }
    };
    return { events, failures, unsubscribe, until };
  }

  /** graphql-ws acknowledges the connection before the subscription is live; wait for it. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

  it('delivers a pushed change of a watched code, masked like a query answer', async () => {
    const [watched, other] = findCodes(
      samples.provincial.dataset,
      2,
      (d) => d.status === 4 && d.applicant.type === 1,
    );
    const raw = samples.provincial.dataset.get(watched as string)?.applicant.name as string;
    // A browser on the gateway's own origin.
    const watcher = subscribe(connect(gateway.url, gateway.url), [watched as string]);
    await settle();
    await changeStatus(samples.provincial, other as string, 9);
    await changeStatus(samples.provincial, watched as string, 9);
    await watcher.until(() => watcher.events.length >= 1);
    await settle();
    expect(watcher.failures).toEqual([]);
    expect(watcher.events).toHaveLength(1);
    const event = watcher.events[0];
    expect(event).toMatchObject({
      code: watched,
      connector: 'thanh-hoa-motcua',
      dossier: { status: { code: 9 }, source: { cached: true } },
      error: null,
    });
    expect(event.changedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+07:00$/);
    expect(event.dossier.applicant.name).not.toBe(raw);
    expect(event.dossier.applicant.name).toContain('*');
    expect(event.dossier.applicant.name.split(' ')[0]).toBe(raw.split(' ')[0]);
    watcher.unsubscribe();
  });

  it('refuses malformed codes and more than 500 codes, as queries do', async () => {
    const client = connect(gateway.url);
    const bad = subscribe(client, ['000.00.01.h56-260101-0001']);
    const many = subscribe(
      client,
      Array.from({ length: 501 }, (_, i) => `000.00.01.H56-260101-${String(i).padStart(4, '0')}`),
    );
    await bad.until(() => bad.events.length + bad.failures.length > 0);
    await many.until(() => many.events.length + many.failures.length > 0);
    // A refused subscription is one result with errors, then completion (graphql-ws).
    const codesOf = (errors: unknown) =>
      (errors as Array<{ extensions?: { code?: string } }>).map((e) => e.extensions?.code);
    expect(bad.failures).toEqual([]);
    expect(codesOf(bad.events[0])).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(bad.events[0])).toContain('agency codes are upper case');
    expect(codesOf(many.events[0])).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(many.events[0])).toContain('at most 500 codes, got 501');
  });

  it('refuses a browser connection from another origin before the handshake', async () => {
    const refused = subscribe(connect(gateway.url, 'https://evil.example'), [
      '000.00.01.H56-260101-0001',
    ]);
    await refused.until(() => refused.failures.length > 0);
    expect(refused.failures).toHaveLength(1);
    expect(String((refused.failures[0] as Error).message)).toContain('403');
    expect(gateway.logger.entries.some((e) => e.message === 'WebSocket upgrade refused')).toBe(
      true,
    );
    // An origin listed in ALLOWED_ORIGINS (the portal behind a proxy) is accepted.
    const [code] = findCodes(samples.provincial.dataset, 1, (d) => d.status === 4);
    const portal = subscribe(connect(gateway.url, 'https://dichvucong.example'), [code as string]);
    await settle();
    await changeStatus(samples.provincial, code as string, 9);
    await portal.until(() => portal.events.length > 0);
    expect(portal.failures).toEqual([]);
    expect(portal.events[0]).toMatchObject({ code, dossier: { status: { code: 9 } } });
  });

  it('serves only subscriptions over WebSocket, at most 20 per connection', async () => {
    const client = connect(gateway.url);
    const results: unknown[] = [];
    await new Promise<void>((resolve) => {
      client.subscribe(
        { query: '{ __schema { types { name } } }' },
        {
          next: (r) => results.push(r),
          error: (e) => {
            results.push(e);
            resolve();
          },
          complete: resolve,
        },
      );
    });
    expect(JSON.stringify(results)).toContain(
      'Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql',
    );
    const codes = findCodes(samples.ministry.dataset, 21);
    const all = codes.map((code) => subscribe(client, [code]));
    const last = all[20] as (typeof all)[number];
    await last.until(() => last.failures.length > 0);
    // Refused in onSubscribe: an error message for that subscription; the others stay live.
    expect(JSON.stringify(last.failures[0])).toContain('At most 20 subscriptions per connection');
    expect(all.slice(0, 20).every((s) => s.events.length === 0 && s.failures.length === 0)).toBe(
      true,
    );
    for (const s of all) s.unsubscribe();
  });

  it('survives upgrade requests it cannot read and clients that reset after a refusal', async () => {
    const { port } = new URL(gateway.url);
    const raw = (request: string, reset: boolean) =>
      new Promise<string>((resolve) => {
        const socket = connectTcp(Number(port), '127.0.0.1', () => {
          socket.write(request);
          if (reset) {
            socket.resetAndDestroy();
            resolve('');
          }
        });
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
    const upgrade = (target: string, origin: string) =>
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nOrigin: ${origin}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    expect(await raw(upgrade('http://[', 'http://x'), false)).toMatch(/^HTTP\/1\.1 400/);
    await Promise.all(
      Array.from({ length: 200 }, () => raw(upgrade('/graphql', 'https://evil.example'), true)),
    );
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe('Pushes across replicas sharing Redis', () => {
  let samples: SampleSystems;
  const prefix = `push-${process.pid}-${Date.now()}:`;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1000, seed: 33 });
  });
  afterAll(async () => {
    await samples.close();
  });

  it('a push received by one replica updates the others and reaches their subscribers', async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL as string, REDIS_KEY_PREFIX: prefix };
    const first = await startTestGateway({ samples, env });
    const second = await startTestGateway({ samples, env });
    const clientsToClose: Client[] = [];
    const client = createClient({
      url: `${second.url.replace(/^http/, 'ws')}/graphql`,
      connectionParams: { apiKey: second.keys.portal },
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      samples.connectGateway(first.url);
      const [byCode] = findCodes(samples.ministry.dataset, 1, (d) => d.status === 4);
      const [byRecord] = findCodes(samples.provincial.dataset, 1, (d) => d.status === 4);
      const codes = [byCode as string, byRecord as string];
      // Both replicas hold both answers in their in-process caches.
      for (const code of codes) {
        expect(await statusOf(first, code)).toEqual({ status: 4, cached: false });
        expect(await statusOf(second, code)).toEqual({ status: 4, cached: true });
      }
      const seen: any[] = [];
      const seenByFirst: any[] = [];
      const firstClient = createClient({
        url: `${first.url.replace(/^http/, 'ws')}/graphql`,
        connectionParams: { apiKey: first.keys.portal },
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      clientsToClose.push(firstClient);
      firstClient.subscribe(
        {
          query: `subscription ($codes: [String!]!) { dossierStatusChanged(codes: $codes) { code dossier { status { code } } } }`,
          variables: { codes },
        },
        {
          next: (r) => seenByFirst.push(r.data?.dossierStatusChanged),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      client.subscribe(
        {
          query: `subscription ($codes: [String!]!) { dossierStatusChanged(codes: $codes) { code dossier { status { code } } } }`,
          variables: { codes },
        },
        {
          next: (r) => seen.push(r.data?.dossierStatusChanged),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));

      await changeStatus(samples.ministry, byCode as string, 5);
      await changeStatus(samples.provincial, byRecord as string, 9);
      const deadline = Date.now() + 5000;
      while ((seen.length < 2 || seenByFirst.length < 2) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive by now

      // The other replica's local copies were dropped: it answers the new statuses.
      expect(await statusOf(second, byCode as string)).toMatchObject({ status: 5 });
      // The pushed record went to Redis, so the other replica reads it without asking the system.
      takeStats(samples.provincial);
      expect(await statusOf(second, byRecord as string)).toEqual({ status: 9, cached: true });
      expect(takeStats(samples.provincial).attempts).toBe(0);
      // Each replica's subscribers get each change exactly once, the receiving replica's included.
      expect(seenByFirst.map((event) => [event.code, event.dossier.status.code]).sort()).toEqual(
        [
          [byCode, 5],
          [byRecord, 9],
        ].sort(),
      );
      expect(seen.map((event) => [event.code, event.dossier.status.code]).sort()).toEqual(
        [
          [byCode, 5],
          [byRecord, 9],
        ].sort(),
      );
      // A push accepted by one replica cannot be replayed to another.
      const body = JSON.stringify({ DanhSachMaHoSo: [byCode] });
      const signature = sign(body, MINISTRY_SECRET);
      expect((await postHook(first.url, 'bo-noi-vu-dvc', body, signature)).status).toBe(202);
      const replay = await postHook(second.url, 'bo-noi-vu-dvc', body, signature);
      expect(replay).toEqual({
        status: 401,
        body: { error: 'push refused: signature already used (replay)' },
      });
    } finally {
      await client.dispose();
      await Promise.all(clientsToClose.map((c) => c.dispose()));
      await Promise.all([first.close(), second.close()]);
    }
  });
});
