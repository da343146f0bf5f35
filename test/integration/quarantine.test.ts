import Redis from 'ioredis';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { runProductionOnRedis, type MainProcess } from '../support/runMain';
import { storedBeforeTheRules } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { seeded } from '../support/seeded';

const PREFIX = 'quar:';
const METRICS = 'metrics-token-of-the-test';

type Answer<T> = {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

/**
 * Registrations are input: nothing a provincial IT key can send may take a replica down. Two
 * gateway processes (production mode) share one Redis (keys, registry, audit log); while the test
 * throws known-dangerous and random expressions at dry runs and at saved registrations, both keep
 * answering lookups of the other connectors, checked every 100 ms from beginning to end.
 */
describe('Quarantine: no registration can take a replica down (two processes, one Redis)', () => {
  let redis: RedisServer;
  let samples: SampleSystems;
  let admin: string;
  let provinceIt: string;
  let a: MainProcess;
  let b: MainProcess;
  /** A code of the district H56.01 (its dossiers are the ones the test registrations map). */
  let districtCode: string;
  const probe = { sent: 0, failed: [] as string[], timer: undefined as NodeJS.Timeout | undefined };

  const query = async <T>(
    process: MainProcess,
    text: string,
    variables: Record<string, unknown> = {},
    key = admin,
  ): Promise<Answer<T>> => {
    const response = await fetch(`${process.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: text, variables }),
    });
    return (await response.json()) as Answer<T>;
  };

  /** A district registration of the sample provincial system, with `summary` mapped by `expression`. */
  const document = (id: string, summary: string) => `id: ${id}
kind: rest-json
name: ${id}
coverage: { units: [H56.01] }
upstream:
  baseUrl: ${samples.provincial.url}
  auth: { type: apiKey, header: X-Api-Key, value: "${SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY}" }
config:
  lookup: { single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] } }
  mapping:
    code: dossierNo
    status: dossierStatus
    summary: ${JSON.stringify(summary)}
  statuses: { map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 } }
`;

  const dryRun = (process: MainProcess, summary: string) =>
    query<{
      testConnector: {
        dossiers: Array<{ found: boolean; error: { code: string; message: string } | null }>;
        expressionLimits: Array<{ limit: string; message: string; count: number }>;
      };
    }>(
      process,
      `mutation ($d: String!, $c: [String!]!) { testConnector(document: $d, codes: $c) {
        dossiers { found error { code message } } expressionLimits { limit message count } } }`,
      { d: document('thu-nghiem-h5601', summary), c: [districtCode] },
      provinceIt,
    );

  beforeAll(async () => {
    redis = await startRedisServer();
    samples = await startSampleSystems({ size: 600, seed: 171 });
    [districtCode] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    ) as [string];
    const keys = new RedisApiKeyStore(redis.url, PREFIX);
    admin = (await keys.create({ name: 'quản trị', role: 'admin', createdBy: 'test' }, new Date()))
      .key;
    provinceIt = (
      await keys.create(
        { name: 'CNTT Thanh Hóa', role: 'province-it', agencies: ['H56'], createdBy: 'test' },
        new Date(),
      )
    ).key;
    await keys.close();
    const extra = {
      METRICS_TOKEN: METRICS,
      RATE_LIMITS: 'admin=100000,province-it=100000,portal=100000',
    };
    a = await runProductionOnRedis(samples.variables, { REDIS_URL: redis.url }, PREFIX, extra);
    b = await runProductionOnRedis(samples.variables, { REDIS_URL: redis.url }, PREFIX, extra);
    // Lookups of the other connectors (the ministry's, the land system's), on both replicas.
    const others = [
      ...findCodes(samples.ministry.dataset, 2, () => true),
      ...findCodes(samples.land.dataset, 2, () => true),
    ];
    probe.timer = setInterval(() => {
      for (const process of [a, b]) {
        const code = others[probe.sent % others.length] as string;
        probe.sent += 1;
        query<{ dossier: { code: string } | null }>(
          process,
          'query ($c: String!) { dossier(code: $c) { code } }',
          { c: code },
        )
          .then((answer) => {
            if (answer.data?.dossier?.code !== code)
              probe.failed.push(`${code}: ${JSON.stringify(answer.errors)}`);
          })
          .catch((error: Error) => probe.failed.push(`${code}: ${error.message}`));
      }
    }, 100);
  }, 60_000);

  afterAll(async () => {
    clearInterval(probe.timer);
    await Promise.all([a?.stop(), b?.stop()]);
    await samples?.close();
    await redis?.stop();
  });

  it('dry runs of known-dangerous expressions: refused naming the field and the limit, or stopped and reported', async () => {
    const refused = [
      ['$length($pad("x", 200000000))', '$pad to a width of 200,000,000: at most 1,000,000'],
      ['$string([1..10000000])', 'a range of 10,000,000 items: at most 100,000'],
      ['($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))', 'defines a function'],
      ['$eval(dossierNo)', '$eval runs text'],
      [`"${'x'.repeat(5000)}"`, 'at most 4,000'],
      ['$match(dossierNo, /(a)\\1/)', 'cannot run in linear time'],
    ];
    for (const [expression, message] of refused) {
      const answer = await dryRun(a, expression as string);
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message).toContain('config.mapping.summary');
      expect(answer.errors?.[0]?.message).toContain(message);
    }
    const stopped = [
      ['$length($pad("x", $length(dossierNo) * 100000000))', 'string'],
      ['$join([1..99999].$string(), "xxxxxxxxxxxxxxxxxxxx")', 'string|steps|time'],
      ['$fromMillis(0, "[Y," & $string($length(dossierNo) * 10000000) & "]")', 'string'],
      ['$formatInteger(1e300, "I")', 'string'],
      ['$count([1..99999].[[1..99999]])', 'budget|steps|time'],
    ];
    for (const [expression, limit] of stopped) {
      const answer = await dryRun(b, expression as string);
      expect(answer.errors).toBeUndefined();
      const report = answer.data?.testConnector;
      expect(report?.dossiers[0]?.error?.code).toBe('UPSTREAM_BAD_RESPONSE');
      expect(report?.dossiers[0]?.error?.message).toContain('mapping stopped');
      expect(report?.expressionLimits[0]?.limit).toMatch(new RegExp(`^(${limit as string})$`));
    }
    // A pattern V8 would backtrack on for minutes: run in linear time, answered at once.
    const regex = await dryRun(
      a,
      '$match(dossierNo & "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", /^(\\w+-?)*$/)',
    );
    expect(regex.data?.testConnector.dossiers[0]?.found).toBe(true);
  }, 60_000);

  it('150 random expressions: dry runs each answered; 40 of them saved in turn and looked up on the other replica', async () => {
    const { next, pick } = seeded(17);
    const leaves = ['dossierNo', 'dossierStatus', '"ab"', '12', '1e9', '200000000', '$'];
    const wraps = [
      (x: string) => `$pad(${x}, ${pick(['1e9', '$length(dossierNo) * 1e7', '40'])})`,
      (x: string) => `$string(${x})`,
      (x: string) => `[${x}, ${x}]`,
      (x: string) => `(${x} & ${x})`,
      (x: string) => `$join([1..${pick(['10', '99999', '1e8'])}].$string(${x}))`,
      (x: string) => `$split($string(${x}), "")`,
      (x: string) => `{"k": ${x}}`,
      (x: string) => `$uppercase($string(${x}))`,
      (x: string) => `$replace($string(${x}), /(.)/, "$1$1$1$1")`,
      (x: string) => `$distinct(${x})`,
    ];
    const expression = (depth: number): string =>
      depth === 0 || next() < 0.2 ? pick(leaves) : pick(wraps)(expression(depth - 1));
    const outcomes = new Map<string, number>();
    const lookups = new Map<string, number>();
    let version = 0;
    for (let i = 0; i < 150; i += 1) {
      const [here, there] = i % 2 === 0 ? [a, b] : [b, a];
      const summary = `($x := ${expression(5)}; $count($x))`;
      const answer = await dryRun(here, summary);
      const kind =
        answer.errors?.[0]?.extensions?.code ??
        (answer.data?.testConnector.expressionLimits.length ? 'stopped' : 'ran');
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      if (kind === 'BAD_USER_INPUT' || version >= 40) continue;
      // Saved (registered, then updated in turn) on one replica, looked up on the other.
      const saved = await query<{
        registerConnector?: { version: number };
        updateConnector?: { version: number };
      }>(
        here,
        version === 0
          ? 'mutation ($d: String!) { registerConnector(document: $d) { version } }'
          : 'mutation ($v: Int!, $d: String!) { updateConnector(id: "rnd-h5601", version: $v, document: $d) { version } }',
        { v: version, d: document('rnd-h5601', summary) },
        provinceIt,
      );
      expect(saved.errors).toBeUndefined();
      version = (saved.data?.registerConnector ?? saved.data?.updateConnector)?.version ?? version;
      await new Promise((resolve) => setTimeout(resolve, 150));
      const looked = await query<{ dossier: { code: string } | null }>(
        there,
        'query ($c: String!) { dossier(code: $c) { code } }',
        { c: districtCode },
      );
      const answered =
        looked.data?.dossier?.code === districtCode
          ? 'found'
          : looked.errors?.[0]?.extensions?.code;
      lookups.set(String(answered), (lookups.get(String(answered)) ?? 0) + 1);
    }
    // Every dry run answered as a report or a validation error, and all three happened.
    expect([...outcomes.keys()].sort()).toEqual(['BAD_USER_INPUT', 'ran', 'stopped']);
    // Every saved one answered: the dossier, or the typed error of its mapping.
    expect(version).toBe(40);
    expect(
      [...lookups.keys()].every((code) => ['found', 'UPSTREAM_BAD_RESPONSE'].includes(code)),
    ).toBe(true);
    const removed = await query(
      a,
      'mutation ($v: Int!) { deleteConnector(id: "rnd-h5601", version: $v) { id } }',
      { v: version },
      provinceIt,
    );
    expect(removed.errors).toBeUndefined();
  }, 180_000);

  it('a registration saved before the rules is quarantined on both replicas, audited once, its codes served by the province', async () => {
    // Written straight into the store, as an earlier gateway version saved it.
    const direct = new Redis(redis.url);
    try {
      const stored = storedBeforeTheRules('cu-h5601', samples.provincial.url);
      await direct.hset(`${PREFIX}{registry}:latest`, 'cu-h5601', JSON.stringify(stored));
      await direct.rpush(`${PREFIX}{registry}:history:cu-h5601`, JSON.stringify(stored));
      await direct.publish(`${PREFIX}registry-changed`, 'cu-h5601');
      const quarantineOn = async (process: MainProcess) => {
        const started = Date.now();
        while (Date.now() - started < 10_000) {
          const answer = await query<{
            connector: { version: number; quarantine: { reason: string } | null } | null;
          }>(process, 'query { connector(id: "cu-h5601") { version quarantine { reason } } }');
          if (answer.data?.connector?.quarantine) return answer.data.connector;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return null;
      };
      for (const process of [a, b]) {
        const seen = await quarantineOn(process);
        expect(seen?.version).toBe(2);
        expect(seen?.quarantine?.reason).toContain(
          'config.mapping.summary: $pad to a width of 200,000,000',
        );
        const ready = (await (await fetch(`${process.url}/readyz`)).json()) as {
          degraded: boolean;
          notRouted: Array<{ id: string; problem: string }>;
        };
        expect(ready.degraded).toBe(true);
        expect(ready.notRouted).toContainEqual({
          id: 'cu-h5601',
          version: 2,
          problem: 'quarantined',
        });
        // Its codes: the province's own system answers them.
        const routed = await query<{ dossier: { source: { connector: string } } }>(
          process,
          'query ($c: String!) { dossier(code: $c) { source { connector } } }',
          { c: districtCode },
        );
        expect(routed.data?.dossier.source.connector).toBe('thanh-hoa-motcua');
      }
      const metrics = await (
        await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })
      ).text();
      expect(metrics).toContain('dvcgw_registration_quarantined{connector="cu-h5601"} 1');
      // One audit entry, whichever replica stored the quarantine, by the gateway itself.
      const audit = await query<{ auditLog: { nodes: Array<{ who: string; scope: string }> } }>(
        a,
        'query { auditLog(filter: { action: "registry.quarantine" }) { nodes { who scope } } }',
      );
      expect(audit.errors).toBeUndefined();
      expect(
        audit.data?.auditLog.nodes.filter((entry) => entry.scope.startsWith('cu-h5601')),
      ).toEqual([{ who: 'gateway', scope: expect.stringMatching(/^cu-h5601 v2 \(quarantined: /) }]);
    } finally {
      direct.disconnect();
    }
  }, 60_000);

  it('a saved registration whose evaluations keep being stopped is quarantined after five different records; an update clears it', async () => {
    const bad = '$pad("x", $length(dossierNo) * 100000000)';
    const register = () =>
      query(
        a,
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        { d: document('loi-h5601', bad) },
        provinceIt,
      );
    // The quarantined registration of the previous test still holds its coverage …
    expect((await register()).errors?.[0]?.message).toContain(
      'coverage: unit H56.01 is held by the quarantined registration "cu-h5601"',
    );
    // … until its owner deletes it (or fixes it).
    const deleted = await query(
      a,
      'mutation { deleteConnector(id: "cu-h5601", version: 2) { id } }',
      {},
      provinceIt,
    );
    expect(deleted.errors).toBeUndefined();
    expect((await register()).errors).toBeUndefined();
    const lookup = 'query ($c: String!) { dossier(code: $c) { source { connector } } }';
    // One dossier asked for again and again counts once: it could be one odd record.
    const errors: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const answer = await query<{ dossier: unknown }>(b, lookup, { c: districtCode });
      errors.push(answer.errors?.[0]?.message ?? 'answered');
    }
    expect(errors.every((message) => message.includes('mapping stopped'))).toBe(true);
    const before = await query<{ connector: { quarantine: unknown } | null }>(
      a,
      'query { connector(id: "loi-h5601") { quarantine { reason } } }',
      {},
      provinceIt,
    );
    expect(before.data?.connector?.quarantine).toBeNull();
    // Five different dossiers, each stopped: the expression, not a record, is at fault.
    for (const code of findCodes(
      samples.provincial.dataset,
      5,
      (d) => d.agency.code === '000.00.01.H56',
    )) {
      const answer = await query<{ dossier: unknown }>(b, lookup, { c: code });
      expect(answer.errors?.[0]?.message).toContain('mapping stopped');
    }
    const started = Date.now();
    type Seen = { version: number; quarantine: { reason: string } | null };
    let connector: Seen | null = null;
    while (Date.now() - started < 10_000) {
      connector =
        (
          await query<{ connector: Seen | null }>(
            a,
            'query { connector(id: "loi-h5601") { version quarantine { reason } } }',
            {},
            provinceIt,
          )
        ).data?.connector ?? null;
      if (connector?.quarantine) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(connector?.quarantine?.reason).toContain(
      'evaluations of one expression stopped by a limit on 5 different records in a row',
    );
    expect(
      (await query<{ dossier: { source: { connector: string } } }>(b, lookup, { c: districtCode }))
        .data?.dossier.source.connector,
    ).toBe('thanh-hoa-motcua');
    // Provincial IT fixes the mapping: the new version is not quarantined, and serves again.
    const fixed = await query<{ updateConnector: { quarantine: unknown } }>(
      a,
      'mutation ($v: Int!, $d: String!) { updateConnector(id: "loi-h5601", version: $v, document: $d) { quarantine { reason } } }',
      { v: connector?.version, d: document('loi-h5601', '$uppercase(dossierStatus)') },
      provinceIt,
    );
    expect(fixed.errors).toBeUndefined();
    expect(fixed.data?.updateConnector.quarantine).toBeNull();
    const served = Date.now();
    let routed: string | undefined;
    while (Date.now() - served < 5000) {
      routed = (
        await query<{ dossier: { source: { connector: string } } }>(b, lookup, { c: districtCode })
      ).data?.dossier?.source.connector;
      if (routed === 'loi-h5601') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(routed).toBe('loi-h5601');
  }, 60_000);

  it('both replicas stayed up and answered every lookup of the other connectors throughout', async () => {
    // Lookups still in flight are let through before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    expect(probe.sent).toBeGreaterThan(100);
    expect(probe.failed).toEqual([]);
  });
});
