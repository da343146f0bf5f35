import type { CallContext, Logger } from '../../connectors/contract';
import type { NationalDossier } from '../../connectors/model';
import type { CachedDossier } from '../../src/cache/DossierCache';
import { MemoryDossierCache } from '../../src/cache/MemoryDossierCache';
import type { ConnectorRegistry, RegisteredRuntime } from '../../src/registry/ConnectorRegistry';
import { settingsDigest } from '../../src/registry/Registration';
import type { UpstreamOutcome } from '../../src/runtime/ConnectorRuntime';
import { DossierFetcher } from '../../src/services/dossiers/DossierFetcher';

/**
 * The runtime of a lookup is looked up once, when the lookup starts: the batch its codes join and
 * the upstream call (or a background refresh) use that one. Freshness, batching, single-flight and
 * push ordering are counted on the real sample systems in test/integration/ (batching, freshness,
 * pushes).
 */
describe('DossierFetcher: one runtime per lookup', () => {
  const call = (): CallContext => ({ signal: new AbortController().signal, requestId: 'r' });
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

  /** A runtime of system `tinh` that knows no dossier, recording the lists it is asked. */
  function runtime() {
    const asked: string[][] = [];
    const fake = {
      id: 'tinh',
      registration: {
        id: 'tinh',
        name: 'Tỉnh',
        origin: { type: 'file', file: 'tinh.yaml' },
        coverage: { units: ['H99'], agencies: [] },
        freshness: { notFoundTtlSeconds: 30, hardLifetimeFactor: 4, maxStaleSeconds: 86_400 },
      },
      getDossiers: async (codes: readonly string[]): Promise<UpstreamOutcome[]> => {
        asked.push([...codes]);
        return codes.map(() => ({ kind: 'notFound' }));
      },
    };
    return { runtime: fake as unknown as RegisteredRuntime, asked };
  }

  /** A fetcher over a registry that answers `runtimes` in turn, counting the lookups. */
  function fetcher(runtimes: RegisteredRuntime[], cache = new MemoryDossierCache()) {
    const lookups: string[] = [];
    const registry = {
      runtime: (id: string) => {
        lookups.push(id);
        return runtimes[Math.min(lookups.length, runtimes.length) - 1];
      },
    } as unknown as ConnectorRegistry;
    const fetching = new DossierFetcher({
      registry,
      cache,
      logger: silent,
      now: () => new Date(),
      refreshBudgetMs: 1_000,
    });
    return { fetching, lookups };
  }

  it('looks the runtime up once for a lookup, however many codes it sends upstream', async () => {
    const system = runtime();
    const { fetching, lookups } = fetcher([system.runtime]);
    const results = await fetching.fetch('tinh', ['A', 'B', 'C'], call());
    expect(results.map((result) => (result.ok ? 'found' : result.error.code))).toEqual([
      'DOSSIER_NOT_FOUND',
      'DOSSIER_NOT_FOUND',
      'DOSSIER_NOT_FOUND',
    ]);
    expect(lookups).toEqual(['tinh']);
    expect(system.asked).toEqual([['A', 'B', 'C']]);
  });

  it('refreshes a value past its fresh lifetime in the background through the runtime the lookup found', async () => {
    const system = runtime();
    const cache = new MemoryDossierCache();
    const now = Date.now();
    const revalidating: CachedDossier = {
      kind: 'found',
      code: 'A',
      dossier: { code: 'A' } as NationalDossier,
      connectorId: 'tinh',
      // Made by the settings that answer now: served, and refreshed in the background.
      settings: settingsDigest(system.runtime.registration),
      registrationVersion: null,
      fetchedAt: '2026-11-26T08:00:00.000+07:00',
      freshUntil: now - 1_000,
      hardUntil: now + 60_000,
    };
    await cache.setMany([{ value: revalidating, ttlSeconds: 60 }]);
    const { fetching, lookups } = fetcher([system.runtime], cache);
    const [answer] = await fetching.fetch('tinh', ['A'], call());
    expect(answer).toMatchObject({ ok: true, cached: true, stale: null });
    await new Promise((resolve) => setImmediate(resolve));
    expect(system.asked).toEqual([['A']]);
    expect(lookups).toEqual(['tinh']);
  });

  it('sends each request of a turn to the runtime it found, even when the registry changed between them', async () => {
    const before = runtime();
    const after = runtime();
    const { fetching, lookups } = fetcher([before.runtime, after.runtime]);
    await Promise.all([
      fetching.fetch('tinh', ['A'], call()),
      fetching.fetch('tinh', ['B'], call()),
    ]);
    expect(lookups).toEqual(['tinh', 'tinh']);
    expect(before.asked).toEqual([['A']]);
    expect(after.asked).toEqual([['B']]);
  });
});
