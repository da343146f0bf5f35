import { createHmac } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSampleSystems,
  SAMPLE_CREDENTIALS,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/apiKeys';
import { runMain, type MainProcess } from '../support/runMain';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { PROJECT_ROOT } from '../support/testGateway';

/**
 * Gateways as separate processes (`src/main.ts` in production mode) sharing one Redis: registry,
 * keys, audit log, cache, events and rate limits all in Redis. Redis writes its append-only file
 * with fsync on every write, as a deployment that must lose nothing would.
 */
describe('Gateway processes on one Redis', () => {
  let redis: RedisServer;
  let redisDir: string;
  let samples: SampleSystems;
  let admin: string;
  const processes: MainProcess[] = [];
  const PREFIX = 'procs:';

  const startRedis = (port?: number) =>
    startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir], port);

  const gateway = async () => {
    const started = await runMain({
      ...samples.variables,
      GATEWAY_MODE: 'production',
      HOST: '127.0.0.1',
      REGISTRATIONS_DIR: join(PROJECT_ROOT, 'examples', 'registrations'),
      AGENCY_DIRECTORY: join(PROJECT_ROOT, 'data', 'agencies.sample.yaml'),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      REGISTRY_DIR: '',
      AUDIT_DIR: '',
      UPSTREAM_ALLOW: '127.0.0.0/8',
      CATALOGUE_SYNC_INTERVAL_MS: '0',
      RATE_LIMITS: 'admin=100000',
    });
    processes.push(started);
    return started;
  };

  const query = async <T>(
    process: MainProcess,
    text: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }> => {
    const response = await fetch(`${process.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': admin },
      body: JSON.stringify({ query: text, variables }),
    });
    return (await response.json()) as never;
  };

  const document = (id: string, unit: string) => `id: ${id}
kind: rest-json
name: ${id}
coverage: { units: [${unit}] }
upstream:
  baseUrl: ${samples.provincial.url}
  auth: { type: apiKey, header: X-Api-Key, value: "${SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY}" }
config:
  lookup: { single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] } }
  mapping: { code: dossierNo, status: dossierStatus }
  statuses: { map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 } }
`;

  beforeAll(async () => {
    redisDir = await mkdtemp(join(tmpdir(), 'redis-aof-'));
    redis = await startRedis();
    samples = await startSampleSystems({ size: 800, seed: 95 });
    const keys = new RedisApiKeyStore(redis.url, PREFIX);
    admin = (
      await keys.create({ name: 'test admin', role: 'admin', createdBy: 'test' }, new Date())
    ).key;
    await keys.close();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await samples.close();
    await redis.stop();
  });

  it('a registration made on one process routes on the other within a second', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    );
    const lookup = `query ($c: String!) { dossier(code: $c) { source { connector } } }`;
    expect((await query<any>(b, lookup, { c: code })).data?.dossier.source.connector).toBe(
      'thanh-hoa-motcua',
    );
    const made = await query(
      a,
      'mutation ($d: String!) { registerConnector(document: $d) { id } }',
      {
        d: document('procs-h5601', 'H56.01'),
      },
    );
    expect(made.errors).toBeUndefined();
    const started = Date.now();
    let routed: string | undefined;
    while (Date.now() - started < 1000) {
      routed = (await query<any>(b, lookup, { c: code })).data?.dossier?.source.connector;
      if (routed === 'procs-h5601') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(routed).toBe('procs-h5601');
  }, 30_000);

  it("a push received by one process drops the other's in-process copy", async () => {
    const [a, b] = processes as [MainProcess, MainProcess];
    const [code] = findCodes(samples.ministry.dataset, 1, (d) => d.status === 4);
    const lookup = `query ($c: String!) { dossier(code: $c) { status { code } source { cached } } }`;
    expect((await query<any>(b, lookup, { c: code })).data?.dossier.status.code).toBe(4);
    expect((await query<any>(b, lookup, { c: code })).data?.dossier.source.cached).toBe(true);
    samples.ministry.dataset.setStatus(code as string, 9, (await import('luxon')).DateTime.now());
    const body = JSON.stringify({ DanhSachMaHoSo: [code] });
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_PUSH_SECRET)
      .update(`${t}.${body}`)
      .digest('hex');
    const pushed = await fetch(`${a.url}/hooks/bo-noi-vu-dvc`, {
      method: 'POST',
      headers: { 'x-signature': `t=${t},v1=${v1}` },
      body,
    });
    expect(pushed.status).toBe(202);
    const started = Date.now();
    let status: number | undefined;
    while (Date.now() - started < 1000) {
      status = (await query<any>(b, lookup, { c: code })).data?.dossier.status.code;
      if (status === 9) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(9);
  }, 30_000);

  it('loses no acknowledged registration when a gateway is SIGKILLed mid-way and Redis restarts from its append-only file', async () => {
    const victim = await gateway();
    const acknowledged: string[] = [];
    const attempts = Array.from({ length: 40 }, (_, i) => {
      const id = `burst-${i}`;
      return query<{ registerConnector: { id: string } }>(
        victim,
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        { d: document(id, `G09.${i + 10}`) },
      ).then(
        (answer) => {
          if (answer.data?.registerConnector.id === id) acknowledged.push(id);
        },
        () => undefined,
      );
    });
    // Kill it while the burst is under way: once a few are acknowledged, the rest in flight.
    const started = Date.now();
    while (acknowledged.length < 5 && Date.now() - started < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    victim.child.kill('SIGKILL');
    await Promise.all(attempts);
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    expect(acknowledged.length).toBeLessThan(40);

    // Redis goes down hard too, and comes back from its append-only file on the same port.
    const port = redis.port;
    await redis.stop();
    redis = await startRedis(port);
    const survivor = await gateway();
    const listed = await query<{ connectors: Array<{ id: string }> }>(
      survivor,
      '{ connectors { id } }',
    );
    const ids = new Set(listed.data?.connectors.map((c) => c.id));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    // And a gateway on Redis stops cleanly when asked.
    expect(await survivor.stop()).toBe(0);
  }, 60_000);
});
