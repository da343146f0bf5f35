import type {
  DateField,
  MappingWarning,
  NationalDossier,
  NationalStatusCode,
} from '../../../connectors/model';

/**
 * What a sample of dossiers, fetched with a registration, says about its mapping: which national
 * fields are filled, which warnings came up, whether dates parsed and statuses mapped. Pure: the
 * dry run and the conformance check fetch, this counts. Values are never kept (they may be
 * personal data): counts, field names, raw statuses (as a dry run shows them), and the shape of a
 * date that did not parse (`99/99/9999 99:99`), never the date itself.
 */

export interface FieldFill {
  field: string;
  filled: number;
  of: number;
}

export interface CountedWarning {
  field: string;
  problem: string;
  count: number;
}

/** Per date field of the national model (lists as `history[].at`): values read and not. */
export interface DateCoverage {
  field: string;
  /** Values that parsed into a time. */
  parsed: number;
  /** Values that matched none of the registration's formats (they become null in answers). */
  failed: number;
  /** Of the parsed, those given as a day without a time (`datesWithoutTime`). */
  withoutTime: number;
  /** How the failed values look, digits as 9 and letters as a (at most three shapes). */
  shapes: string[];
}

/** A raw status seen in the sample, where, how often, and the national status it maps to. */
export interface StatusCount {
  /** `status` (the dossier's current status) or `history[].status` (a step's). */
  field: 'status' | 'history[].status';
  raw: string;
  count: number;
  /** The national status 1–10, or null when the registration's table does not map it. */
  national: NationalStatusCode | null;
}

const FILLED: Array<[string, (dossier: NationalDossier) => unknown]> = [
  ['procedureCode', (d) => d.procedureCode],
  ['procedureName', (d) => d.procedureName],
  ['fieldCode', (d) => d.fieldCode],
  ['fieldName', (d) => d.fieldName],
  ['agencyCode', (d) => d.agencyCode],
  ['agencyName', (d) => d.agencyName],
  ['channel', (d) => d.channel?.code],
  ['applicant.name', (d) => d.applicant.name],
  ['applicant.type', (d) => d.applicant.type],
  ['applicant.ids', (d) => (d.applicant.ids.length > 0 ? d.applicant.ids : null)],
  ['applicant.phone', (d) => d.applicant.phone],
  ['applicant.email', (d) => d.applicant.email],
  ['applicant.address', (d) => d.applicant.address],
  ['summary', (d) => d.summary],
  ['files', (d) => (d.files.length > 0 ? d.files : null)],
  ['receivedAt', (d) => d.receivedAt],
  ['dueAt', (d) => d.dueAt],
  ['finishedAt', (d) => d.finishedAt],
  ['returnedAt', (d) => d.returnedAt],
  ['status', (d) => d.status.code],
  ['history', (d) => (d.history.length > 0 ? d.history : null)],
  ['fees', (d) => (d.fees.length > 0 ? d.fees : null)],
  ['results', (d) => (d.results.length > 0 ? d.results : null)],
  ['supplements', (d) => (d.supplements.length > 0 ? d.supplements : null)],
];

/** The national fields worth filling, and how many dossiers have a value in each. */
export function fieldsFilled(found: readonly NationalDossier[]): FieldFill[] {
  return FILLED.map(([field, read]) => ({
    field,
    filled: found.filter((dossier) => {
      const value = read(dossier);
      return value !== null && value !== undefined && value !== '';
    }).length,
    of: found.length,
  }));
}

/**
 * Mapping warnings counted by field and problem; quoted values (maybe personal data) become `"…"`
 * unless `shown` says otherwise (a catalogue holds none).
 */
export function countWarnings(
  found: ReadonlyArray<{ warnings: readonly MappingWarning[] }>,
  shown: (problem: string) => string = (problem) => problem.replace(/"[^"]*"/g, '"…"'),
): CountedWarning[] {
  const warnings = new Map<string, CountedWarning>();
  for (const dossier of found) {
    for (const warning of dossier.warnings) {
      const problem = shown(warning.problem);
      const key = `${warning.field}\u0000${problem}`;
      const entry = warnings.get(key) ?? { field: warning.field, problem, count: 0 };
      entry.count += 1;
      warnings.set(key, entry);
    }
  }
  return [...warnings.values()];
}

/**
 * The date fields of the national model, with how to read each one's values from a dossier: the
 * value, and whether it was given without a time.
 */
type Dated = [string | null, boolean];
const untimed = (holder: { datesWithoutTime?: readonly DateField[] }, field: DateField) =>
  holder.datesWithoutTime?.includes(field) === true;
const DATES: Array<[string, (dossier: NationalDossier) => Dated[]]> = [
  ['receivedAt', (d) => [[d.receivedAt, untimed(d, 'receivedAt')]]],
  ['dueAt', (d) => [[d.dueAt, untimed(d, 'dueAt')]]],
  ['finishedAt', (d) => [[d.finishedAt, untimed(d, 'finishedAt')]]],
  ['returnedAt', (d) => [[d.returnedAt, untimed(d, 'returnedAt')]]],
  ['history[].at', (d) => d.history.map((s) => [s.at, untimed(s, 'at')])],
  ['history[].startedAt', (d) => d.history.map((s) => [s.startedAt, untimed(s, 'startedAt')])],
  ['history[].dueAt', (d) => d.history.map((s) => [s.dueAt, untimed(s, 'dueAt')])],
  ['results[].issuedAt', (d) => d.results.map((r) => [r.issuedAt, untimed(r, 'issuedAt')])],
  [
    'supplements[].requestedAt',
    (d) => d.supplements.map((r) => [r.requestedAt, untimed(r, 'requestedAt')]),
  ],
  [
    'supplements[].dueBefore',
    (d) => d.supplements.map((r) => [r.dueBefore, untimed(r, 'dueBefore')]),
  ],
  ['supplements[].dueAfter', (d) => d.supplements.map((r) => [r.dueAfter, untimed(r, 'dueAfter')])],
];

/** `history[3].at` → `history[].at`: a warning's field as the date fields are named. */
const declared = (field: string) => field.replace(/\[\d+\]/g, '[]');

const DATE_FIELDS = new Set(DATES.map(([field]) => field));

/**
 * Whether a warning is one the dates or statuses checks count (a date not read, a status not in
 * the table), or a note rather than a problem (text decoded from TCVN3/VNI, as declared).
 */
export function countedElsewhere(warning: Pick<CountedWarning, 'field' | 'problem'>): boolean {
  return (
    DATE_FIELDS.has(declared(warning.field)) ||
    /(^|\.)status$/.test(warning.field) ||
    warning.problem.startsWith('decoded from ')
  );
}

/**
 * Per date field that has any value in the sample: how many parsed and how many did not (a value
 * that matches none of `dates.formats` becomes null with a warning naming its field). Fields the
 * sample never sends are left out.
 */
export function dateCoverage(found: readonly NationalDossier[]): DateCoverage[] {
  const coverage = new Map<string, DateCoverage>(
    DATES.map(([field]) => [field, { field, parsed: 0, failed: 0, withoutTime: 0, shapes: [] }]),
  );
  for (const dossier of found) {
    for (const [field, read] of DATES) {
      const entry = coverage.get(field) as DateCoverage;
      for (const [value, dayOnly] of read(dossier)) {
        if (value === null) continue;
        entry.parsed += 1;
        if (dayOnly) entry.withoutTime += 1;
      }
    }
    for (const warning of dossier.warnings) {
      const entry = coverage.get(declared(warning.field));
      if (entry === undefined) continue;
      entry.failed += 1;
      const quoted = /^"(.*)" matches none/.exec(warning.problem)?.[1];
      const shape = quoted === undefined ? null : shapeOf(quoted);
      if (shape !== null && entry.shapes.length < 3 && !entry.shapes.includes(shape))
        entry.shapes.push(shape);
    }
  }
  return [...coverage.values()].filter((entry) => entry.parsed + entry.failed > 0);
}

/** What a value looks like without what it says: digits as 9, letters as a, at most 40 characters. */
export function shapeOf(value: string): string {
  const shape = value.replace(/\p{Nd}/gu, '9').replace(/\p{L}/gu, 'a');
  return shape.length > 40 ? `${shape.slice(0, 39)}…` : shape;
}

/**
 * Every raw status in the sample (current and in the history), counted, most frequent first. A
 * value read as different national statuses (by agency or by record: `statuses.byAgency`,
 * `statuses.byRecord`) has one entry per reading, so one left unmapped somewhere is seen.
 */
export function statusCounts(found: readonly NationalDossier[]): StatusCount[] {
  const counts = new Map<string, StatusCount>();
  const add = (field: StatusCount['field'], raw: string, national: NationalStatusCode | null) => {
    const key = `${field}\u0000${raw}\u0000${national ?? ''}`;
    const entry = counts.get(key) ?? { field, raw, count: 0, national };
    entry.count += 1;
    counts.set(key, entry);
  };
  for (const dossier of found) {
    add('status', dossier.status.raw, dossier.status.code);
    for (const step of dossier.history)
      if (step.status !== null) add('history[].status', step.status.raw, step.status.code);
  }
  return [...counts.values()].sort(
    (a, b) =>
      (a.field === b.field ? 0 : a.field === 'status' ? -1 : 1) ||
      b.count - a.count ||
      (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0),
  );
}
