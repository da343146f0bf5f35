/**
 * The fields the benchmarks ask of every dossier (bench/main.ts, bench/distinctCodes.ts), the
 * hand-written baseline (bench/apolloAxiosBaseline.ts) maps the same ones.
 */
export const LOOKUP_FIELDS =
  'code procedureName agency { code name } status { value code label raw lossy } receivedAt dueAt finishedAt returnedAt applicant { name phone } source { connector fetchedAt cached routedVia }';

/** The middle value (the upper one of an even count). */
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
