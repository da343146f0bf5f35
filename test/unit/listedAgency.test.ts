import { join } from 'node:path';
import type { AgencyDirectory } from '../../src/domain/AgencyDirectory';
import { loadAgencyDirectory } from '../../src/services/agencies/loadAgencyDirectory';
import { listedAgency, namedAgency } from '../../src/services/reports/listedAgency';
import { PROJECT_ROOT } from '../support/testGateway';

/**
 * Whose a dossier listed by a system that lists every unit's is, over the sample directory
 * (data/agencies.sample.yaml): Sở TN&MT 000.00.11.H56 closed into 000.00.12.H56; district
 * 000.00.22.H56 split into communes 000.01.70.H56 then 000.02.70.H56; commune 000.17.22.H56
 * merged into 000.01.70.H56.
 */
describe('Listed dossiers: whose they are', () => {
  let directory: AgencyDirectory;
  beforeAll(async () => {
    directory = await loadAgencyDirectory(join(PROJECT_ROOT, 'data', 'agencies.sample.yaml'));
  });
  const where = (named: string | null, readFor: string[], reported: string[] = readFor) =>
    listedAgency(named, new Set(readFor), new Set(reported), directory);

  it('names the mapped agency (short forms expanded), else the one the standard code names', () => {
    expect(namedAgency({ code: 'X', agencyCode: 'H56.12' })).toBe('000.00.12.H56');
    expect(namedAgency({ code: '000.30.12.H56-260701-0001', agencyCode: '000.01.12.H56' })).toBe(
      '000.01.12.H56',
    );
    expect(namedAgency({ code: '000.30.12.H56-260701-0001', agencyCode: null })).toBe(
      '000.30.12.H56',
    );
    expect(namedAgency({ code: '000.30.12.H56-260701-0001', agencyCode: '  ' })).toBe(
      '000.30.12.H56',
    );
    expect(namedAgency({ code: '03706/2026/07906', agencyCode: null })).toBeNull();
  });

  it('counts a dossier in its own agency’s row when the listing is read for it', () => {
    const units = ['000.00.12.H56', '000.01.12.H56', '000.30.12.H56'];
    for (const unit of units) expect(where(unit, units)).toEqual({ kind: 'agency', code: unit });
  });

  it('leaves out a unit outside the report, and one the report lists on its own', () => {
    expect(where('000.00.01.H56', ['000.01.12.H56'])).toEqual({
      kind: 'another',
      code: '000.00.01.H56',
    });
    expect(where('000.30.12.H56', ['000.01.12.H56'], ['000.01.12.H56', '000.30.12.H56'])).toEqual({
      kind: 'another',
      code: '000.30.12.H56',
    });
  });

  it('counts a closed agency’s dossier in its successor’s row, unless the report lists it itself', () => {
    expect(where('000.00.11.H56', ['000.00.12.H56'])).toEqual({
      kind: 'agency',
      code: '000.00.12.H56',
    });
    expect(where('000.00.11.H56', ['000.00.12.H56'], ['000.00.11.H56', '000.00.12.H56'])).toEqual({
      kind: 'another',
      code: '000.00.11.H56',
    });
    // Not a successor: the office under the department does not inherit the department's dossiers.
    expect(where('000.00.11.H56', ['000.01.12.H56'])).toEqual({
      kind: 'another',
      code: '000.00.11.H56',
    });
  });

  it('follows a split in the directory’s order, and a chain of closures to the end', () => {
    expect(where('000.00.22.H56', ['000.01.70.H56', '000.02.70.H56'])).toEqual({
      kind: 'agency',
      code: '000.01.70.H56',
    });
    expect(where('000.00.22.H56', ['000.02.70.H56'])).toEqual({
      kind: 'agency',
      code: '000.02.70.H56',
    });
    expect(where('000.17.22.H56', ['000.01.70.H56'])).toEqual({
      kind: 'agency',
      code: '000.01.70.H56',
    });
    // A successor the report lists apart counts its own: the path ends there.
    expect(where('000.17.22.H56', ['000.02.70.H56'], ['000.01.70.H56', '000.02.70.H56'])).toEqual({
      kind: 'another',
      code: '000.17.22.H56',
    });
  });

  it('cannot tell a dossier with no agency or one the directory does not know', () => {
    expect(where(null, ['000.01.12.H56'])).toEqual({ kind: 'unknown', code: null });
    expect(where('000.99.12.H56', ['000.01.12.H56'])).toEqual({
      kind: 'unknown',
      code: '000.99.12.H56',
    });
    expect(where('Văn phòng Đăng ký đất đai', ['000.01.12.H56'])).toEqual({
      kind: 'unknown',
      code: 'Văn phòng Đăng ký đất đai',
    });
  });
});
