import { canonicalAgencyCode, hierarchyKeys } from '../../connectors/shared/agencyCode';
import { createAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import type { Agency } from '../../src/domain/AgencyDirectory';
import { parseStandardDossierCode } from '../../src/domain/dossierCode';
import { CoverageIndex } from '../../src/domain/CoverageIndex';
import { routeDossierCode } from '../../src/domain/routeDossierCode';
import { coverageSchema } from '../../src/registry/registrationSchema';

const agency = (code: string, extra: Partial<Agency> = {}): Agency => ({
  code,
  name: `Đơn vị ${code}`,
  level: 2,
  parent: null,
  validFrom: null,
  validTo: null,
  successors: [],
  ...extra,
});

describe('Agency codes: read right to left, short forms expanded', () => {
  it('expands short forms to the standard 13 characters', () => {
    expect(canonicalAgencyCode('H56.14')).toBe('000.00.14.H56');
    expect(canonicalAgencyCode('G09.20')).toBe('000.00.20.G09');
    expect(canonicalAgencyCode('H56')).toBe('000.00.00.H56');
    expect(canonicalAgencyCode('000.17.22.H56')).toBe('000.17.22.H56');
  });

  it('lists hierarchy keys from the most specific', () => {
    expect(hierarchyKeys('000.17.22.H56')).toEqual(['H56.22.17', 'H56.22', 'H56']);
    expect(hierarchyKeys('000.00.06.H56')).toEqual(['H56.06', 'H56']);
    expect(hierarchyKeys('001.02.03.H56')).toEqual(['H56.03.02.001', 'H56.03.02', 'H56.03', 'H56']);
    expect(hierarchyKeys('VN.GOV.SUBSYSTEM9')).toEqual([]);
  });
});

describe('Dossier codes: the standard form is parsed, never rewritten', () => {
  it('parses agency and date', () => {
    expect(parseStandardDossierCode('000.00.06.H56-231027-0361')).toEqual({
      agencyCode: '000.00.06.H56',
      date: '2023-10-27',
    });
    expect(parseStandardDossierCode('H56.14-240229-0001')).toEqual({
      agencyCode: '000.00.14.H56',
      date: '2024-02-29',
    });
  });

  it.each([
    '000.00.06.H56-231327-0361',
    '000.00.06.H56-230229-0001',
    '000.00.06.h56-231027-0361',
    '000.00.06.H56-231027-361',
    'G09.20-20260609-0092637',
    '03706/2026/07906',
  ])('does not take %s as a standard code', (code) =>
    expect(parseStandardDossierCode(code)).toBeNull(),
  );
});

describe('Routing: codes go to the system that holds the dossier', () => {
  const directory = createAgencyDirectory([
    agency('000.00.00.H56', { level: 1 }),
    agency('000.00.22.H56', {
      validTo: '2025-06-30',
      successors: [{ code: '000.01.70.H56', from: '2025-07-01', scope: null }],
    }),
    agency('000.01.70.H56', { level: 3, validFrom: '2025-07-01' }),
    agency('000.00.00.G07', {
      level: 1,
      validTo: '2025-02-28',
      successors: [
        { code: '000.00.00.G18', from: '2025-03-01', scope: 'y tế' },
        { code: '000.00.00.G09', from: '2025-03-01', scope: 'lao động' },
      ],
    }),
    agency('000.00.00.G09', { level: 1 }),
    agency('000.00.00.G18', { level: 1 }),
    agency('000.00.30.G09'),
    agency('000.00.00.G22', { level: 1 }),
  ]);
  const coverage = new CoverageIndex([
    { id: 'province', coverage: coverageSchema.parse({ units: ['H56'] }) },
    { id: 'ministry', coverage: coverageSchema.parse({ units: ['G09'] }) },
    { id: 'archive', coverage: coverageSchema.parse({ agencies: ['000.00.30.G09'] }) },
    { id: 'odd', coverage: coverageSchema.parse({ dossierCodePattern: '\\d{5}/\\d{4}/\\d{5}' }) },
  ]);
  const route = (code: string) => routeDossierCode(code, directory, coverage, '2026-11-26');

  it('routes by the most specific coverage, exact codes first', () => {
    expect(route('000.00.00.H56-240101-0001')).toMatchObject({
      ok: true,
      route: { connectorId: 'province', via: [] },
    });
    expect(route('000.00.30.G09-240101-0001')).toMatchObject({
      ok: true,
      route: { connectorId: 'archive' },
    });
    expect(route('G09.30-240101-0001')).toMatchObject({
      ok: true,
      route: { connectorId: 'archive', agencyCode: '000.00.30.G09' },
    });
  });

  it('follows a closed district to its successor commune', () => {
    expect(route('000.00.22.H56-240101-0001')).toEqual({
      ok: true,
      route: {
        connectorId: 'province',
        agencyCode: '000.00.22.H56',
        via: ['000.01.70.H56'],
        key: '000.00.22.H56-240101-0001',
      },
    });
  });

  it('skips successors that no system covers', () => {
    expect(route('000.00.00.G07-240101-0001')).toEqual({
      ok: true,
      route: {
        connectorId: 'ministry',
        agencyCode: '000.00.00.G07',
        via: ['000.00.00.G09'],
        key: '000.00.00.G07-240101-0001',
      },
    });
  });

  it('routes non-standard codes by a registration pattern', () => {
    expect(route('03706/2026/07906')).toEqual({
      ok: true,
      route: { connectorId: 'odd', agencyCode: null, via: [], key: '03706/2026/07906' },
    });
  });

  it('gives a pattern with an agency group only the codes naming its own agencies or units', () => {
    const confined = new CoverageIndex([
      // A ministry department's IT staff: their codes, and only theirs, by pattern.
      {
        id: 'archives',
        coverage: coverageSchema.parse({
          agencies: ['000.00.22.G09'],
          dossierCodePattern: '(?<agency>G\\d{2}\\.\\d{2})-\\d{8}-\\d{7}',
        }),
      },
      {
        id: 'labour',
        coverage: coverageSchema.parse({
          units: ['G09.20'],
          dossierCodePattern: '(?<agency>G\\d{2}\\.\\d{2})-\\d{8}-\\d{7}',
        }),
      },
    ]);
    expect(confined.matchPattern('G09.22-20260609-0092637')).toEqual({
      id: 'archives',
      agencyCode: '000.00.22.G09',
    });
    expect(confined.matchPattern('G09.20-20260609-0092637')).toEqual({
      id: 'labour',
      agencyCode: '000.00.20.G09',
    });
    // Matches the patterns, but names an agency neither registration declares.
    expect(confined.matchPattern('G09.21-20260609-0092637')).toBeUndefined();
    expect(confined.matchPattern('G09.22-20260609-009263')).toBeUndefined();
  });

  it('runs patterns in linear time, and refuses what cannot (back-references, look-around)', () => {
    const hostile = new CoverageIndex([
      { id: 'x', coverage: coverageSchema.parse({ dossierCodePattern: '(a+)+b' }) },
    ]);
    // V8's backtracking engine takes minutes on this; RE2 answers at once.
    expect(hostile.matchPattern('a'.repeat(99))).toBeUndefined();
    const refused = coverageSchema.safeParse({ dossierCodePattern: '(a)\\1' });
    expect(refused.error?.issues[0]?.message).toMatch(/cannot run in linear time/);
    const broken = coverageSchema.safeParse({ dossierCodePattern: '(' });
    expect(broken.error?.issues[0]?.message).toMatch(/^not a regular expression/);
  });

  it('answers BAD_USER_INPUT, UNKNOWN_AGENCY and NO_CONNECTOR with the offending value', () => {
    expect(route('not-a-code')).toMatchObject({
      ok: false,
      error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('"not-a-code"') },
    });
    expect(route('x'.repeat(5000))).toMatchObject({
      ok: false,
      error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/^"x{57}\.\.\."/) },
    });
    expect(route('000.00.99.H56-240101-0001')).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_AGENCY', message: expect.stringContaining('000.00.99.H56') },
    });
    expect(route('000.00.00.G22-240101-0001')).toMatchObject({
      ok: false,
      error: { code: 'NO_CONNECTOR', message: expect.stringContaining('000.00.00.G22') },
    });
  });

  it('refuses two registrations claiming the same coverage', () => {
    const conflicts = CoverageIndex.conflicts([
      { id: 'a', coverage: coverageSchema.parse({ units: ['H56'] }) },
      { id: 'b', coverage: coverageSchema.parse({ units: ['H56', 'H57'] }) },
    ]);
    expect(conflicts).toEqual([{ key: 'unit H56', first: 'a', second: 'b' }]);
  });

  it('finds an exact code among 100 000 registrations by one map probe (no scan)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({
      id: `c${i}`,
      coverage: coverageSchema.parse({
        agencies: [
          `${String(i % 1000).padStart(3, '0')}.${String(Math.floor(i / 1000) % 100).padStart(2, '0')}.01.H99`,
        ],
      }),
    }));
    const index = new CoverageIndex(many);
    expect(index.exact('005.07.01.H99')).toBe('c7005');
  });
});

describe('Agency directory: checked whole', () => {
  it('refuses successor cycles, unknown successors and successors on open codes', () => {
    expect(() =>
      createAgencyDirectory([
        agency('000.00.01.H01', {
          validTo: '2025-01-01',
          successors: [{ code: '000.00.02.H01', from: '2025-01-02', scope: null }],
        }),
        agency('000.00.02.H01', {
          validTo: '2025-01-01',
          successors: [{ code: '000.00.01.H01', from: '2025-01-02', scope: null }],
        }),
      ]),
    ).toThrow(/successor cycle 000.00.01.H01 → 000.00.02.H01 → 000.00.01.H01/);
    expect(() =>
      createAgencyDirectory([
        agency('000.00.01.H01', {
          successors: [{ code: '000.00.09.H01', from: '2025-01-02', scope: null }],
        }),
      ]),
    ).toThrow(/only a closed agency[\s\S]*unknown agency 000.00.09.H01/);
  });
});

describe('Dossier codes: errors say what is wrong', () => {
  const directory = createAgencyDirectory([agency('000.00.01.H56', { level: 2 })]);
  const route = (code: string) =>
    routeDossierCode(code, directory, new CoverageIndex([]), '2026-11-26');
  it.each([
    [' 000.00.01.H56-240101-0001', 'it has spaces before or after it'],
    ['000.00.01.h56-240101-0001', 'agency codes are upper case (H56, not h56)'],
    ['000.00.01.H56-241301-0001', '"241301" is not a yyMMdd date'],
  ])('%j: %s', (code, problem) => {
    expect(route(code)).toMatchObject({
      ok: false,
      error: { code: 'BAD_USER_INPUT', message: expect.stringContaining(`(${problem})`) },
    });
  });
});
