import { createHmac } from 'node:crypto';
import { DateTime } from 'luxon';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, type TestGateway } from '../support/testGateway';

const LOOKUP = `query Status($c: String!) { dossier(code: $c) {
  code status { code label } channel { value } receivedAt dueAt finishedAt
  applicant { name phone } personalDataMasked
  timeliness { state overdue lateByHours }
  source { connector connectorName fetchedAt cached stale } } }`;

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/**
 * Dossier lookups answered again from their kept bytes (issue 10's fast path): the same bytes the
 * execution gives, never once the cache entry, the registrations or the clock say otherwise, and
 * never past authentication, the rate limit or the audit log.
 */
describe('Kept answers of dossier lookups', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let clock = Date.now();
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 1500, seed: 310 });
    t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0' },
      now: () => new Date(clock),
    });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const post = async (body: string, key: string | undefined): Promise<Answer> => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'x-api-key': key }),
      },
      body,
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };
  const lookup = (
    code: string,
    role: 'portal' | 'auditor' | 'province-it' = 'portal',
    extra = '',
  ) => post(JSON.stringify({ query: LOOKUP + extra, variables: { c: code } }), t.keys[role]);
  const counted = async (result: 'hit' | 'miss') => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = new RegExp(
      `^dvcgw_cache_lookups_total\\{layer="response",kind="graphql",result="${result}"\\} (\\d+)$`,
      'm',
    ).exec(text);
    return Number(line?.[1] ?? 0);
  };
  /** A finished dossier of the ministry's system (its answer does not change with the clock). */
  const finished = () =>
    findCodes(samples.ministry.dataset, 3, (d) => d.status === 10 && d.finishedAt !== null);

  it('answers a repeated lookup with the bytes its execution gave, and counts it', async () => {
    const [code] = finished() as [string];
    const first = await lookup(code);
    expect(JSON.parse(first.text).data.dossier.source.cached).toBe(false);
    const second = await lookup(code);
    expect(JSON.parse(second.text).data.dossier.source.cached).toBe(true);
    const hits = await counted('hit');
    const third = await lookup(code);
    expect(await counted('hit')).toBe(hits + 1);
    expect(third.status).toBe(200);
    expect(third.text).toBe(second.text);
    expect(third.headers.get('content-type')).toBe(second.headers.get('content-type'));
    expect(third.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(third.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    expect(third.headers.get('x-content-type-options')).toBe('nosniff');
    // Dossiers and personal data: no cache on the way keeps any answer, kept or executed.
    expect([first, second, third].map((a) => a.headers.get('cache-control'))).toEqual([
      'no-store',
      'no-store',
      'no-store',
    ]);
    expect(third.headers.get('content-length')).toBe(String(Buffer.byteLength(third.text)));
    // The same question written differently executes: the answer is the same.
    const executed = await lookup(code, 'portal', ' ');
    expect(await counted('hit')).toBe(hits + 1);
    expect(JSON.parse(executed.text)).toEqual(JSON.parse(third.text));
    // Masked as it was for the portal.
    expect(JSON.parse(third.text).data.dossier.personalDataMasked).toBe(true);
  });

  it('answers anew once a push changed the dossier', async () => {
    const [, code] = finished() as [string, string];
    await lookup(code);
    await lookup(code);
    const before = JSON.parse((await lookup(code)).text).data.dossier;
    expect(before.status.code).toBe(10);
    samples.ministry.dataset.setStatus(code, 9, DateTime.now());
    const body = JSON.stringify({ DanhSachMaHoSo: [code] });
    const at = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_PUSH_SECRET)
      .update(`${at}.${body}`)
      .digest('hex');
    const pushed = await fetch(`${t.url}/hooks/bo-noi-vu-dvc`, {
      method: 'POST',
      headers: { 'x-signature': `t=${at},v1=${v1}` },
      body,
    });
    expect(pushed.status).toBe(202);
    const after = JSON.parse((await lookup(code)).text).data.dossier;
    expect(after.status.code).toBe(9);
  });

  it('answers anew once the cache entry is past its fresh lifetime', async () => {
    const [, , code] = finished() as [string, string, string];
    await lookup(code);
    const kept = await lookup(code);
    const hits = await counted('hit');
    expect((await lookup(code)).text).toBe(kept.text);
    expect(await counted('hit')).toBe(hits + 1);
    clock += 24 * 3_600_000;
    try {
      await lookup(code);
      expect(await counted('hit')).toBe(hits + 1);
    } finally {
      clock -= 24 * 3_600_000;
    }
  });

  it('keeps no answer whose timeliness changes by the moment (unfinished and overdue)', async () => {
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) =>
        d.finishedAt === null && d.status === 4 && d.dueAt.toMillis() < Date.now() - 86_400_000,
    ) as [string];
    await lookup(code);
    await lookup(code);
    const hits = await counted('hit');
    const answer = JSON.parse((await lookup(code)).text).data.dossier;
    expect(answer.timeliness.overdue).toBe(true);
    expect(await counted('hit')).toBe(hits);
  });

  it('writes every audited read, kept or not: an auditor’s lookups are each on record', async () => {
    const [code] = finished() as [string];
    const entries = async () =>
      (
        await t.query<{ auditLog: { totalCount: number } }>(
          `{ auditLog(filter: { action: "read.crossAgency" }) { totalCount } }`,
        )
      ).data?.auditLog.totalCount ?? 0;
    const before = await entries();
    for (let i = 0; i < 3; i += 1) expect((await lookup(code, 'auditor')).status).toBe(200);
    expect(await entries()).toBe(before + 3);
  });

  it('answers each scope from its own bytes: a province-IT key outside its agencies is refused', async () => {
    const [code] = finished() as [string];
    await lookup(code);
    await lookup(code);
    const outside = JSON.parse((await lookup(code, 'province-it')).text);
    expect(outside.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(outside.data?.dossier ?? null).toBeNull();
  });

  it('refuses a revoked key even for an answer kept for it', async () => {
    const created = await t.query<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      'mutation { createApiKey(input: { name: "portal kept", role: PORTAL }) { key apiKey { id } } }',
    );
    const { key, apiKey } = created.data?.createApiKey as { key: string; apiKey: { id: string } };
    const [code] = finished() as [string];
    const body = JSON.stringify({ query: LOOKUP, variables: { c: code } });
    await post(body, key);
    await post(body, key);
    expect((await post(body, key)).status).toBe(200);
    await t.query(`mutation { revokeApiKey(id: "${apiKey.id}") { id } }`);
    const refused = await post(body, key);
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain(code);
  });
});

describe('Kept answers and the rate limit', () => {
  it('counts kept answers against the caller’s rate like any other', async () => {
    const samples = await startSampleSystems({ size: 300, seed: 311 });
    const t = await startTestGateway({
      samples,
      env: { CATALOGUE_SYNC_INTERVAL_MS: '0', RATE_LIMITS: 'portal=5' },
    });
    try {
      const [code] = findCodes(samples.ministry.dataset, 1, () => true) as [string];
      const body = JSON.stringify({ query: LOOKUP, variables: { c: code } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        const response = await fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': t.keys.portal },
          body,
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
      await samples.close();
    }
  });
});
