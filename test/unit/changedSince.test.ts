import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime, Settings } from 'luxon';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { renderSince } from '../../connectors/shared/listingDates';
import { VIETNAM } from '../../samples/generator/SampleDataset';
import { provincialDataset } from '../../samples/provincial-rest/startProvincialRest';
import { parseRegistration } from '../../src/registry/loadRegistrationFiles';
import { PROJECT_ROOT, SAMPLE_REGISTRATIONS } from '../support/testGateway';

describe('Changed since: the instant written as the system wants it', () => {
  it.each([
    ["yyyy-MM-dd'T'HH:mm:ssZZ", '2026-12-06T09:30:15+07:00', '2026-12-06T09:30:15+07:00'],
    // Another offset is written in Vietnam time.
    ["yyyy-MM-dd'T'HH:mm:ssZZ", '2026-12-06T02:30:15Z', '2026-12-06T09:30:15+07:00'],
    ['dd/MM/yyyy HH:mm:ss', '2026-12-05T20:00:00.000Z', '06/12/2026 03:00:00'],
    ['yyyyMMddHHmmss', '2026-12-06T09:30:15.250+07:00', '20261206093015'],
    // A date-only format writes the Vietnam day: a little more is listed, never less.
    ['dd/MM/yyyy', '2026-12-05T18:00:00Z', '06/12/2026'],
    ['x', '2026-12-06T09:30:15+07:00', String(Date.UTC(2026, 11, 6, 2, 30, 15))],
  ])('%s: %s → %s', (format, since, written) => {
    expect(renderSince(since, format)).toBe(written);
  });

  it('writes Vietnam time whatever zone the gateway runs in', () => {
    const before = Settings.defaultZone;
    try {
      for (const zone of ['Pacific/Pago_Pago', 'UTC', 'Pacific/Kiritimati']) {
        Settings.defaultZone = zone;
        expect(renderSince('2026-12-06T02:30:15Z', 'dd/MM/yyyy HH:mm:ss')).toBe(
          '06/12/2026 09:30:15',
        );
      }
    } finally {
      Settings.defaultZone = before;
    }
  });

  it('refuses an instant without its offset (the gateway never sends one)', () => {
    expect(() => renderSince('2026-12-06T09:30:15', 'dd/MM/yyyy')).toThrow(
      'a changed-since instant must be ISO 8601 with its offset, not "2026-12-06T09:30:15"',
    );
  });
});

const provincialFile = readFileSync(join(SAMPLE_REGISTRATIONS, 'thanh-hoa-motcua.yaml'), 'utf8');
const landFile = readFileSync(join(SAMPLE_REGISTRATIONS, 'thanh-hoa-datdai.yaml'), 'utf8');
const variables = {
  SAMPLE_LAND_URL: 'http://127.0.0.1:3',
  SAMPLE_LAND_USER: 'u',
  SAMPLE_LAND_PASSWORD: 'p',
  SAMPLE_REST_URL: 'http://127.0.0.1:1',
  SAMPLE_REST_API_KEY: 'k',
  SAMPLE_REST_PUSH_SECRET: 'rest-push-secret-16+',
};
const parse = (text: string) =>
  parseRegistration(text, 'a.yaml', { kinds: BUILTIN_KINDS, variables });
const problemsOf = (text: string) => {
  const parsed = parse(text);
  return parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('Changed since in a registration', () => {
  it('the provincial sample reads its changes since the last read, with its own date format', () => {
    const parsed = parse(provincialFile);
    expect(parsed.ok && parsed.registration.changes).toEqual({
      everySeconds: 30,
      modified: { overlapSeconds: 60 },
      listing: undefined,
      recheck: undefined,
    });
    expect(
      parsed.ok && (parsed.registration.config as { changedSince: unknown }).changedSince,
    ).toMatchObject({ sinceFormat: 'dd/MM/yyyy HH:mm:ss', path: '/api/v1/dossiers/changes' });
    // The overlap's default, and the ISO default of sinceFormat.
    const defaults = parse(
      provincialFile
        .replace('modified: { overlapSeconds: 60 }', 'modified: {}')
        .replace('    sinceFormat: dd/MM/yyyy HH:mm:ss\n', ''),
    );
    expect(defaults.ok && defaults.registration.changes?.modified).toEqual({ overlapSeconds: 60 });
    expect(
      defaults.ok &&
        (defaults.registration.config as { changedSince: { sinceFormat: string } }).changedSince
          .sinceFormat,
    ).toBe("yyyy-MM-dd'T'HH:mm:ssZZ");
  });

  it('refuses changes.modified on a registration with no changedSince request, naming the field', () => {
    // The land registration (SOAP) has none.
    expect(
      problemsOf(
        landFile.replace('  listing: { days: 7 }\n', '  modified: { overlapSeconds: 30 }\n'),
      ),
    ).toEqual([
      "changes.modified: reads the changes since an instant, but config has no changedSince request (the soap kind's config.changedSince): declare one, or read changes with listing or recheck",
    ]);
    const withoutRequest = provincialFile.replace(/ {2}changedSince:\n( {4}.*\n)+/, '');
    expect(withoutRequest).not.toContain('changedSince:');
    expect(problemsOf(withoutRequest)).toEqual([
      "changes.modified: reads the changes since an instant, but config has no changedSince request (the rest-json kind's config.changedSince): declare one, or read changes with listing or recheck",
    ]);
  });

  it('refuses a bad overlap, no way at all, a request that never sends $since, and a bad sinceFormat', () => {
    expect(
      problemsOf(provincialFile.replace('overlapSeconds: 60', 'overlapSeconds: 4000')),
    ).toEqual(['changes.modified.overlapSeconds: Too big: expected number to be <=3600']);
    expect(problemsOf(provincialFile.replace('  modified: { overlapSeconds: 60 }\n', ''))).toEqual([
      'changes: say how changes are read: `modified: {overlapSeconds}`, `listing: {days}`, `recheck: {perPoll}`, or several',
    ]);
    expect(
      problemsOf(provincialFile.replace('query: { since: $since, page:', 'query: { page:')),
    ).toEqual([
      'config.changedSince: the changedSince request never sends the instant ($since): send it where the system reads "changed since"',
    ]);
    expect(
      problemsOf(
        provincialFile.replace('sinceFormat: dd/MM/yyyy HH:mm:ss', 'sinceFormat: DD/MM/YYYY'),
      ),
    ).toEqual([
      `config.changedSince.sinceFormat: "DD" is not a token listings write: use yyyy (year), MM (month), dd (day), HH, mm, ss (time), ZZ (offset), x or X (epoch), e.g. dd/MM/yyyy; put other letters in quotes ('T')`,
    ]);
  });
});

describe('The provincial sample: dossiers changed since an instant', () => {
  const dataset = () =>
    provincialDataset({
      size: 3000,
      seed: 2025,
      directoryFile: join(PROJECT_ROOT, 'data', 'agencies.sample.yaml'),
    });
  const newest = (d: { history: Array<{ at: DateTime }> }) =>
    Math.max(...d.history.map((step) => step.at.toMillis()));

  it('lists the generated dossiers whose newest step is at or after since, in order of code, paged', () => {
    const sample = dataset();
    const since = DateTime.fromISO('2026-10-20T00:00:00', { zone: VIETNAM });
    // Every dossier, the slow way.
    const expected: string[] = [];
    for (const code of sample.codes()) {
      const dossier = sample.get(code);
      if (dossier !== undefined && newest(dossier) >= since.toMillis()) expected.push(code);
    }
    expected.sort();
    expect(expected.length).toBeGreaterThan(10);
    const all = sample.listChangedSince(since, 0, 10_000);
    expect(all.total).toBe(expected.length);
    expect(all.dossiers.map((d) => d.code)).toEqual(expected);
    const page = sample.listChangedSince(since, 5, 5);
    expect(page).toMatchObject({ total: expected.length });
    expect(page.dossiers.map((d) => d.code)).toEqual(expected.slice(5, 10));
  });

  it('lists a dossier changed while running, however old, and nothing after the data ends', () => {
    const sample = dataset();
    const after = DateTime.fromISO('2026-12-06T09:00:00', { zone: VIETNAM });
    expect(sample.listChangedSince(after, 0, 100)).toEqual({ total: 0, dossiers: [] });
    const [old] = sample.exampleCodes(1).filter((code) => code.includes('-24'));
    expect(old).toBeDefined();
    expect(sample.setStatus(old as string, 8, after.plus({ minutes: 5 }))).toBe(true);
    const listed = sample.listChangedSince(after, 0, 100);
    expect(listed.total).toBe(1);
    expect(listed.dossiers.map((d) => [d.code, d.status])).toEqual([[old, 8]]);
    // At the instant of the change it is listed; a second later it is not.
    expect(sample.listChangedSince(after.plus({ minutes: 5 }), 0, 100).total).toBe(1);
    expect(sample.listChangedSince(after.plus({ minutes: 5, seconds: 1 }), 0, 100).total).toBe(0);
  });
});
