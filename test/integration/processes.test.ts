import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSampleSystems,
  SAMPLE_CREDENTIALS,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import type { RedisTarget } from '../../src/redis/connectRedis';
import { runProductionOnRedis, type MainProcess } from '../support/runMain';
import { findCodes } from '../support/sampleCodes';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster';
import { startRedisServer, type RedisServer } from '../support/redisServer';

interface Replicas {
  samples: SampleSystems;
  admin: string;
  gateway(): Promise<MainProcess>;
  query<T>(
    process: MainProcess,
    text: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }>;
  document(id: string, unit: string): string;
}

const PREFIX = 'procs:';

/**
 * Gateways as separate processes (`src/main.ts` in production mode) sharing Redis: registry,
 * keys, audit log, cache, events and rate limits all in Redis. `redis()` gives the variables
 * that point a gateway at it and the target for the test's own key store.
 */
function replicas(redis: () => { env: Record<string, string>; target: RedisTarget }): Replicas {
  const processes: MainProcess[] = [];
  const state = {} as Replicas;
  state.gateway = async () => {
    const started = await runProductionOnRedis(state.samples.variables, redis().env, PREFIX);
    processes.push(started);
    return started;
  };
  state.query = async (process, text, variables = {}) => {
    const response = await fetch(`${process.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': state.admin },
      body: JSON.stringify({ query: text, variables }),
    });
    return (await response.json()) as never;
  };
  state.document = (id, unit) => `id: ${id}
kind: rest-json
name: ${id}
coverage: { units: [${unit}] }
upstream:
  baseUrl: ${state.samples.provincial.url}
  auth: { type: apiKey, header: X-Api-Key, value: "${SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY}" }
config:
  lookup: { single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] } }
  mapping: { code: dossierNo, status: dossierStatus }
  statuses: { map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 } }
`;

  beforeAll(async () => {
    state.samples = await startSampleSystems({ size: 800, seed: 95 });
    const keys = new RedisApiKeyStore(redis().target, PREFIX);
    state.admin = (
      await keys.create({ name: 'test admin', role: 'admin', createdBy: 'test' }, new Date())
    ).key;
    await keys.close();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await state.samples.close();
  });

  let a: MainProcess;
  let b: MainProcess;
  it('a registration made on one process routes on the other within a second', async () => {
    const { samples, query, document } = state;
    [a, b] = [await state.gateway(), await state.gateway()];
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
    const { samples, query } = state;
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

  it('shares report jobs: one started on one process is read, finished, on the other', async () => {
    const started = await state.query<{ startReport: { id: string } }>(
      a,
      `mutation ($i: ReportInput!) { startReport(input: $i) { id } }`,
      { i: { agencies: ['000.01.70.H56', '000.01.12.H56'], from: '2026-07-01', to: '2026-09-30' } },
    );
    expect(started.errors).toBeUndefined();
    const id = started.data?.startReport.id as string;
    const deadline = Date.now() + 20_000;
    let job: {
      state: string;
      problems: string[];
      result: { total: { received: number; notReceived: number; rejectedAtIntake: number } } | null;
    };
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (
        await state.query<{ report: typeof job }>(
          b,
          `query ($id: ID!) { report(id: $id) { state problems
            result { total { received notReceived rejectedAtIntake } } } }`,
          { id },
        )
      ).data?.report as typeof job;
    } while (['QUEUED', 'RUNNING'].includes(job.state) && Date.now() < deadline);
    expect(job.problems).toEqual([]);
    expect(job.state).toBe('DONE');
    const period = ['2026-07-01', '2026-09-30', 0, 1] as const;
    // Every dossier the two systems hold for the period: received, or submitted and not (status 1, 3).
    const total = job.result?.total;
    expect(
      (total?.received ?? 0) + (total?.notReceived ?? 0) + (total?.rejectedAtIntake ?? 0),
    ).toBe(
      state.samples.provincial.dataset.listReceived('000.01.70.H56', ...period).total +
        state.samples.land.dataset.listReceived('000.01.12.H56', ...period).total,
    );
    expect(total?.received).toBeGreaterThan(0);
  }, 30_000);

  it('keeps one audit log and one key store across processes', async () => {
    // Production without METRICS_TOKEN: no /metrics.
    expect((await fetch(`${b.url}/metrics`)).status).toBe(404);
    // B reads the registration A audited, and both accepted the key the test created.
    const log = await state.query<{
      auditLog: { nodes: Array<{ writer: string; action: string }> };
    }>(b, `{ auditLog(filter: { action: "registry.create" }) { nodes { writer action } } }`);
    expect(log.errors).toBeUndefined();
    expect(log.data?.auditLog.nodes.length).toBeGreaterThanOrEqual(1);
    const writers = await state.query<{ auditLog: { nodes: Array<{ writer: string }> } }>(
      b,
      `{ auditLog(filter: { action: "gateway.start" }) { nodes { writer } } }`,
    );
    expect(new Set(writers.data?.auditLog.nodes.map((n) => n.writer)).size).toBeGreaterThanOrEqual(
      2,
    );
  }, 30_000);
  return state;
}

describe('Gateway processes on one Redis', () => {
  let redis: RedisServer;
  let redisDir: string;
  // Redis writes its append-only file with fsync on every write, as a deployment that must lose
  // nothing would.
  const startRedis = (port?: number) =>
    startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir], port);
  beforeAll(async () => {
    redisDir = await mkdtemp(join(tmpdir(), 'redis-aof-'));
    redis = await startRedis();
  }, 30_000);
  const state = replicas(() => ({ env: { REDIS_URL: redis.url }, target: redis.url }));
  // After the gateways have stopped (afterAll hooks run in the order they are declared).
  afterAll(async () => {
    await redis.stop();
    await rm(redisDir, { recursive: true, force: true });
  });

  it('loses no acknowledged registration when a gateway is SIGKILLed mid-way and Redis restarts from its append-only file', async () => {
    const { query, document } = state;
    const victim = await state.gateway();
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
    const survivor = await state.gateway();
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

describe('Gateway processes on a three-node Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  replicas(() => ({
    env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') },
    target: { cluster: cluster.nodes },
  }));
  afterAll(async () => {
    await cluster.stop();
  });
});
