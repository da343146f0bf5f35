/**
 * `npm run connectors -- check`'s answer as text: the verdict of each check in a table, then the
 * tables behind them (dates, statuses, mapping coverage) and the overall verdict. Reads the
 * `checkConnector` answer as the API gives it (schema/registry.graphql).
 */

type Verdict = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

export interface CheckAnswer {
  connector: string;
  verdict: Verdict;
  sample: {
    source: 'LISTING' | 'GIVEN' | 'LISTING_AND_GIVEN' | 'NONE';
    agencies: string[];
    from: string | null;
    to: string | null;
    codes: number;
    found: number;
  };
  checks: Array<{ name: string; verdict: Verdict; reason: string; calls: number; ms: number }>;
  dates: Array<{ field: string; parsed: number; failed: number; shapes: string[] }>;
  statuses: Array<{ field: string; raw: string; count: number; national: number | null }>;
  fieldsFilled: Array<{ field: string; filled: number; of: number }>;
  warnings: Array<{ field: string; problem: string; count: number }>;
}

/** The GraphQL selection the table reads. */
export const CHECK_SELECTION = `connector verdict
  sample { source agencies from to codes found }
  checks { name verdict reason calls ms }
  dates { field parsed failed shapes }
  statuses { field raw count national }
  fieldsFilled { field filled of }
  warnings { field problem count }`;

const NAMES: Record<string, string> = {
  SAMPLE: 'sample',
  BULK_LIMIT: 'bulk limit',
  NOT_FOUND: 'not found',
  DATES: 'dates',
  STATUSES: 'statuses',
  MAPPING: 'mapping',
  CATALOGUE: 'catalogue',
  EXPRESSIONS: 'expressions',
};

/** Rows as columns padded to their widest cell; the last column is not padded. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === row.length - 1 ? cell : cell.padEnd(widths?.[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function sampleLine(sample: CheckAnswer['sample']): string {
  const listed =
    sample.agencies.length > 0
      ? `the listing of ${sample.agencies.join(', ')} (${sample.from} to ${sample.to})`
      : null;
  const from =
    sample.source === 'LISTING'
      ? listed
      : sample.source === 'LISTING_AND_GIVEN'
        ? `${listed} and the codes given`
        : sample.source === 'GIVEN'
          ? 'the codes given'
          : 'nowhere: no listing and no codes given';
  return `Sample: ${sample.codes} codes from ${from}; ${sample.found} dossiers read`;
}

export function formatCheck(answer: CheckAnswer): string {
  const out: string[] = [`Conformance check of ${answer.connector}`, sampleLine(answer.sample), ''];
  out.push(
    table([
      ['CHECK', 'VERDICT', 'CALLS', 'MS', 'REASON'],
      ...answer.checks.map((check) => [
        NAMES[check.name] ?? check.name,
        check.verdict,
        String(check.calls),
        String(check.ms),
        check.reason,
      ]),
    ]),
  );
  if (answer.dates.length > 0) {
    out.push('', 'Dates (values parsed with dates.formats, and not)');
    out.push(
      table([
        ['FIELD', 'PARSED', 'FAILED', 'SHARE', 'NOT PARSED, SENT AS'],
        ...answer.dates.map((date) => [
          date.field,
          String(date.parsed),
          String(date.failed),
          `${Math.floor((100 * date.parsed) / (date.parsed + date.failed))} %`,
          date.shapes.join(', '),
        ]),
      ]),
    );
  }
  if (answer.statuses.length > 0) {
    out.push('', 'Statuses seen (raw value → national status)');
    out.push(
      table([
        ['FIELD', 'RAW', 'COUNT', 'NATIONAL'],
        ...answer.statuses.map((status) => [
          status.field,
          JSON.stringify(status.raw),
          String(status.count),
          status.national === null ? 'NOT MAPPED' : String(status.national),
        ]),
      ]),
    );
  }
  const of = answer.fieldsFilled[0]?.of ?? 0;
  if (of > 0) {
    out.push('', `Mapping coverage (dossiers with a value, of ${of})`);
    out.push(
      table([
        ['FIELD', 'FILLED'],
        ...answer.fieldsFilled.map((fill) => [fill.field, `${fill.filled}/${fill.of}`]),
      ]),
    );
  }
  const other = answer.warnings.filter(
    (warning) => !/date formats|status table/.test(warning.problem),
  );
  if (other.length > 0) {
    out.push('', 'Other mapping warnings');
    out.push(
      table([
        ['FIELD', 'COUNT', 'PROBLEM'],
        ...other.map((warning) => [warning.field, String(warning.count), warning.problem]),
      ]),
    );
  }
  const failed = answer.checks.filter((check) => check.verdict === 'FAIL').length;
  const warned = answer.checks.filter((check) => check.verdict === 'WARN').length;
  out.push(
    '',
    `Verdict: ${answer.verdict} (${answer.checks.length - failed - warned} passed or skipped, ${warned} warned, ${failed} failed)`,
  );
  return `${out.join('\n')}\n`;
}
