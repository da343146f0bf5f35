import type { NationalDossier, StatusValue } from '../../connectors/model';
import { AgencyDirectory, type Agency } from '../../src/domain/AgencyDirectory';
import { withAgencyStatusMeaning } from '../../src/domain/agencyStatusMeaning';

const agency = (code: string, extra: Partial<Agency> = {}): Agency => ({
  code,
  name: code,
  level: 2,
  parent: null,
  validFrom: null,
  validTo: null,
  successors: [],
  ...extra,
});

const status = (code: StatusValue['code'], mayBe: StatusValue['mayBe'] = []): StatusValue => ({
  code,
  raw: String(code),
  lossy: mayBe.length > 0,
  mayBe,
});

const dossier = (agencyCode: string | null, value: StatusValue, steps: StatusValue[] = []) =>
  ({
    code: 'X-1',
    agencyCode,
    status: value,
    history: steps.map((step) => ({ at: null, status: step })),
  }) as unknown as NationalDossier;

describe("An agency's status practice, by the directory", () => {
  const directory = new AgencyDirectory([
    agency('000.00.00.H56', { level: 1 }),
    agency('000.00.21.H56', { parent: '000.00.00.H56', lossyStatuses: { 9: [5, 6, 8] } }),
    agency('000.01.21.H56', { parent: '000.00.21.H56', level: 3 }),
    agency('000.00.22.H56', { parent: '000.00.00.H56' }),
  ]);

  it('marks the declared status of the agency and of its units, in the status and the history', () => {
    const read = withAgencyStatusMeaning(
      dossier('000.01.21.H56', status(9), [status(4), status(9)]),
      directory,
      null,
    );
    expect(read.status).toEqual({ code: 9, raw: '9', lossy: true, mayBe: [5, 6, 8, 9] });
    expect(read.history.map((step) => step.status)).toEqual([
      status(4),
      { code: 9, raw: '9', lossy: true, mayBe: [5, 6, 8, 9] },
    ]);
  });

  it('joins what the registration already said, and leaves the cached dossier as it was', () => {
    const cached = dossier('000.00.21.H56', status(9, [7, 9]));
    const read = withAgencyStatusMeaning(cached, directory, null);
    expect(read.status.mayBe).toEqual([5, 6, 7, 8, 9]);
    expect(cached.status.mayBe).toEqual([7, 9]);
  });

  it('returns the same dossier when nothing applies: another agency, another status, no agency', () => {
    for (const unchanged of [
      dossier('000.00.22.H56', status(9)),
      dossier('000.00.21.H56', status(10)),
      dossier(null, status(9)),
    ])
      expect(withAgencyStatusMeaning(unchanged, directory, null)).toBe(unchanged);
  });

  it('reads the agency the code was routed to when the record names none', () => {
    const read = withAgencyStatusMeaning(dossier(null, status(9)), directory, '000.00.21.H56');
    expect(read.status.lossy).toBe(true);
  });
});
