import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { RedisApiKeyStore } from '../../src/auth/RedisApiKeyStore';
import { readAuditFolder } from '../../src/audit/FileAuditStore';
import { RedisAuditStore } from '../../src/audit/RedisAuditStore';
import { FileAuditStore } from '../../src/audit/FileAuditStore';
import {
  NOT_APPLIED,
  verifyChain,
  type AuditEvent,
  type AuditRecord,
  type ChainHead,
} from '../../src/audit/auditChain';
import {
  FileRegistrationStore,
  RedisRegistrationStore,
  type RegistrationStore,
  type StoredRegistration,
} from '../../src/registry/RegistrationStore';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { runMain, runProductionOnRedis, type MainProcess } from '../support/runMain';
import { PROJECT_ROOT, startTestGateway } from '../support/testGateway';

const PREFIX = 'kill9:';

function document(id: string, unit: string, url: string): string {
  return `id: ${id}
kind: rest-json
name: ${id}
coverage: { units: [${unit}] }
upstream:
  baseUrl: ${url}
config:
  lookup: { single: { path: "/api/v1/dossiers/{code}", notFoundStatuses: [404] } }
  mapping: { code: dossierNo, status: dossierStatus }
  statuses: { map: { receiving: 1, new: 2, denied: 3, processing: 4, waiting: 5, paying: 6, cancelled: 7, unresolved: 8, releasing: 9, done: 10 } }
`;
}

/** What one kill -9 run left, and what the whole loop found. */
interface Figures {
  runs: number;
  attempted: number;
  acknowledged: number;
  /** Versions in the registry (live or not), every one of which needs its entry. */
  changes: number;
  /** Live registrations no caller was told about: the ones in flight when the process died. */
  liveUnacknowledged: number;
  withoutEntry: string[];
  /** Entries naming a version the registry does not have (write-ahead left by a crash). */
  entriesWithoutChange: string[];
  brokenChains: string[];
}

/**
 * Registers a burst of connectors through one gateway process, kills it with SIGKILL once a few
 * are acknowledged (the rest in flight), `runs` times, then compares the registry with the audit
 * log: every stored version must have its `registry.create` entry, and every chain must verify.
 */
async function killLoop(options: {
  runs: number;
  burst: number;
  start(): Promise<MainProcess>;
  admin(process: MainProcess): string;
  url: string;
  registry(): Promise<RegistrationStore>;
  audit(): Promise<Map<string, { records: AuditRecord[]; head: ChainHead | null }>>;
}): Promise<Figures> {
  let attempted = 0;
  const acknowledged = new Set<string>();
  for (let run = 0; run < options.runs; run += 1) {
    const victim = await options.start();
    try {
      const key = options.admin(victim);
      const calls = Array.from({ length: options.burst }, (_, i) => {
        const id = `kill-${run}-${i}`;
        attempted += 1;
        return fetch(`${victim.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify({
            query: 'mutation ($d: String!) { registerConnector(document: $d) { id } }',
            variables: { d: document(id, `G${10 + run}.${10 + i}`, options.url) },
          }),
        })
          .then(
            (response) =>
              response.json() as Promise<{ data?: { registerConnector?: { id: string } } }>,
          )
          .then(
            (answer) => {
              if (answer.data?.registerConnector?.id === id) acknowledged.add(id);
            },
            () => undefined,
          );
      });
      const before = acknowledged.size;
      const started = Date.now();
      while (acknowledged.size < before + 3 && Date.now() - started < 15_000) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      victim.child.kill('SIGKILL');
      await Promise.all(calls);
    } finally {
      victim.child.kill('SIGKILL');
      await victim.stop();
    }
  }

  const store = await options.registry();
  const versions: string[] = [];
  let liveUnacknowledged = 0;
  try {
    for (const latest of await store.latest()) {
      if (!acknowledged.has(latest.id)) liveUnacknowledged += 1;
      for (const stored of await store.history(latest.id))
        versions.push(`${stored.id} v${stored.version}`);
    }
  } finally {
    await store.close();
  }
  const chains = await options.audit();
  const entries = new Set(
    [...chains.values()]
      .flatMap((chain) => chain.records)
      .filter((record) => record.action === 'registry.create' && record.outcome === 'ok')
      .map((record) => (record.scope ?? '').split(' (')[0] as string),
  );
  return {
    runs: options.runs,
    attempted,
    acknowledged: acknowledged.size,
    changes: versions.length,
    liveUnacknowledged,
    withoutEntry: versions.filter((version) => !entries.has(version)),
    entriesWithoutChange: [...entries].filter((entry) => !versions.includes(entry)),
    brokenChains: [...chains].flatMap(([writer, chain]) =>
      verifyChain(writer, chain.records, chain.head).map((problem) => `${writer}: ${problem}`),
    ),
  };
}

/** Figures for the record (issue 17): written where KILL_LOOP_FIGURES says, when it says. */
function keep(name: string, figures: Figures): void {
  const file = process.env.KILL_LOOP_FIGURES;
  if (file !== undefined)
    writeFileSync(file, `${JSON.stringify({ name, ...figures })}\n`, { flag: 'a' });
}

describe('Registry changes and their audit entries: never one without the other, through kill -9', () => {
  let samples: SampleSystems;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 200, seed: 33 });
  });
  afterAll(async () => {
    await samples.close();
  });

  it('on Redis: the change and its entry are one script, so no version is live without its entry', async () => {
    let redis: RedisServer | undefined;
    try {
      redis = await startRedisServer();
      const url = redis.url;
      const keys = new RedisApiKeyStore(url, PREFIX);
      const admin = (
        await keys.create({ name: 'kill -9 admin', role: 'admin', createdBy: 'test' }, new Date())
      ).key;
      await keys.close();
      const figures = await killLoop({
        runs: 4,
        burst: 30,
        start: () => runProductionOnRedis(samples.variables, { REDIS_URL: url }, PREFIX),
        admin: () => admin,
        url: samples.provincial.url,
        registry: async () => new RedisRegistrationStore(url, PREFIX),
        audit: async () => {
          const reader = new RedisAuditStore(url, PREFIX, 'kill-loop-reader');
          try {
            return await reader.readAll();
          } finally {
            await reader.close();
          }
        },
      });
      keep('redis', figures);
      expect(figures.acknowledged).toBeGreaterThanOrEqual(4 * 3);
      expect(figures.changes).toBeGreaterThanOrEqual(figures.acknowledged);
      expect(figures.withoutEntry).toEqual([]);
      // One script: nothing is written ahead, so no entry is left without its change either.
      expect(figures.entriesWithoutChange).toEqual([]);
      expect(figures.brokenChains).toEqual([]);
    } finally {
      await redis?.stop();
    }
  }, 180_000);

  it('on files: the entry is written ahead of the registry file, so no version is live without its entry', async () => {
    const state = await mkdtemp(join(tmpdir(), 'kill9-files-'));
    try {
      const figures = await killLoop({
        runs: 3,
        burst: 20,
        start: () =>
          runMain({
            ...samples.variables,
            GATEWAY_MODE: 'embedded',
            REGISTRATIONS_DIR: join(PROJECT_ROOT, 'examples', 'registrations'),
            REGISTRY_DIR: join(state, 'registry'),
            AUDIT_DIR: join(state, 'audit'),
            CATALOGUE_SYNC_INTERVAL_MS: '0',
            RATE_LIMITS: 'admin=100000',
          }),
        admin: (process) => process.keys.admin as string,
        url: samples.provincial.url,
        registry: () => FileRegistrationStore.open(join(state, 'registry')),
        audit: () => readAuditFolder(join(state, 'audit')),
      });
      keep('files', figures);
      expect(figures.acknowledged).toBeGreaterThanOrEqual(3 * 3);
      expect(figures.withoutEntry).toEqual([]);
      // A head file one entry behind its chain is what a kill between an entry and its head
      // leaves (the head is a file of its own); verify names it, nothing else may be wrong.
      const oneBehind = /the head is behind the chain \(seq (\d+) of (\d+)\)/;
      expect(
        figures.brokenChains.filter((problem) => {
          const [, head, last] = oneBehind.exec(problem) ?? [];
          return Number(last) !== Number(head) + 1;
        }),
      ).toEqual([]);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('Registry changes and their audit entries: the stores on a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  const AT = '2026-11-26T10:00:00+07:00';
  const event = (scope: string): AuditEvent => ({
    who: 'cli',
    name: 'cli',
    role: 'cli',
    action: 'registry.create',
    operation: 'create',
    codes: [],
    scope,
    purpose: null,
    outcome: 'ok',
  });
  const record = (id: string, version: number): StoredRegistration => ({
    id,
    version,
    enabled: true,
    deleted: false,
    document: { id },
    updatedAt: AT,
    updatedBy: 'test',
    note: null,
  });

  it('a gateway whose audit log cannot be written changes nothing, and says so', async () => {
    const own = await startRedisServer();
    const registryDir = await mkdtemp(join(tmpdir(), 'unaudited-'));
    const samples = await startSampleSystems({ size: 100, seed: 5 });
    const t = await startTestGateway({
      samples,
      env: {
        REDIS_URL: own.url,
        REDIS_KEY_PREFIX: 'unaudited:',
        AUDIT_DIR: '',
        REGISTRY_DIR: registryDir,
        CACHE: 'none',
        CATALOGUE_SYNC_INTERVAL_MS: '0',
      },
    });
    try {
      await own.stop();
      const answer = await t.query(
        'mutation ($d: String!) { registerConnector(document: $d) { id } }',
        { d: document('unaudited', 'G20.10', samples.provincial.url) },
      );
      expect(answer.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
      expect(answer.errors?.[0]?.message).toContain('registry.create unaudited v1: not done');
      // It used to be saved and routed anyway ("saved, but the audit log could not record it").
      expect(await readdir(registryDir)).toEqual([]);
      const listed = await t.query<{ connectors: Array<{ id: string }> }>('{ connectors { id } }');
      expect(listed.data?.connectors.map((c) => c.id)).not.toContain('unaudited');
    } finally {
      await t.close();
      await samples.close();
      await own.stop();
      await rm(registryDir, { recursive: true, force: true });
    }
  });

  it('a chain moved under an entry (same writer id twice, or a lost answer) is chained again, not forked', async () => {
    const registry = new RedisRegistrationStore(redis.url, 'moved:');
    const first = new RedisAuditStore(redis.url, 'moved:', 'twin');
    const second = new RedisAuditStore(redis.url, 'moved:', 'twin');
    try {
      const change = (audit: RedisAuditStore, id: string) =>
        audit.appendWithChange(event(id), AT, (entry) => registry.put(record(id, 1), 0, entry));
      expect((await change(second, 'one')).result).toEqual({ ok: true });
      expect((await change(first, 'two')).result).toEqual({ ok: true });
      // `second` still holds the head of its own last entry: the script refuses it, and it
      // reads the head again and chains on it.
      expect((await change(second, 'three')).result).toEqual({ ok: true });
      const chain = (await first.readAll()).get('twin/registry');
      expect(chain?.records.map((r) => [r.seq, r.scope])).toEqual([
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ]);
      expect(verifyChain('twin/registry', chain?.records ?? [], chain?.head ?? null)).toEqual([]);
    } finally {
      await Promise.all([registry.close(), first.close(), second.close()]);
    }
  });

  it('with the audit log in files and the registry in Redis: written ahead, and a change lost to another replica is followed by an entry saying so', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ahead-'));
    const registry = new RedisRegistrationStore(redis.url, 'ahead:');
    const audit = await FileAuditStore.open(folder, 'gw-a');
    const other = await FileAuditStore.open(folder, 'gw-b');
    try {
      const lost = await audit.appendWithChange(event('raced v1'), AT, (entry) =>
        registry.put(record('raced', 1), 0, {
          ...entry,
          // Another replica's change lands between this entry and this change.
          writeAhead: async () => {
            await entry.writeAhead();
            await other.appendWithChange(event('raced v1'), AT, (theirs) =>
              registry.put(record('raced', 1), 0, theirs),
            );
          },
        }),
      );
      expect(lost).toEqual({ result: { ok: false, currentVersion: 1 }, record: null });
      const chains = await readAuditFolder(folder);
      expect(chains.get('gw-a')?.records.map((r) => r.outcome)).toEqual(['ok', NOT_APPLIED]);
      expect(chains.get('gw-b')?.records.map((r) => r.outcome)).toEqual(['ok']);
      for (const [writer, chain] of chains)
        expect(verifyChain(writer, chain.records, chain.head)).toEqual([]);
      expect((await registry.history('raced')).map((r) => r.version)).toEqual([1]);
    } finally {
      await Promise.all([registry.close(), audit.close(), other.close()]);
      await rm(folder, { recursive: true, force: true });
    }
  });
});
