import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import type { Agency } from '../../src/domain/AgencyDirectory';
import { CoverageIndex } from '../../src/domain/CoverageIndex';
import { dossierKey, upperCaseCode } from '../../src/domain/dossierKey';
import { routeDossierCode } from '../../src/domain/routeDossierCode';
import { namedAgency } from '../../src/services/reports/listedAgency';
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

describe('coverage.codes: a registration declares its codes case-insensitive', () => {
  it('is absent by default, and false when declared without a value', () => {
    expect(coverageSchema.parse({ units: ['H47'] }).codes).toBeUndefined();
    expect(coverageSchema.parse({ units: ['H47'], codes: {} }).codes).toEqual({
      caseInsensitive: false,
    });
    expect(
      coverageSchema.parse({ units: ['H47'], codes: { caseInsensitive: true } }).codes,
    ).toEqual({ caseInsensitive: true });
  });

  it('refuses anything else under codes, naming it', () => {
    const unknown = coverageSchema.safeParse({ units: ['H47'], codes: { ignoreCase: true } });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]).toMatchObject({ path: ['codes'], code: 'unrecognized_keys' });
    const notBoolean = coverageSchema.safeParse({
      units: ['H47'],
      codes: { caseInsensitive: 'yes' },
    });
    expect(notBoolean.success).toBe(false);
    expect(notBoolean.error?.issues[0]?.path).toEqual(['codes', 'caseInsensitive']);
  });
});

describe('The dossier key: one form per dossier', () => {
  it('upper-cases ASCII letters only: the agency part of a standard code, every letter of another', () => {
    expect(upperCaseCode('000.00.08.h47-250312-0007')).toBe('000.00.08.H47-250312-0007');
    expect(upperCaseCode('000.00.08.H47-250312-0007')).toBe('000.00.08.H47-250312-0007');
    expect(upperCaseCode('hs-g09.20/2026/abc')).toBe('HS-G09.20/2026/ABC');
    // Not ASCII: left alone (toUpperCase would make `ß` two letters).
    expect(upperCaseCode('straße-1')).toBe('STRAßE-1');
  });

  it('is the code as given unless the registration declares its codes case-insensitive', () => {
    expect(dossierKey(undefined, '000.00.08.h47-250312-0007')).toBe('000.00.08.h47-250312-0007');
    expect(dossierKey({ caseInsensitive: false }, '000.00.08.h47-250312-0007')).toBe(
      '000.00.08.h47-250312-0007',
    );
    expect(dossierKey({ caseInsensitive: true }, '000.00.08.h47-250312-0007')).toBe(
      '000.00.08.H47-250312-0007',
    );
  });
});

describe('Reports: the agency a listed code in another case names', () => {
  it('is read upper-cased for a case-insensitive system, and not at all otherwise (as before)', () => {
    const listed = { code: '000.00.08.h47-250312-0007', agencyCode: null };
    expect(namedAgency(listed, { caseInsensitive: true })).toBe('000.00.08.H47');
    expect(namedAgency(listed)).toBeNull();
    expect(namedAgency(listed, { caseInsensitive: false })).toBeNull();
  });
});

describe('Routing codes in another case', () => {
  const directory = createAgencyDirectory([
    agency('000.00.00.H60', { level: 1 }),
    agency('000.00.08.H60', { parent: '000.00.00.H60' }),
    // The absorbed province: closed by the merger, its work now the merged province's.
    agency('000.00.00.H47', {
      level: 1,
      validTo: '2025-06-30',
      successors: [{ code: '000.00.00.H60', from: '2025-07-01', scope: null }],
    }),
    agency('000.00.08.H47', {
      parent: '000.00.00.H47',
      validTo: '2025-06-30',
      successors: [{ code: '000.00.08.H60', from: '2025-07-01', scope: null }],
    }),
    agency('000.00.00.H56', { level: 1 }),
    agency('000.00.01.H56', { parent: '000.00.00.H56' }),
    agency('000.00.00.G09', { level: 1 }),
  ]);
  const coverage = new CoverageIndex([
    {
      id: 'merged',
      coverage: coverageSchema.parse({ units: ['H60'], codes: { caseInsensitive: true } }),
    },
    { id: 'strict', coverage: coverageSchema.parse({ units: ['H56'] }) },
    {
      id: 'ministry',
      coverage: coverageSchema.parse({
        units: ['G09'],
        dossierCodePattern: '(?<agency>G\\d{2}\\.\\d{2})-\\d{8}-\\d{7}',
        codes: { caseInsensitive: true },
      }),
    },
    { id: 'odd', coverage: coverageSchema.parse({ dossierCodePattern: 'HS\\d{5}' }) },
  ]);
  const route = (code: string) => routeDossierCode(code, directory, coverage, '2026-11-26');

  it('routes a lower- or mixed-case agency part upper-cased, keyed by the upper-case code', () => {
    for (const code of ['000.00.08.h60-250312-0007', '000.00.08.H60-250312-0007']) {
      expect(route(code)).toEqual({
        ok: true,
        route: {
          connectorId: 'merged',
          agencyCode: '000.00.08.H60',
          via: [],
          key: '000.00.08.H60-250312-0007',
        },
      });
    }
    expect(route('h60.08-250312-0007')).toMatchObject({
      ok: true,
      route: { connectorId: 'merged', agencyCode: '000.00.08.H60', key: 'H60.08-250312-0007' },
    });
  });

  it('still follows the successors of a closed agency', () => {
    expect(route('000.00.08.h47-250312-0007')).toEqual({
      ok: true,
      route: {
        connectorId: 'merged',
        agencyCode: '000.00.08.H47',
        via: ['000.00.08.H60'],
        key: '000.00.08.H47-250312-0007',
      },
    });
  });

  it('refuses a lower-case code of a case-sensitive registration with the error it had before', () => {
    expect(route('000.00.01.h56-250312-0007')).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message:
          '"000.00.01.h56-250312-0007" is not a dossier code (agency codes are upper case (H56, not h56)): expected {agency code}-{yyMMdd}-{NNNN}, e.g. 000.00.06.H56-231027-0361',
      }),
    });
    // Its upper-case code routes as ever, keyed by itself.
    expect(route('000.00.01.H56-250312-0007')).toMatchObject({
      ok: true,
      route: { connectorId: 'strict', key: '000.00.01.H56-250312-0007' },
    });
  });

  it('refuses a lower-case code whose agency is unknown as before (no registration reads it)', () => {
    expect(route('000.00.99.h99-250312-0007')).toMatchObject({
      ok: false,
      error: { code: 'BAD_USER_INPUT' },
    });
  });

  it('matches the pattern of a case-insensitive registration in either case, its agency upper-cased', () => {
    expect(route('g09.20-20260609-0092637')).toEqual({
      ok: true,
      route: {
        connectorId: 'ministry',
        agencyCode: '000.00.20.G09',
        via: [],
        key: 'G09.20-20260609-0092637',
      },
    });
    // A case-sensitive pattern stays letter for letter.
    expect(route('HS12345')).toMatchObject({
      ok: true,
      route: { connectorId: 'odd', key: 'HS12345' },
    });
    expect(route('hs12345')).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT' } });
  });
});

describe('The guides: codes in another case, the same worked example in English and Vietnamese', () => {
  const example = (file: string, heading: string) => {
    const text = readFileSync(join(__dirname, '..', '..', 'docs', file), 'utf8');
    const section = text.slice(text.indexOf(heading), text.indexOf('\n## ', text.indexOf(heading)));
    return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1] as string)
      .filter((block) => block.startsWith('coverage:'));
  };

  it('is one coverage block in each guide, the same but for comments, that the schema takes', () => {
    const english = example('provincial-it-guide.md', '### Codes in another case');
    const vietnamese = example('huong-dan-dang-ky-ket-noi.md', '### Mã hồ sơ viết thường');
    expect(english).toHaveLength(1);
    const fields = (yaml: string) => yaml.replace(/ # .*$/gm, '');
    expect(vietnamese.map(fields)).toEqual(english.map(fields));
    const { coverage } = parse(english[0] as string) as { coverage: unknown };
    expect(coverageSchema.parse(coverage)).toEqual({
      units: ['H47', 'H60'],
      agencies: [],
      codes: { caseInsensitive: true },
    });
  });
});
