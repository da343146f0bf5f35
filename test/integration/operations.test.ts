import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { readConfig } from '../../src/config/readConfig';
import { findCodes } from '../support/sampleCodes';
import { PROJECT_ROOT, startTestGateway, type TestGateway } from '../support/testGateway';

const LOOKUP = `query SecretOperationName($c: String!) { dossier(code: $c) { code status { code } } }`;

/** The value of one series in a Prometheus text exposition (undefined when absent). */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    const parts = inside.split(/,(?=[a-z_]+=")/);
    if (wanted.every((w) => parts.includes(w)) && parts.length === wanted.length)
      return Number(line.slice(line.lastIndexOf('}') + 1).trim());
  }
  return undefined;
}

describe('Operations: /metrics, request ids', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 400, seed: 71 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const metrics = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${t.url}/metrics`, { headers });
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('counts requests, upstream calls, cache layers and answers, with bounded labels only', async () => {
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56',
    );
    for (let i = 0; i < 2; i += 1) {
      const answer = await t.query(LOOKUP, { c: code }, 'portal');
      expect(answer.errors).toBeUndefined();
    }
    await t.query(LOOKUP, { c: code }, null);
    const text = await metrics();
    const ok = { type: 'query', field: 'dossier', outcome: 'ok', code: '' };
    expect(series(text, 'dvcgw_graphql_requests_total', ok)).toBe(2);
    expect(
      series(text, 'dvcgw_graphql_requests_total', {
        ...ok,
        outcome: 'partial',
        code: 'UNAUTHENTICATED',
      }),
    ).toBe(1);
    expect(
      series(text, 'dvcgw_graphql_request_duration_seconds_count', {
        type: 'query',
        field: 'dossier',
      }),
    ).toBe(3);
    // One upstream call (the second answer came from the in-process cache).
    const call = { connector: 'thanh-hoa-motcua', operation: 'lookup' };
    expect(series(text, 'dvcgw_connector_calls_total', { ...call, outcome: 'ok', code: '' })).toBe(
      1,
    );
    expect(series(text, 'dvcgw_connector_call_duration_seconds_count', call)).toBe(1);
    expect(
      series(text, 'dvcgw_cache_lookups_total', { layer: 'local', kind: 'dossier', result: 'hit' }),
    ).toBe(1);
    expect(
      series(text, 'dvcgw_cache_lookups_total', {
        layer: 'local',
        kind: 'dossier',
        result: 'miss',
      }),
    ).toBe(1);
    const answered = { connector: 'thanh-hoa-motcua' };
    expect(series(text, 'dvcgw_dossier_answers_total', { ...answered, from: 'cache' })).toBe(1);
    expect(series(text, 'dvcgw_dossier_answers_total', { ...answered, from: 'upstream' })).toBe(1);
    expect(series(text, 'dvcgw_connector_circuit_state', answered)).toBe(0);
    expect(series(text, 'dvcgw_http_requests_in_flight', {})).toBeUndefined();
    expect(text).toMatch(/^dvcgw_http_requests_in_flight 1$/m);
    expect(text).toContain('dvcgw_process_resident_memory_bytes');
    // Neither the dossier code nor the caller's operation name becomes a label.
    expect(text).not.toContain(code as string);
    expect(text).not.toContain('SecretOperationName');
  });

  it('counts failed calls with their error code, retries, and refusals before execution', async () => {
    const [code] = findCodes(samples.ministry.dataset, 1, () => true);
    samples.ministry.faults.htmlErrorStatus = 503;
    try {
      const answer = await t.query(LOOKUP, { c: code }, 'portal');
      expect(answer.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      samples.ministry.faults.htmlErrorStatus = null;
    }
    const refused = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'dvck_0000000000000000_nope' },
      body: JSON.stringify({ query: LOOKUP, variables: { c: code } }),
    });
    expect(refused.status).toBe(401);
    const text = await metrics();
    const failed = {
      connector: 'bo-noi-vu-dvc',
      operation: 'lookup',
      outcome: 'error',
      code: 'UPSTREAM_UNAVAILABLE',
    };
    expect(series(text, 'dvcgw_connector_calls_total', failed)).toBeGreaterThanOrEqual(2);
    expect(
      series(text, 'dvcgw_connector_retries_total', { connector: 'bo-noi-vu-dvc' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      series(text, 'dvcgw_graphql_requests_total', {
        type: 'unknown',
        field: '(refused)',
        outcome: 'refused',
        code: 'UNAUTHENTICATED',
      }),
    ).toBe(1);
  });

  it('counts a mutation Apollo refuses to run from a GET under the mutation’s own labels', async () => {
    const query = 'mutation { revokeApiKey(id: "k1") { id } }';
    const refused = await fetch(`${t.url}/graphql?query=${encodeURIComponent(query)}`, {
      headers: { 'x-api-key': t.keys.admin, 'apollo-require-preflight': 'true' },
    });
    expect(refused.status).toBe(405);
    expect(
      series(await metrics(), 'dvcgw_graphql_requests_total', {
        type: 'mutation',
        field: 'revokeApiKey',
        outcome: 'error',
        code: 'BAD_REQUEST',
      }),
    ).toBe(1);
  });

  it('returns the caller’s request id, passes it to the upstream system, and makes one when absent', async () => {
    const [code] = findCodes(samples.land.dataset, 2, () => true);
    const ask = (c: string, headers: Record<string, string>) =>
      fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': t.keys.portal, ...headers },
        body: JSON.stringify({ query: LOOKUP, variables: { c } }),
      });
    const given = await ask(code as string, { 'x-request-id': 'portal-req-20261126-0001' });
    expect(given.headers.get('x-request-id')).toBe('portal-req-20261126-0001');
    expect(samples.land.stats.requestIds).toContain('portal-req-20261126-0001');
    const [, other] = findCodes(samples.land.dataset, 2, () => true);
    const made = await ask(other as string, { 'x-request-id': 'not a valid id; dropped' });
    const id = made.headers.get('x-request-id') as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(samples.land.stats.requestIds).toContain(id);
  });

  it('inspects a dossier afresh: the system’s raw answer beside the normalised one, both masked', async () => {
    const [code] = findCodes(
      samples.land.dataset,
      1,
      (d) => d.applicant.type === 1 && d.applicant.email !== null,
    );
    const record = samples.land.dataset.get(code as string);
    const inspected = await t.query<{
      inspectDossier: {
        connector: string;
        found: boolean;
        normalised: string;
        exchanges: Array<{ method: string; status: number; contentType: string; body: string }>;
        error: unknown;
      };
    }>(
      `query ($c: String!) { inspectDossier(code: $c) {
        connector found normalised error { code }
        exchanges { method path status contentType durationMs body } } }`,
      { c: code },
    );
    expect(inspected.errors).toBeUndefined();
    const result = inspected.data?.inspectDossier;
    expect(result).toMatchObject({ connector: 'thanh-hoa-datdai', found: true, error: null });
    const raw = result?.exchanges[0];
    expect(raw).toMatchObject({ method: 'POST', status: 200 });
    expect(raw?.contentType).toContain('xml');
    expect(raw?.body).toContain(`<MaHoSo>${code}</MaHoSo>`);
    const applicant = record?.applicant;
    for (const body of [raw?.body ?? '', result?.normalised ?? '']) {
      for (const personal of [
        applicant?.name,
        applicant?.name.normalize('NFD'),
        applicant?.idNumber,
        applicant?.phone,
        applicant?.email,
      ]) {
        expect(body).not.toContain(personal);
      }
    }
    const masked = applicant?.name.split(' ')[0] as string;
    expect(raw?.body).toMatch(new RegExp(`<HoTen>${masked} \\p{L}\\*+`, 'u'));
    expect(raw?.body).toContain(`<TrichYeu>***</TrichYeu>`);
    expect(JSON.parse(result?.normalised ?? '{}').applicant.phone).toMatch(/^\d\d\*+\d\d$/);

    // Province IT inspects within its scope only.
    const [outside] = findCodes(samples.ministry.dataset, 1, () => true);
    const refused = await t.query<{ inspectDossier: { error: { code: string } } }>(
      `query ($c: String!) { inspectDossier(code: $c) { error { code } exchanges { body } } }`,
      { c: outside },
      'province-it',
    );
    expect(refused.data?.inspectDossier).toEqual({ error: { code: 'FORBIDDEN' }, exchanges: [] });
  });

  it('shows raw answers only of a system the caller maintains, even for a dossier within its scope', async () => {
    const document = `id: shared-system
kind: rest-json
name: Shared with another body
coverage: { units: [H56.01, G09.99] }
upstream:
  baseUrl: ${samples.provincial.url}
  auth: { type: apiKey, header: X-Api-Key, value: "${SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY}" }
config:
  lookup: { single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] } }
  mapping: { code: dossierNo, status: dossierStatus }
  statuses: { map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 } }
`;
    const made = await t.query(
      'mutation ($d: String!) { registerConnector(document: $d) { id } }',
      {
        d: document,
      },
    );
    expect(made.errors).toBeUndefined();
    try {
      const [code] = findCodes(
        samples.provincial.dataset,
        1,
        (d) => d.agency.code === '000.00.01.H56',
      );
      const inspect = `query ($c: String!) { inspectDossier(code: $c) { connector error { code } exchanges { body } } }`;
      const refused = await t.query<{ inspectDossier: unknown }>(
        inspect,
        { c: code },
        'province-it',
      );
      expect(refused.data?.inspectDossier).toEqual({
        connector: null,
        error: { code: 'FORBIDDEN' },
        exchanges: [],
      });
      // The dossier itself stays readable to it (masked), and the admin may inspect.
      const read = await t.query<{ dossier: { source: { connector: string } } }>(
        'query ($c: String!) { dossier(code: $c) { source { connector } } }',
        { c: code },
        'province-it',
      );
      expect(read.data?.dossier.source.connector).toBe('shared-system');
      const admin = await t.query<{ inspectDossier: { connector: string } }>(inspect, { c: code });
      expect(admin.data?.inspectDossier.connector).toBe('shared-system');
    } finally {
      await t.query('mutation { deleteConnector(id: "shared-system", version: 1) { id } }');
    }
  });

  it('tells each connector’s recent health: calls, error rate, latency, last error', async () => {
    const health = await t.query<{
      connectors: Array<{
        id: string;
        health: {
          status: string;
          circuit: string;
          recentCalls: number;
          errorRate: number | null;
          latencyP50Ms: number | null;
          latencyP99Ms: number | null;
          lastError: { code: string; at: string } | null;
        };
      }>;
    }>(`{ connectors { id health { status circuit recentCalls errorRate cacheHitRate
        latencyP50Ms latencyP99Ms lastError { code message at } lastCallAt } } }`);
    expect(health.errors).toBeUndefined();
    const byId = new Map(health.data?.connectors.map((c) => [c.id, c.health]));
    // The ministry's lookups failed in the test above (its two catalogue pages at start did
    // not); the provincial system's calls all answered.
    expect(byId.get('bo-noi-vu-dvc')).toMatchObject({
      status: 'FAILING',
      lastError: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    expect(byId.get('bo-noi-vu-dvc')?.errorRate).toBeGreaterThanOrEqual(0.5);
    expect(byId.get('bo-noi-vu-dvc')?.lastError?.at).toMatch(/\+07:00$/);
    const provincial = byId.get('thanh-hoa-motcua');
    expect(provincial).toMatchObject({ status: 'HEALTHY', circuit: 'closed', errorRate: 0 });
    expect(provincial?.recentCalls).toBeGreaterThanOrEqual(1);
    expect(provincial?.latencyP50Ms).toBeGreaterThan(0);
    expect(provincial?.latencyP99Ms).toBeGreaterThanOrEqual(provincial?.latencyP50Ms as number);
  });

  it('guards /metrics with a bearer token when one is set, and keeps it off in production without one', async () => {
    const guarded = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', METRICS_TOKEN: 'scrape-token-0123456789' },
    });
    try {
      const without = await fetch(`${guarded.url}/metrics`);
      expect(without.status).toBe(401);
      const wrong = await fetch(`${guarded.url}/metrics`, {
        headers: { authorization: 'Bearer scrape-token-wrong-000' },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${guarded.url}/metrics`, {
        headers: { authorization: 'Bearer scrape-token-0123456789' },
      });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('dvcgw_graphql_requests_total');
    } finally {
      await guarded.close();
    }
    const production = {
      GATEWAY_MODE: 'production',
      REGISTRATIONS_DIR: 'examples/registrations',
      AGENCY_DIRECTORY: 'data/agencies.sample.yaml',
      API_KEYS_FILE: 'var/keys.json',
      AUDIT_DIR: 'var/audit',
      REGISTRY_DIR: 'var/registry',
      SECRETS_KEY_FILE: 'var/secrets.key',
    };
    expect(readConfig(production, PROJECT_ROOT).metrics).toEqual({ open: false });
    expect(() => readConfig({ ...production, METRICS_TOKEN: 'short' }, PROJECT_ROOT)).toThrow(
      /METRICS_TOKEN: at least 16 characters/,
    );
  });
});
