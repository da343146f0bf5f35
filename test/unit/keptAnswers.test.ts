import type { Principal } from '../../src/auth/Principal';
import type { CachedDossier } from '../../src/cache/DossierCache';
import { KeptAnswers, KeptAnswerRecord } from '../../src/server/KeptAnswers';

/**
 * Kept answers by request body, then by caller scope: callers with the same query never see each
 * other's bytes, one going stale leaves the others, and the entry bound counts answers (not
 * bodies) whatever their spread over bodies and scopes.
 */
describe('KeptAnswers', () => {
  const principal = (id: string, role: Principal['role'] = 'portal'): Principal => ({
    id,
    name: id,
    role,
    via: 'apiKey',
    agencies: role === 'province-it' ? ['H56'] : [],
    connectors: [],
  });
  const entry = (code: string, freshUntil = 10_000): CachedDossier => ({
    kind: 'notFound',
    code,
    connectorId: 'thanh-hoa',
    settings: 'settings-1',
    registrationVersion: null,
    fetchedAt: '2026-11-26T08:00:00.000+07:00',
    freshUntil,
  });

  function setup(maxEntries: number) {
    const live = new Map<string, CachedDossier>();
    const generation = { now: {} };
    let clock = 1_000;
    const cache = new KeptAnswers({
      maxEntries,
      maxBytes: 1024 * 1024,
      peek: (code) => live.get(code),
      generation: () => generation.now,
      now: () => clock,
    });
    const keep = (who: Principal, body: string, code: string, answer = `${who.id}:${body}`) => {
      const cached = live.get(code) ?? entry(code);
      live.set(code, cached);
      const record = new KeptAnswerRecord();
      record.labels = { type: 'query', field: 'dossier' };
      record.dossier(code, cached, true, false);
      cache.set(KeptAnswers.key(who, '*/*', 'application/json', body), record, generation.now, {
        status: 200,
        headers: [['content-type', 'application/json']],
        body: answer,
      });
    };
    const read = (who: Principal, body: string, accept = '*/*') =>
      cache.get(KeptAnswers.key(who, accept, 'application/json', body))?.body.toString();
    return { cache, live, keep, read, tick: (ms: number) => (clock += ms), generation };
  }

  it('keeps one answer per caller scope and headers for the same body', () => {
    const { keep, read } = setup(100);
    const portal = principal('key:portal');
    const province = principal('key:thanh-hoa', 'province-it');
    keep(portal, 'q1', 'A');
    keep(province, 'q1', 'A');
    expect(read(portal, 'q1')).toBe('key:portal:q1');
    expect(read(province, 'q1')).toBe('key:thanh-hoa:q1');
    // Another caller of the same role, or another Accept, is another scope: nothing kept for it.
    expect(read(principal('key:other'), 'q1')).toBeUndefined();
    expect(read(portal, 'q1', 'application/graphql-response+json')).toBeUndefined();
    expect(read(portal, 'q2')).toBeUndefined();
  });

  it('drops only the answer that no longer holds', () => {
    const { keep, read, live } = setup(100);
    const portal = principal('key:portal');
    const auditor = principal('key:auditor', 'auditor');
    keep(portal, 'q1', 'A');
    keep(auditor, 'q1', 'A');
    keep(portal, 'q2', 'B');
    // The cache entry behind q2 is replaced (a refresh): q2's answer goes, q1's stay.
    live.set('B', entry('B'));
    expect(read(portal, 'q2')).toBeUndefined();
    expect(read(portal, 'q1')).toBe('key:portal:q1');
    // Kept again under the new entry, it is served again.
    keep(portal, 'q2', 'B');
    expect(read(portal, 'q2')).toBe('key:portal:q2');
  });

  it('forgets answers past their freshness or under another routing generation', () => {
    const { keep, read, tick, generation, live } = setup(100);
    const portal = principal('key:portal');
    keep(portal, 'q1', 'A');
    expect(read(portal, 'q1')).toBeDefined();
    tick(9_000); // now 10 000: the cache entry's freshness has ended
    expect(read(portal, 'q1')).toBeUndefined();
    keep(portal, 'q1', 'A'); // made from a stale entry: not kept
    expect(read(portal, 'q1')).toBeUndefined();
    live.set('D', entry('D', 50_000));
    keep(portal, 'q4', 'D');
    expect(read(portal, 'q4')).toBe('key:portal:q4');
    generation.now = {}; // registrations changed
    expect(read(portal, 'q4')).toBeUndefined();
  });

  it('holds at most maxEntries answers, counted over bodies and scopes, oldest body first', () => {
    const { keep, read } = setup(3);
    const a = principal('key:a');
    const b = principal('key:b');
    keep(a, 'q1', 'A');
    keep(b, 'q1', 'A');
    keep(a, 'q2', 'B');
    expect([read(a, 'q1'), read(b, 'q1'), read(a, 'q2')]).toEqual([
      'key:a:q1',
      'key:b:q1',
      'key:a:q2',
    ]);
    // A fourth answer: the least recently used body (q1, with both its answers) goes.
    keep(a, 'q3', 'C');
    expect(read(a, 'q1')).toBeUndefined();
    expect(read(b, 'q1')).toBeUndefined();
    expect(read(a, 'q2')).toBe('key:a:q2');
    expect(read(a, 'q3')).toBe('key:a:q3');
    // Room for one more (two kept): a second scope on q3 fits without evicting anything.
    keep(b, 'q3', 'C');
    expect([read(a, 'q2'), read(a, 'q3'), read(b, 'q3')]).toEqual([
      'key:a:q2',
      'key:a:q3',
      'key:b:q3',
    ]);
    // Replacing an answer does not count it twice.
    keep(b, 'q3', 'C', 'again');
    expect([read(a, 'q2'), read(b, 'q3')]).toEqual(['key:a:q2', 'again']);
  });

  it('keeps the newest answers of a body asked by more scopes than it may hold, not none', () => {
    const { keep, read } = setup(2);
    const [a, b, c] = [principal('key:a'), principal('key:b'), principal('key:c')];
    keep(a, 'q1', 'A');
    keep(b, 'q1', 'A');
    keep(c, 'q1', 'A');
    expect([read(a, 'q1'), read(b, 'q1'), read(c, 'q1')]).toEqual([
      undefined,
      'key:b:q1',
      'key:c:q1',
    ]);
    // Kept again, a scope is the newest: the oldest other one goes.
    keep(b, 'q1', 'A', 'b again');
    keep(a, 'q1', 'A');
    expect([read(a, 'q1'), read(b, 'q1'), read(c, 'q1')]).toEqual([
      'key:a:q1',
      'b again',
      undefined,
    ]);
  });
});
