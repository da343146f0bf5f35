import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { findCodes } from '../support/sampleCodes';
import { startRedisServer } from '../support/redisServer';
import {
  PROJECT_ROOT,
  startTestGateway,
  takeStats,
  type TestGateway,
} from '../support/testGateway';

const LOOKUP = `query InspectThanhHoa($c: [String!]!, $p: String) {
  dossiers(codes: $c, purpose: $p) { code dossier { applicant { name phone } summary } error { code } }
}`;
const AUDIT = `query ($f: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $f, first: $first, after: $after) {
    totalCount
    nodes { writer seq at who name role action operation codes scope purpose outcome hash }
    pageInfo { hasNextPage endCursor }
  }
}`;
const PURPOSE = 'Thanh tra theo Quyết định 123/QĐ-TTCP ngày 01/11/2026';

type Entry = {
  writer: string;
  seq: number;
  who: string;
  role: string;
  action: string;
  operation: string | null;
  codes: string[];
  scope: string | null;
  purpose: string | null;
  outcome: string;
};

/** Runs `npm run audit -- verify` as a user would, against a folder. */
function verify(folder: string): { status: number | null; stdout: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'audit.ts'), 'verify'],
    { cwd: PROJECT_ROOT, env: { ...process.env, AUDIT_DIR: folder }, encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout + result.stderr };
}

describe('Audit log: unmasked and cross-agency reads, key changes, on record before the answer', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let folder: string;
  let codes: string[];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 800, seed: 61 });
    folder = await mkdtemp(join(tmpdir(), 'audit-test-'));
    t = await startTestGateway({
      samples,
      env: { AUDIT_DIR: folder, CATALOGUE_SYNC_INTERVAL_MS: '0', AUDIT_WRITER_ID: 'gw-test-1' },
    });
    codes = findCodes(samples.provincial.dataset, 2, (d) => d.applicant.type === 1);
  });
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const entries = async (filter: Record<string, unknown> = {}) =>
    ((await t.query<{ auditLog: { nodes: Entry[] } }>(AUDIT, { f: filter, first: 500 }, 'admin'))
      .data?.auditLog.nodes ?? []) as Entry[];

  it('records its start with its registrations', async () => {
    const [start] = await entries({ action: 'gateway.start' });
    expect(start).toMatchObject({ who: 'gateway', writer: 'gw-test-1', seq: 1 });
    expect(start?.scope).toMatch(
      /^registrations bo-noi-vu-dvc, thanh-hoa-datdai, thanh-hoa-motcua, tuyen-quang-motcua; files [0-9a-f]{16}$/,
    );
  });

  it('unmasks for an auditor who states a purpose, and the entry is in the file before the answer arrives', async () => {
    const raw = codes.map((code) => samples.provincial.dataset.get(code)?.applicant.name);
    const answer = await t.query<{ dossiers: Array<{ dossier: { applicant: { name: string } } }> }>(
      LOOKUP,
      { c: codes, p: PURPOSE },
      'auditor',
    );
    expect(answer.data?.dossiers.map((item) => item.dossier.applicant.name)).toEqual(raw);
    // Durable before the answer: the writer's file already holds it.
    const file = await readFile(join(folder, 'audit-gw-test-1.jsonl'), 'utf8');
    const last = JSON.parse(file.trim().split('\n').at(-1) as string) as Entry;
    expect(last).toMatchObject({
      who: `key:${t.keys.auditor.slice(5, 21)}`,
      role: 'auditor',
      action: 'read.unmasked',
      operation: 'InspectThanhHoa/dossiers',
      codes,
      purpose: PURPOSE,
      outcome: 'found 2, errors 0',
    });
    // Personal data itself is never in the log.
    expect(file).not.toContain(raw[0] as string);
  });

  it('records masked auditor reads as cross-agency reads, and nothing for the portal', async () => {
    const before = (await entries()).length;
    await t.query(LOOKUP, { c: codes }, 'portal');
    expect((await entries()).length).toBe(before);
    const masked = await t.query<{ dossiers: Array<{ dossier: { applicant: { name: string } } }> }>(
      LOOKUP,
      { c: codes },
      'auditor',
    );
    expect(masked.data?.dossiers[0]?.dossier.applicant.name).toContain('*');
    const [latest] = await entries({ action: 'read.crossAgency' });
    expect(latest).toMatchObject({ codes, purpose: null, outcome: 'found 2, errors 0' });
  });

  it('refuses a purpose from roles that may not unmask, and a purpose too short, calling nothing and writing nothing', async () => {
    const before = (await entries()).length;
    takeStats(samples.provincial);
    for (const role of ['portal', 'province-it'] as const) {
      const answer = await t.query(LOOKUP, { c: codes, p: PURPOSE }, role);
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(answer.errors?.[0]?.message).toBe(`role ${role} may not unmask personal data`);
    }
    const short = await t.query(LOOKUP, { c: codes, p: 'vì sao' }, 'auditor');
    expect(short.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(takeStats(samples.provincial).attempts).toBe(0);
    expect((await entries()).length).toBe(before);
  });

  it('records key changes with who made them, and an auditor subscription', async () => {
    const created = await t.query<{ createApiKey: { apiKey: { id: string } } }>(
      'mutation { createApiKey(input: { name: "Sở TT&TT", role: PROVINCE_IT, agencies: ["H56.12"] }) { apiKey { id } } }',
    );
    const id = created.data?.createApiKey.apiKey.id as string;
    await t.query(`mutation { revokeApiKey(id: "${id}") { id } }`);
    const changes = await entries({ operation: 'ApiKey' });
    expect(changes.map((entry) => [entry.action, entry.scope, entry.who])).toEqual([
      ['key.revoke', `key:${id} province-it (H56.12)`, `key:${t.keys.admin.slice(5, 21)}`],
      ['key.create', `key:${id} province-it (H56.12)`, `key:${t.keys.admin.slice(5, 21)}`],
    ]);

    const client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { apiKey: t.keys.auditor },
    });
    client.subscribe(
      {
        query: `subscription Watch($c: [String!]!) { dossierStatusChanged(codes: $c) { code } }`,
        variables: { c: codes },
      },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.dispose();
    const [subscribed] = await entries({ action: 'subscribe.crossAgency' });
    expect(subscribed).toMatchObject({ operation: 'Watch/dossierStatusChanged', codes });
  });

  it('filters by who, code, action and time, newest first, in pages', async () => {
    const auditor = `key:${t.keys.auditor.slice(5, 21)}`;
    const byAuditor = await entries({ who: auditor });
    expect(byAuditor.length).toBeGreaterThanOrEqual(3);
    expect(byAuditor.every((entry) => entry.who === auditor)).toBe(true);
    expect(byAuditor.map((entry) => entry.seq)).toEqual(
      [...byAuditor.map((entry) => entry.seq)].sort((a, b) => b - a),
    );
    const byCode = await entries({ code: codes[0] });
    expect(byCode.length).toBeGreaterThan(0);
    expect(byCode.every((e) => e.codes.includes(codes[0] as string))).toBe(true);
    expect(await entries({ from: '2099-01-01T00:00:00+07:00' })).toEqual([]);
    expect(await entries({ to: '2000-01-01T00:00:00+07:00' })).toEqual([]);
    expect((await entries({ to: '2099-01-01T00:00:00+07:00' })).length).toBe(
      (await entries()).length,
    );

    const pages: number[] = [];
    let after: string | null = null;
    do {
      const page: {
        auditLog: { nodes: Entry[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
      } = (await t.query(AUDIT, { f: {}, first: 2, after }, 'auditor')).data as never;
      pages.push(...page.auditLog.nodes.map((entry) => entry.seq));
      after = page.auditLog.pageInfo.hasNextPage ? page.auditLog.pageInfo.endCursor : null;
    } while (after !== null);
    const all = (await entries()).map((entry) => entry.seq);
    expect(pages).toEqual(all);
    expect(new Set(pages).size).toBe(pages.length);
  });

  it('role × purpose: masked or not, audited or not, refused or not', async () => {
    const raw = samples.provincial.dataset.get(codes[0] as string)?.applicant.name;
    const expected: Record<string, [string, string]> = {
      // role: [without a purpose, with a purpose] as "masked|unmasked|refused + audit action"
      portal: ['masked -', 'refused -'],
      'province-it': ['masked -', 'refused -'],
      auditor: ['masked read.crossAgency', 'unmasked read.unmasked'],
      admin: ['masked -', 'unmasked read.unmasked'],
    };
    const seen: Record<string, [string, string]> = {};
    for (const role of ['portal', 'province-it', 'auditor', 'admin'] as const) {
      const outcomes: string[] = [];
      for (const purpose of [undefined, PURPOSE]) {
        const before = (await entries()).length;
        const answer = await t.query<{
          dossiers: Array<{ dossier: { applicant: { name: string } } }>;
        }>(LOOKUP, { c: [codes[0]], p: purpose }, role);
        const after = await entries();
        const view =
          answer.errors !== undefined
            ? 'refused'
            : answer.data?.dossiers[0]?.dossier.applicant.name === raw
              ? 'unmasked'
              : 'masked';
        const audit = after.length > before ? (after[0]?.action ?? '?') : '-';
        outcomes.push(`${view} ${audit}`);
      }
      seen[role] = outcomes as [string, string];
    }
    expect(seen).toEqual(expected);
  });

  it('verifies, and the verify command names an edited, deleted, reordered or truncated entry', async () => {
    expect(verify(folder)).toMatchObject({ status: 0 });
    expect(verify(folder).stdout).toMatch(/ok {6}gw-test-1: \d+ entries/);

    const lines = (await readFile(join(folder, 'audit-gw-test-1.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const tamper = async (change: (lines: string[]) => string[]) => {
      const copy = await mkdtemp(join(tmpdir(), 'audit-tampered-'));
      await cp(folder, copy, { recursive: true });
      await writeFile(join(copy, 'audit-gw-test-1.jsonl'), `${change([...lines]).join('\n')}\n`);
      return verify(copy);
    };
    const edited = await tamper((l) => {
      l[2] = (l[2] as string).replace(/"outcome":"[^"]*"/, '"outcome":"found 0, errors 0"');
      return l;
    });
    expect(edited.status).toBe(1);
    expect(edited.stdout).toContain('entry 3 (seq 3): its content was changed');

    const deleted = await tamper((l) => l.filter((_, index) => index !== 1));
    expect(deleted.status).toBe(1);
    expect(deleted.stdout).toContain(
      'entry 2 (seq 3): expected seq 2 (an entry is missing or out of order)',
    );

    const reordered = await tamper((l) => [l[0], l[2], l[1], ...l.slice(3)] as string[]);
    expect(reordered.status).toBe(1);
    expect(reordered.stdout).toContain('entry 2 (seq 3): expected seq 2');
    expect(reordered.stdout).toContain('does not follow the entry before it');

    const truncated = await tamper((l) => l.slice(0, -1));
    expect(truncated.status).toBe(1);
    expect(truncated.stdout).toContain('entries were removed from the end');
    expect((await readdir(folder)).sort()).toEqual([
      'audit-gw-test-1.head.json',
      'audit-gw-test-1.jsonl',
    ]);
  });
});

describe('Audit log in Redis: shared by replicas, and no unmasked answer when it cannot be written', () => {
  it('two replicas keep a chain each; with Redis gone an unmasked read is refused', async () => {
    const redis = await startRedisServer();
    const samples = await startSampleSystems({ size: 300, seed: 62 });
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'audit-test:',
      CATALOGUE_SYNC_INTERVAL_MS: '0',
      AUDIT_DIR: '',
    };
    const first = await startTestGateway({
      samples,
      env: { ...env, AUDIT_WRITER_ID: 'replica-a' },
    });
    const second = await startTestGateway({
      samples,
      env: { ...env, AUDIT_WRITER_ID: 'replica-b' },
    });
    try {
      const codes = findCodes(samples.provincial.dataset, 1);
      for (const gateway of [first, second]) {
        const answer = await gateway.query(LOOKUP, { c: codes, p: PURPOSE }, 'auditor');
        expect(answer.errors).toBeUndefined();
      }
      const seen = await first.query<{ auditLog: { nodes: Entry[] } }>(
        AUDIT,
        { f: { action: 'read.unmasked' }, first: 10 },
        'auditor',
      );
      expect(seen.data?.auditLog.nodes.map((entry) => entry.writer).sort()).toEqual([
        'replica-a',
        'replica-b',
      ]);
      const verifyRedis = () =>
        spawnSync(
          process.execPath,
          ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'audit.ts'), 'verify'],
          {
            cwd: PROJECT_ROOT,
            env: {
              ...process.env,
              AUDIT_DIR: '',
              REDIS_URL: redis.url,
              REDIS_KEY_PREFIX: 'audit-test:',
            },
            encoding: 'utf8',
          },
        );
      const verified = verifyRedis();
      expect(verified.stdout).toContain('2 chains in');
      expect(verified.status).toBe(0);

      // A chain whose writer is not listed (a process killed between its first entry and its
      // listing, or a writer taken off the set) is still found and verified.
      const unlisted = spawnSync(
        'redis-cli',
        ['-p', String(redis.port), 'SREM', 'audit-test:audit:writers', 'replica-a'],
        { encoding: 'utf8' },
      );
      expect(unlisted.stdout.trim()).toBe('1');
      const stillVerified = verifyRedis();
      expect(stillVerified.stdout).toContain('2 chains in');
      expect(stillVerified.stdout).toContain('replica-a');
      expect(stillVerified.status).toBe(0);

      // A writer still listed in the writers' set whose chain (stream and head) is gone fails.
      const deleted = spawnSync(
        'redis-cli',
        [
          '-p',
          String(redis.port),
          'DEL',
          'audit-test:{audit:replica-b}',
          'audit-test:{audit:replica-b}:head',
        ],
        { encoding: 'utf8' },
      );
      expect(deleted.stdout.trim()).toBe('2');
      const missing = verifyRedis();
      expect(missing.stdout).toContain('BROKEN  replica-b: 0 entries');
      expect(missing.stdout).toContain('listed as a writer, but it has no entries and no head');
      expect(missing.status).toBe(1);

      await redis.stop();
      const refused = await first.query<{ dossiers: unknown }>(
        LOOKUP,
        { c: codes, p: PURPOSE },
        'auditor',
      );
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
      // Masked portal reads are not audited, and go on.
      const portal = await first.query<{ dossiers: Array<{ error: unknown }> }>(
        LOOKUP,
        { c: codes },
        'portal',
      );
      expect(portal.data?.dossiers[0]?.error).toBeNull();
    } finally {
      await Promise.all([first.close(), second.close()]);
      await samples.close();
      await redis.stop();
    }
  });
});
