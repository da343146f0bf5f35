import type { NationalDossier } from '../../../connectors/model';
import {
  countedElsewhere,
  type CountedWarning,
  type DateCoverage,
  type FieldFill,
  type StatusCount,
} from './sampleFindings';

/** A conformance check's verdict: SKIP when there was nothing to check (no catalogue declared). */
export type CheckVerdict = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

/** One check's verdict and why, in one line an engineer can act on. */
export interface Verdict {
  verdict: CheckVerdict;
  reason: string;
}

/**
 * National fields the portal shows on every dossier and indicators count: one that no dossier of
 * the sample has is worth a warning (a field some dossiers lack, like `finishedAt` of one still in
 * progress, is normal). The agency comes from the code when the mapping has none.
 */
const EXPECTED_FIELDS = ['procedureCode', 'procedureName', 'receivedAt', 'dueAt'];

/** Raw statuses named in one line at most; the table has them all. */
const NAMED = 5;

const none = (what: string): Verdict => ({
  verdict: 'SKIP',
  reason: `no dossier was read, so no ${what} to check (see sample and bulk limit)`,
});

/** Dates: every value of every mapped date field parses with `dates.formats`. */
export function datesVerdict(found: readonly NationalDossier[], dates: DateCoverage[]): Verdict {
  if (found.length === 0) return none('dates');
  const failing = dates.filter((entry) => entry.failed > 0);
  if (failing.length > 0) {
    const parts = failing.map(
      (entry) =>
        `${entry.field} ${entry.parsed} of ${entry.parsed + entry.failed} parsed${
          entry.shapes.length > 0 ? ` (sent as ${entry.shapes.join(', ')})` : ''
        }`,
    );
    return {
      verdict: 'FAIL',
      reason: `${parts.join('; ')}: add the format to config.dates.formats`,
    };
  }
  if (dates.length === 0)
    return {
      verdict: 'WARN',
      reason: `no date in the ${found.length} dossiers read: map receivedAt and dueAt`,
    };
  const values = dates.reduce((sum, entry) => sum + entry.parsed, 0);
  const dayOnly = dates.filter((entry) => entry.withoutTime > 0);
  return {
    verdict: 'PASS',
    reason: `all ${values} dates of ${dates.length} fields parsed (${dates
      .map((entry) => entry.field)
      .join(', ')})${
      dayOnly.length === 0
        ? ''
        : `; given without a time: ${dayOnly
            .map((entry) => `${entry.field} ${entry.withoutTime}`)
            .join(', ')} (a due date is the end of that working day; docs/api.md)`
    }`,
  };
}

/** Statuses: every raw status seen, current or in the history, is in `statuses.map`. */
export function statusesVerdict(
  found: readonly NationalDossier[],
  statuses: StatusCount[],
): Verdict {
  if (found.length === 0) return none('statuses');
  const unmapped = new Map<string, number>();
  for (const entry of statuses)
    if (entry.national === null)
      unmapped.set(entry.raw, (unmapped.get(entry.raw) ?? 0) + entry.count);
  const raw = new Set(statuses.map((entry) => entry.raw));
  if (unmapped.size === 0) {
    return {
      verdict: 'PASS',
      reason: `all ${raw.size} raw statuses seen are in the status table`,
    };
  }
  const named = [...unmapped]
    .sort((a, b) => b[1] - a[1])
    .slice(0, NAMED)
    .map(([value, count]) => `${JSON.stringify(value)} ×${count}`);
  const more = unmapped.size > NAMED ? ` and ${unmapped.size - NAMED} more` : '';
  // Dozens of different values are not status words: the mapping reads the wrong field.
  const hint =
    unmapped.size > 10
      ? '; so many values: does mapping.status read the status field?'
      : ': add them to config.statuses.map';
  return {
    verdict: 'FAIL',
    reason: `${unmapped.size} of ${raw.size} raw statuses not in the status table: ${named.join(', ')}${more}${hint}`,
  };
}

/**
 * Mapping coverage: the fields the portal relies on have a value in some dossier, and no value
 * was dropped on the way (a channel or applicant type missing from its table, an object where a
 * value was expected, an amount that is no number…; dates and statuses have their own checks).
 */
export function mappingVerdict(
  found: readonly NationalDossier[],
  filled: FieldFill[],
  warnings: CountedWarning[],
): Verdict {
  if (found.length === 0) return none('mapping');
  const empty = filled.filter(
    (entry) => EXPECTED_FIELDS.includes(entry.field) && entry.filled === 0,
  );
  const every = filled.filter((entry) => entry.filled === entry.of).length;
  const some = filled.filter((entry) => entry.filled > 0 && entry.filled < entry.of).length;
  const never = filled.length - every - some;
  const counts = `${every} of ${filled.length} national fields filled in every dossier, ${some} in some, ${never} in none`;
  const problems: string[] = [];
  if (empty.length > 0)
    problems.push(
      `${empty.map((entry) => entry.field).join(', ')} empty in all ${found.length} dossiers (the portal shows ${empty.length === 1 ? 'it' : 'them'})`,
    );
  const dropped = warnings
    .filter((warning) => !countedElsewhere(warning))
    .sort((a, b) => b.count - a.count);
  if (dropped.length > 0)
    problems.push(
      `values dropped: ${dropped
        .slice(0, 3)
        .map((warning) => `${warning.field}: ${warning.problem} ×${warning.count}`)
        .join('; ')}${dropped.length > 3 ? ` and ${dropped.length - 3} more` : ''}`,
    );
  if (problems.length > 0) return { verdict: 'WARN', reason: `${problems.join('; ')}; ${counts}` };
  return { verdict: 'PASS', reason: counts };
}
