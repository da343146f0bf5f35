import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Settings } from 'luxon';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { listingDateFormatProblem, renderListingDates } from '../../connectors/shared/listingDates';
import { parseRegistration } from '../../src/registry/loadRegistrationFiles';
import { SAMPLE_REGISTRATIONS } from '../support/testGateway';

const JULY = { from: '2026-07-01', to: '2026-07-31' };

describe('Listing dates: from and to written as the system wants them', () => {
  it.each([
    ['yyyy-MM-dd', JULY, 'inclusive', '2026-07-01', '2026-07-31'],
    ['dd/MM/yyyy', JULY, 'inclusive', '01/07/2026', '31/07/2026'],
    ['yyyyMMdd', JULY, 'inclusive', '20260701', '20260731'],
    ['d/M/yy', JULY, 'inclusive', '1/7/26', '31/7/26'],
    // With a time, the range is the first day's start to the last day's end…
    ['yyyyMMddHHmmss', JULY, 'inclusive', '20260701000000', '20260731235959'],
    [
      "yyyy-MM-dd'T'HH:mm:ssZZ",
      JULY,
      'inclusive',
      '2026-07-01T00:00:00+07:00',
      '2026-07-31T23:59:59+07:00',
    ],
    // …or to the start of the day after it, for a system whose end is "before".
    ['dd/MM/yyyy', JULY, 'exclusive', '01/07/2026', '01/08/2026'],
    [
      "yyyy-MM-dd'T'HH:mm:ssZZ",
      JULY,
      'exclusive',
      '2026-07-01T00:00:00+07:00',
      '2026-08-01T00:00:00+07:00',
    ],
    [
      'dd/MM/yyyy',
      { from: '2026-12-01', to: '2026-12-31' },
      'exclusive',
      '01/12/2026',
      '01/01/2027',
    ],
    [
      'dd/MM/yyyy',
      { from: '2028-02-01', to: '2028-02-28' },
      'exclusive',
      '01/02/2028',
      '29/02/2028',
    ],
  ] as const)('%s over %j, to %s: %s → %s', (format, range, toDate, from, to) => {
    expect(renderListingDates(range, format, toDate)).toEqual({ from, to });
  });

  it('writes Vietnam midnights, whatever zone the gateway runs in', () => {
    const before = Settings.defaultZone;
    // Epochs: Vietnam's 1 July 2026 00:00 is 30 June 17:00 UTC; 31 July ends at 16:59:59.999 UTC.
    const expected = {
      from: String(Date.UTC(2026, 5, 30, 17, 0, 0)),
      to: String(Date.UTC(2026, 6, 31, 16, 59, 59, 999)),
    };
    try {
      // Far west and far east of Vietnam: the calendar date there differs at Vietnam's midnight.
      for (const zone of ['Pacific/Pago_Pago', 'UTC', 'Pacific/Kiritimati']) {
        Settings.defaultZone = zone;
        expect(renderListingDates(JULY, 'x', 'inclusive')).toEqual(expected);
        expect(renderListingDates(JULY, 'X', 'exclusive')).toEqual({
          from: String(Date.UTC(2026, 5, 30, 17) / 1000),
          to: String(Date.UTC(2026, 6, 31, 17) / 1000),
        });
        expect(renderListingDates(JULY, 'dd/MM/yyyy', 'inclusive')).toEqual({
          from: '01/07/2026',
          to: '31/07/2026',
        });
      }
    } finally {
      Settings.defaultZone = before;
    }
  });

  it('refuses a date that is not yyyy-MM-dd (the gateway never sends one)', () => {
    expect(() =>
      renderListingDates({ from: '2026-02-30', to: '2026-03-01' }, 'dd/MM/yyyy', 'inclusive'),
    ).toThrow('a listing date must be yyyy-MM-dd, not "2026-02-30"');
  });

  it.each([
    [
      'YYYY-MM-DD',
      /^"YYYY" is not a token listings write: use yyyy \(year\), MM \(month\), dd \(day\)/,
    ],
    [
      'yyyy-MM-ddTHH:mm',
      /^"T" is not a token listings write.*put other letters in quotes \('T'\)$/,
    ],
    ['dd.MM.yyyy hh:mm', /^"hh" is not a token/],
    [
      'MM/yyyy',
      /^a date format needs the year \(yyyy\), the month \(MM\) and the day \(dd\); this one has no day$/,
    ],
    ['HH:mm', /this one has no year, no month, no day$/],
    ["yyyy-MM-dd'T", /^a quote opened at character 11 is not closed$/],
    ['x dd', /^x and X \(epoch milliseconds, seconds\) stand alone$/],
    ['', /^an empty date format; the default is yyyy-MM-dd$/],
    ['d'.repeat(61), /^a date format of 61 characters; at most 60$/],
  ])('refuses %j, saying why', (format, message) => {
    expect(listingDateFormatProblem(format)).toMatch(message);
  });

  it.each(['yyyy-MM-dd', 'dd/MM/yyyy', "yyyy-MM-dd'T'HH:mm:ss", 'yyyyMMddHHmmss', 'x', 'X'])(
    'accepts %j',
    (format) => {
      expect(listingDateFormatProblem(format)).toBeNull();
    },
  );
});

/** The bundled land registration's file, with its listing changed. */
const landFile = readFileSync(join(SAMPLE_REGISTRATIONS, 'thanh-hoa-datdai.yaml'), 'utf8');
const provincialFile = readFileSync(join(SAMPLE_REGISTRATIONS, 'thanh-hoa-motcua.yaml'), 'utf8');
const variables = {
  SAMPLE_LAND_URL: 'http://127.0.0.1:3',
  SAMPLE_LAND_USER: 'u',
  SAMPLE_LAND_PASSWORD: 'p',
  SAMPLE_REST_URL: 'http://127.0.0.1:1',
  SAMPLE_REST_API_KEY: 'k',
  SAMPLE_REST_PUSH_SECRET: 'rest-push-secret-16+',
};
const problemsOf = (text: string) => {
  const parsed = parseRegistration(text, 'a.yaml', { kinds: BUILTIN_KINDS, variables });
  return parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('Listing settings in a registration', () => {
  it('the bundled registrations are valid: the land listing declares dd/MM/yyyy and no agency filter', () => {
    const land = parseRegistration(landFile, 'land.yaml', { kinds: BUILTIN_KINDS, variables });
    expect(land.ok && (land.registration.config as { listing: unknown }).listing).toMatchObject({
      dateFormat: 'dd/MM/yyyy',
      toDate: 'inclusive',
      filtersByAgency: false,
    });
    const provincial = parseRegistration(provincialFile, 'rest.yaml', {
      kinds: BUILTIN_KINDS,
      variables,
    });
    // Unchanged registrations keep yyyy-MM-dd and say they filter.
    expect(
      provincial.ok && (provincial.registration.config as { listing: unknown }).listing,
    ).toMatchObject({ dateFormat: 'yyyy-MM-dd', toDate: 'inclusive', filtersByAgency: true });
  });

  it('reads listing.maxDays as a whole number of days from 1 to 366, and refuses others', () => {
    const provincial = parseRegistration(provincialFile, 'rest.yaml', {
      kinds: BUILTIN_KINDS,
      variables,
    });
    expect(
      provincial.ok && (provincial.registration.config as { listing: unknown }).listing,
    ).toMatchObject({ maxDays: 31 });
    const withMaxDays = (value: string) =>
      problemsOf(provincialFile.replace('maxDays: 31', `maxDays: ${value}`));
    expect(withMaxDays('1')).toEqual([]);
    expect(withMaxDays('366')).toEqual([]);
    for (const bad of ['0', '367', '7.5', '"31"'])
      expect(withMaxDays(bad)).toEqual([expect.stringMatching(/^config\.listing\.maxDays: /)]);
  });

  it('refuses a bad date format, naming the field', () => {
    expect(
      problemsOf(landFile.replace('dateFormat: dd/MM/yyyy', 'dateFormat: DD/MM/YYYY')),
    ).toEqual([
      `config.listing.dateFormat: "DD" is not a token listings write: use yyyy (year), MM (month), dd (day), HH, mm, ss (time), ZZ (offset), x or X (epoch), e.g. dd/MM/yyyy; put other letters in quotes ('T')`,
    ]);
    expect(problemsOf(landFile.replace('filtersByAgency: false', 'toDate: before'))).toEqual([
      'config.listing.toDate: Invalid option: expected one of "inclusive"|"exclusive"',
    ]);
  });

  it('refuses a listing said to filter by agency whose request never sends it', () => {
    // SOAP: the land system's body has no {{agency}}.
    expect(problemsOf(landFile.replace('filtersByAgency: false', 'filtersByAgency: true'))).toEqual(
      [
        "config.listing.filtersByAgency: the listing request never sends the agency ({{agency}}), yet filtersByAgency is true (the default): if the system lists every unit's dossiers, declare filtersByAgency: false and the gateway keeps each agency's by the dossier's own agency; if it takes an agency, send {{agency}}",
      ],
    );
    expect(problemsOf(landFile.replace('    filtersByAgency: false\n', ''))).toHaveLength(1);
    // Sent inside a section counts.
    expect(
      problemsOf(
        landFile
          .replace('filtersByAgency: false', 'filtersByAgency: true')
          .replace('<TuNgay>', '{{#agency}}<MaDonVi>{{agency}}</MaDonVi>{{/agency}}<TuNgay>'),
      ),
    ).toEqual([]);
    // rest-json: no $agency in the query or the body.
    expect(
      problemsOf(provincialFile.replace('query: { agency: $agency, from:', 'query: { from:')),
    ).toEqual([
      "config.listing.filtersByAgency: the listing request never sends the agency ($agency), yet filtersByAgency is true (the default): if the system lists every unit's dossiers, declare filtersByAgency: false and the gateway keeps each agency's by the dossier's own agency; if it takes an agency, send $agency",
    ]);
    // A string that merely says "$agency" is not the variable.
    expect(
      problemsOf(
        provincialFile.replace(
          'query: { agency: $agency, from:',
          'query: { agency: \'"$agency"\', from:',
        ),
      ),
    ).toHaveLength(1);
    expect(
      problemsOf(
        provincialFile.replace(
          'query: { agency: $agency, from:',
          'filtersByAgency: false\n    query: { from:',
        ),
      ),
    ).toEqual([]);
  });
});
