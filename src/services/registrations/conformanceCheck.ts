import type { CallContext } from '../../../connectors/contract';
import type { NationalDossier } from '../../../connectors/model';
import type { Principal } from '../../auth/Principal';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { isAgencyCode } from '../../../connectors/shared/agencyCode';
import { MAX_DOSSIER_CODE_LENGTH, quoteInput } from '../../domain/dossierCode';
import { vietnamDate } from '../../domain/vietnamTime';
import type { Registration } from '../../registry/Registration';
import type { CallObserver } from '../../runtime/CallGuard';
import type { ConnectorRuntime, UpstreamOutcome } from '../../runtime/ConnectorRuntime';
import { agenciesToList, covers, readListing, type ListedSample } from './checkSample';
import {
  probeRuntime,
  submittedForProbe,
  type ProbeDeps,
  type StoppedExpression,
} from './probeRegistration';
import { conflict, invalid, type RegistryResult } from './registrationResults';
import {
  countWarnings,
  dateCoverage,
  fieldsFilled,
  statusCounts,
  type CountedWarning,
  type DateCoverage,
  type FieldFill,
  type StatusCount,
} from './sampleFindings';
import {
  datesVerdict,
  mappingVerdict,
  statusesVerdict,
  type CheckVerdict,
  type Verdict,
} from './sampleVerdicts';

export type { CheckVerdict } from './sampleVerdicts';

/** The checks, in the order they run and are shown. */
export type CheckName =
  | 'SAMPLE'
  | 'BULK_LIMIT'
  | 'NOT_FOUND'
  | 'DATES'
  | 'STATUSES'
  | 'MAPPING'
  | 'CATALOGUE'
  | 'EXPRESSIONS';

export interface CheckResult extends Verdict {
  name: CheckName;
  /**
   * Calls this check made to the system: each lookup, listing page or catalogue page, retries
   * included (a lookup without a bulk endpoint is one request per code).
   */
  calls: number;
  ms: number;
}

/** Where the codes checked came from. */
export interface CheckSampleInfo {
  source: 'LISTING' | 'GIVEN' | 'LISTING_AND_GIVEN' | 'NONE';
  /** The agencies whose listing was read. */
  agencies: string[];
  /** The listing's first and last day received (Vietnam dates), when it was read. */
  from: string | null;
  to: string | null;
  /** Codes in the sample, and the dossiers read for them. */
  codes: number;
  found: number;
}

/**
 * What a conformance check of a registration found against its live system: a verdict per check,
 * and the tables behind them. Counts, field names, raw statuses, codes of the caller's own system
 * and the shape of unparsed dates; never a dossier's content.
 */
export interface ConformanceReport {
  connector: string;
  /** FAIL when any check failed, else WARN when any warned, else PASS. */
  verdict: Exclude<CheckVerdict, 'SKIP'>;
  sample: CheckSampleInfo;
  checks: CheckResult[];
  dates: DateCoverage[];
  statuses: StatusCount[];
  fieldsFilled: FieldFill[];
  warnings: CountedWarning[];
  expressionLimits: StoppedExpression[];
}

export interface CheckOptions {
  /** Real codes to check, with or instead of the listing's. */
  codes: readonly string[];
  /** The agency whose listing to read; default: the coverage's. */
  agency: string | null;
  /** Days of listing to read, back from today. */
  days: number;
}

export interface CheckDeps extends ProbeDeps {
  /** The agencies of the coverage's units, for the listing. */
  directory: AgencyDirectory;
}

/** Most codes a caller may give one check (the most a registration's maxBatch may be). */
export const MAX_CHECK_CODES = 1000;
/** Most days of listing one check reads. */
export const MAX_CHECK_DAYS = 366;
/** Dossiers read for the dates, statuses and mapping checks when maxBatch is smaller. */
const SAMPLE_SIZE = 30;
/** Codes looked up one at a time to compare with the bulk answer, at most. */
const ALONE = 3;
/** The whole check's time, and one check's share of it at most. */
const CHECK_BUDGET_MS = 30_000;
const STEP_BUDGET_MS = 10_000;

/**
 * Runs the conformance suite of one registration against its live system, before it is
 * registered: the document is checked as a dry run's (submittedForProbe: scope, secrets, network
 * policy), a connector is built from it outside routing, and each check makes a bounded number of
 * calls through that connector's own runtime — its bulkhead, rate limit, timeouts and retries —
 * within its share of the time. One check per registration id at a time per gateway. Nothing is
 * stored.
 */
export async function checkConformance(
  deps: CheckDeps,
  principal: Principal,
  text: string,
  options: CheckOptions,
  running: Set<string>,
): Promise<RegistryResult<ConformanceReport>> {
  const problems: string[] = [];
  if (options.codes.length > MAX_CHECK_CODES)
    problems.push(`codes: at most ${MAX_CHECK_CODES} in one check, got ${options.codes.length}`);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_CHECK_DAYS)
    problems.push(`days: a whole number from 1 to ${MAX_CHECK_DAYS}, got ${options.days}`);
  const long = options.codes.find((code) => code.length > MAX_DOSSIER_CODE_LENGTH);
  if (long !== undefined)
    problems.push(
      `codes: ${quoteInput(long)} is longer than ${MAX_DOSSIER_CODE_LENGTH} characters: not a dossier code`,
    );
  if (options.agency !== null && !isAgencyCode(options.agency))
    problems.push(`agency: ${quoteInput(options.agency)} is not an agency code`);
  if (problems.length > 0) return invalid(problems);
  const submitted = await submittedForProbe(deps, principal, text);
  if (!submitted.ok) return submitted;
  const registration = submitted.value;
  if (options.agency !== null && !covers(registration, options.agency))
    return invalid([`agency: ${options.agency} is outside ${registration.id}'s coverage`]);
  if (running.has(registration.id))
    return conflict(
      `a check of ${registration.id} is already running on this gateway; run it again when it has finished`,
    );
  running.add(registration.id);
  try {
    return { ok: true, value: await new ConformanceRun(deps, registration, options).run() };
  } finally {
    running.delete(registration.id);
  }
}

/** One run of the suite: the runtime, the calls counted, the time left. */
class ConformanceRun {
  private calls = 0;
  private readonly until = Date.now() + CHECK_BUDGET_MS;
  private readonly runtime: ConnectorRuntime<Registration>;
  private readonly stopped: () => StoppedExpression[];
  private readonly checks: CheckResult[] = [];

  constructor(
    private readonly deps: CheckDeps,
    private readonly registration: Registration,
    private readonly options: CheckOptions,
  ) {
    const counter: CallObserver = {
      call: (_connector, _operation, outcome) => {
        if (outcome !== 'circuit_open') this.calls += 1;
      },
      retry: () => undefined,
    };
    ({ runtime: this.runtime, stopped: this.stopped } = probeRuntime(deps, registration, counter));
  }

  async run(): Promise<ConformanceReport> {
    try {
      return await this.suite();
    } finally {
      await this.runtime.close();
    }
  }

  private async suite(): Promise<ConformanceReport> {
    const given = [...new Set(this.options.codes.map((code) => code.trim()))].filter(Boolean);
    const wanted = Math.min(Math.max(this.runtime.maxBatch, SAMPLE_SIZE), MAX_CHECK_CODES);
    let listed: ListedSample | null = null;
    let sample: string[] = [];
    await this.check('SAMPLE', async (call) => {
      const outcome = await this.sample(given, wanted, call);
      listed = outcome.listed;
      sample = outcome.codes;
      return outcome.verdict;
    });

    const found = new Map<string, NationalDossier>();
    await this.check('BULK_LIMIT', (call) => this.bulkLimit(sample, listed, found, call));
    const dossiers = sample.flatMap((code) => {
      const dossier = found.get(code);
      return dossier === undefined ? [] : [dossier];
    });
    await this.check('NOT_FOUND', (call) => this.notFound(sample, dossiers, call));

    const dates = dateCoverage(dossiers);
    const statuses = statusCounts(dossiers);
    const filled = fieldsFilled(dossiers);
    const warnings = countWarnings(dossiers);
    this.judge('DATES', datesVerdict(dossiers, dates));
    this.judge('STATUSES', statusesVerdict(dossiers, statuses));
    this.judge('MAPPING', mappingVerdict(dossiers, filled, warnings));
    await this.check('CATALOGUE', (call) => this.catalogue(call));
    const stopped = this.stopped();
    this.judge('EXPRESSIONS', expressionsVerdict(stopped));

    const counted = this.checks.map((check) => check.verdict);
    const source = listed as ListedSample | null;
    return {
      connector: this.registration.id,
      verdict: counted.includes('FAIL') ? 'FAIL' : counted.includes('WARN') ? 'WARN' : 'PASS',
      sample: {
        source: sampleSource(source?.codes.length ?? 0, given.length, sample.length),
        agencies: source?.agencies ?? [],
        from: source?.from ?? null,
        to: source?.to ?? null,
        codes: sample.length,
        found: dossiers.length,
      },
      checks: this.checks,
      dates,
      statuses,
      fieldsFilled: filled,
      warnings,
      expressionLimits: stopped,
    };
  }

  /** A check over what was read already: no call, no time of its own. */
  private judge(name: CheckName, verdict: Verdict): void {
    this.checks.push({ name, ...verdict, calls: 0, ms: 0 });
  }

  /**
   * Runs one check that calls the system, within its share of the time, counting its calls; none
   * when the check's time is spent.
   */
  private async check(
    name: CheckName,
    work: (call: CallContext) => Promise<Verdict>,
  ): Promise<void> {
    const left = this.until - Date.now();
    if (left < 100) {
      this.checks.push({
        name,
        verdict: 'FAIL',
        reason: `not run: the check's ${CHECK_BUDGET_MS / 1000} s were spent`,
        calls: 0,
        ms: 0,
      });
      return;
    }
    const budget = Math.min(STEP_BUDGET_MS, left);
    const call: CallContext = {
      requestId: `check-${this.registration.id}-${name.toLowerCase()}`,
      signal: AbortSignal.timeout(budget),
      deadline: Date.now() + budget,
    };
    const before = this.calls;
    const started = performance.now();
    const verdict = await work(call);
    this.checks.push({
      name,
      ...verdict,
      calls: this.calls - before,
      ms: Math.round(performance.now() - started),
    });
  }

  /** 1. Real codes: the given ones, then the listing's (last `days` days), up to `wanted`. */
  private async sample(
    given: string[],
    wanted: number,
    call: CallContext,
  ): Promise<{ codes: string[]; listed: ListedSample | null; verdict: Verdict }> {
    const note =
      given.length > wanted ? ` (the first ${wanted} of ${given.length} given are used)` : '';
    const codes = given.slice(0, wanted);
    if (!this.runtime.servesListing) {
      return {
        codes,
        listed: null,
        verdict:
          codes.length === 0
            ? {
                verdict: 'FAIL',
                reason:
                  'no listing declared and no codes given: give real codes after the file name',
              }
            : {
                verdict: 'PASS',
                reason: `${codes.length} codes given${note} (the registration declares no listing)`,
              },
      };
    }
    if (codes.length >= wanted) {
      return {
        codes,
        listed: null,
        verdict: {
          verdict: 'PASS',
          reason: `${codes.length} codes given${note}; the listing was not needed`,
        },
      };
    }
    const now = this.deps.now();
    const agencies = agenciesToList(
      this.registration,
      this.deps.directory,
      this.options.agency,
      given,
      vietnamDate(now),
    );
    const listed = await readListing(
      this.runtime,
      agencies,
      this.options.days,
      now,
      wanted - codes.length,
      new Set(codes),
      call,
    );
    const all = [...codes, ...listed.codes];
    const widened = listed.widened ? `; the last ${this.options.days} days held too few` : '';
    const where = `${listed.agencies.join(', ') || 'no agency'}, ${listed.from} to ${listed.to}, ${listed.pages} page${listed.pages === 1 ? '' : 's'}${widened}`;
    const counts = `${all.length} codes: ${listed.codes.length} listed (${where})${
      codes.length > 0 ? ` + ${codes.length} given` : ''
    }`;
    let verdict: Verdict;
    if (listed.failed !== null) {
      verdict = {
        verdict: 'FAIL',
        reason: `listing of ${listed.failed.agency} failed: ${listed.failed.error.code}: ${listed.failed.error.message}; ${counts}`,
      };
    } else if (agencies.length === 0) {
      verdict = {
        verdict: all.length === 0 ? 'FAIL' : 'WARN',
        reason: `no agency to list (coverage by pattern only): give real codes; ${counts}`,
      };
    } else if (listed.codes.length === 0) {
      verdict = {
        verdict: all.length === 0 ? 'FAIL' : 'WARN',
        reason: `the listing answered no dossier (${where}): give codes${
          all.length > 0 ? `; checking the ${all.length} given` : ''
        }`,
      };
    } else if (listed.unreadable > 0) {
      verdict = {
        verdict: 'WARN',
        reason: `${listed.unreadable} listed records could not be read as dossiers; ${counts}`,
      };
    } else {
      verdict = { verdict: 'PASS', reason: counts };
    }
    return { codes: all, listed, verdict };
  }

  /**
   * 2. Bulk limit: the first maxBatch codes in one call each come back found, in order (the
   * runtime holds the connector to one answer per code, in order); codes missing from it are
   * looked up alone, and so are the first and the last found, which must answer the same.
   */
  private async bulkLimit(
    sample: string[],
    listed: ListedSample | null,
    found: Map<string, NationalDossier>,
    call: CallContext,
  ): Promise<Verdict> {
    const maxBatch = this.runtime.maxBatch;
    const batch = sample.slice(0, maxBatch);
    if (batch.length === 0) return { verdict: 'SKIP', reason: 'no codes to look up (see sample)' };
    const outcomes = await this.runtime.getDossiers(batch, call);
    // The rest of the sample (when maxBatch is smaller than it), for the dates, statuses and mapping.
    const rest = sample.slice(maxBatch);
    const later = rest.length === 0 ? [] : await this.runtime.getDossiers(rest, call);
    [...batch, ...rest].forEach((code, index) => {
      const outcome = index < batch.length ? outcomes[index] : later[index - batch.length];
      if (outcome?.kind === 'found') found.set(code, outcome.dossier);
    });
    const inOne = `${batch.length} code${batch.length === 1 ? '' : 's'} in one call`;
    const errors = batch.flatMap((code, index) => {
      const outcome = outcomes[index] as UpstreamOutcome;
      return outcome.kind === 'error' ? [{ code, error: outcome.error }] : [];
    });
    if (errors.length === batch.length) {
      const { error } = errors[0] as (typeof errors)[number];
      const said = `${error.code}: ${error.message}`;
      if (batch.length === 1) return { verdict: 'FAIL', reason: `${batch[0]}: ${said}` };
      const [first] = await this.runtime.getDossiers([batch[0] as string], call);
      return first?.kind === 'found'
        ? {
            verdict: 'FAIL',
            reason: `${inOne} all answered ${said}, yet ${batch[0]} alone is found: the system takes fewer than ${batch.length} codes per call; lower config.lookup maxBatch (now ${maxBatch})`,
          }
        : { verdict: 'FAIL', reason: `${inOne} all answered ${said}` };
    }
    if (errors.length > 0) {
      const [{ code, error }] = errors as [(typeof errors)[number]];
      return {
        verdict: 'FAIL',
        reason: `${errors.length} of ${inOne} answered an error, e.g. ${code}: ${error.code}: ${error.message}`,
      };
    }
    const missing = batch.filter((_, index) => outcomes[index]?.kind === 'notFound');
    const listedCodes = new Set(listed?.codes ?? []);
    if (missing.length > 0) {
      // The last ones first: a system that answers fewer codes than asked drops the end.
      const asked = missing.slice(-ALONE).reverse();
      const alone = await this.alone(asked, call);
      const foundAlone = asked.filter((_, index) => alone[index]?.kind === 'found');
      if (foundAlone.length > 0) {
        return {
          verdict: 'FAIL',
          reason: `${missing.length} of ${inOne} not in its answer, yet found alone (e.g. ${foundAlone[0]}): the system answered ${batch.length - missing.length} codes of ${batch.length}; lower config.lookup maxBatch (now ${maxBatch})`,
        };
      }
      const listedMissing = missing.filter((code) => listedCodes.has(code));
      return {
        verdict: 'WARN',
        reason:
          listedMissing.length > 0
            ? `${listedMissing.length} listed codes not found, in one call or alone (e.g. ${listedMissing[0]}): the listing names dossiers the lookup does not find`
            : `${missing.length} given codes not found, in one call or alone (e.g. ${missing[0]})`,
      };
    }
    const compared = [...new Set([batch[0], batch.at(-1)])] as string[];
    const alone = await this.alone(compared, call);
    for (const [index, code] of compared.entries()) {
      const single = alone[index] as UpstreamOutcome;
      const bulk = found.get(code) as NationalDossier;
      if (single.kind !== 'found') {
        return {
          verdict: 'FAIL',
          reason: `${code} is found in one call of ${batch.length} but alone answered ${
            single.kind === 'error' ? `${single.error.code}: ${single.error.message}` : 'not found'
          }`,
        };
      }
      if (
        single.dossier.status.raw !== bulk.status.raw ||
        single.dossier.receivedAt !== bulk.receivedAt
      ) {
        return {
          verdict: 'FAIL',
          reason: `${code} answers differently alone and in one call of ${batch.length} (status ${JSON.stringify(single.dossier.status.raw)} and ${JSON.stringify(bulk.status.raw)}): is the bulk answer matched to the right codes?`,
        };
      }
    }
    const laterErrors = later.filter((outcome) => outcome.kind === 'error');
    if (laterErrors.length > 0) {
      const [first] = laterErrors as [Extract<UpstreamOutcome, { kind: 'error' }>];
      return {
        verdict: 'FAIL',
        reason: `${inOne} all found, but ${laterErrors.length} of the ${rest.length} codes looked up after them answered an error, e.g. ${first.error.code}: ${first.error.message}`,
      };
    }
    const agree = `all found, in order; ${compared.length} looked up alone agree`;
    return batch.length < maxBatch
      ? {
          verdict: 'WARN',
          reason: `only ${batch.length} real codes, fewer than maxBatch ${maxBatch}: ${inOne} ${agree}; to check the limit, give ${this.runtime.servesListing ? 'more codes or more days' : `${maxBatch} codes`}`,
        }
      : { verdict: 'PASS', reason: `${inOne} (maxBatch): ${agree}` };
  }

  /** Codes looked up each in a call of its own. */
  private async alone(codes: readonly string[], call: CallContext): Promise<UpstreamOutcome[]> {
    const answers = await Promise.all(codes.map((code) => this.runtime.getDossiers([code], call)));
    return answers.map((answer) => answer[0] as UpstreamOutcome);
  }

  /**
   * 3. Not found: a well-formed code that cannot exist — a real code with its counter 0000 (same
   * agency, same day) — is "no such dossier", alone and beside a real code, which is still found.
   */
  private async notFound(
    sample: string[],
    dossiers: NationalDossier[],
    call: CallContext,
  ): Promise<Verdict> {
    const real = dossiers[0]?.code ?? null;
    const model = real ?? sample[0] ?? this.agencyModel();
    const impossible = model === null ? null : withoutCounter(model);
    if (impossible === null) {
      return {
        verdict: 'SKIP',
        reason: 'no code to make one that cannot exist from: give a real code',
      };
    }
    const [alone] = await this.runtime.getDossiers([impossible], call);
    const wrong = (outcome: UpstreamOutcome | undefined, where: string): Verdict | null => {
      if (outcome?.kind === 'notFound') return null;
      if (outcome?.kind === 'found')
        return {
          verdict: 'FAIL',
          reason: `${impossible} (cannot exist) came back as a dossier ${where}`,
        };
      const error = outcome?.error;
      return {
        verdict: 'FAIL',
        reason: `${impossible} (cannot exist) answered ${error?.code}: ${error?.message} ${where}, not "no such dossier": declare how the system says so (notFoundStatuses, notFoundWhen, a SOAP fault)`,
      };
    };
    const single = wrong(alone, 'alone');
    if (single !== null) return single;
    if (real === null) {
      return {
        verdict: 'WARN',
        reason: `${impossible} is DOSSIER_NOT_FOUND alone; not checked beside a real code (none was read)`,
      };
    }
    if (this.runtime.maxBatch < 2) {
      return {
        verdict: 'PASS',
        reason: `${impossible} (cannot exist) is DOSSIER_NOT_FOUND (maxBatch 1: codes never share a call)`,
      };
    }
    const [mixedImpossible, mixedReal] = await this.runtime.getDossiers([impossible, real], call);
    const mixed = wrong(mixedImpossible, `in one call with ${real}`);
    if (mixed !== null) return mixed;
    if (mixedReal?.kind !== 'found') {
      return {
        verdict: 'FAIL',
        reason: `${real}, found alone, answered ${
          mixedReal?.kind === 'error'
            ? `${mixedReal.error.code}: ${mixedReal.error.message}`
            : 'not found'
        } in one call with ${impossible} (cannot exist): one unknown code spoils the batch`,
      };
    }
    return {
      verdict: 'PASS',
      reason: `${impossible} (cannot exist) is DOSSIER_NOT_FOUND alone and beside ${real}, which is still found`,
    };
  }

  /** A code of the first agency the check would list, received today, when no real code is known. */
  private agencyModel(): string | null {
    const today = vietnamDate(this.deps.now());
    const [agency] = agenciesToList(
      this.registration,
      this.deps.directory,
      this.options.agency,
      [],
      today,
    );
    if (agency === undefined) return null;
    const yyMMdd = today.slice(2).replaceAll('-', '');
    return `${agency}-${yyMMdd}-0001`;
  }

  /** 7. Catalogue: its first page reads, when the registration declares one. */
  private async catalogue(call: CallContext): Promise<Verdict> {
    if (!this.runtime.servesProcedures)
      return { verdict: 'SKIP', reason: 'the registration declares no catalogue' };
    const page = await this.runtime.listProcedures(null, call);
    if ('error' in page)
      return {
        verdict: 'FAIL',
        reason: `first page: ${page.error.code}: ${page.error.message}`,
      };
    const total = page.procedures.length + page.unreadable;
    if (page.unreadable > 0)
      return {
        verdict: 'WARN',
        reason: `first page: ${page.unreadable} of ${total} records could not be read as procedures (code and name are required)`,
      };
    if (total === 0) return { verdict: 'WARN', reason: 'first page read, with no procedure on it' };
    return {
      verdict: 'PASS',
      reason: `first page: ${total} procedures read${page.next === null ? '' : ', more pages follow'}`,
    };
  }
}

/** The expressions the check's calls evaluated: none stopped by a limit. */
function expressionsVerdict(stopped: StoppedExpression[]): Verdict {
  if (stopped.length === 0)
    return { verdict: 'PASS', reason: 'no evaluation of an expression was stopped by a limit' };
  const count = stopped.reduce((sum, entry) => sum + entry.count, 0);
  return {
    verdict: 'FAIL',
    reason: `${count} evaluations stopped by a limit (${stopped[0]?.message}): saved, this registration would be quarantined`,
  };
}

/**
 * A code that cannot exist, made from a real one: its last run of digits (the counter, `0361`
 * of `000.00.06.H56-231027-0361`) as zeros — counters start at 1. Null when there is none, or it
 * is zeros already.
 */
export function withoutCounter(code: string): string | null {
  const match = /^(.*?)(\d+)(\D*)$/.exec(code);
  if (match === null) return null;
  const [, head, counter, tail] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(counter)) return null;
  return `${head}${'0'.repeat(counter.length)}${tail}`;
}

function sampleSource(listed: number, given: number, total: number): CheckSampleInfo['source'] {
  if (total === 0) return 'NONE';
  if (listed > 0 && given > 0) return 'LISTING_AND_GIVEN';
  return listed > 0 ? 'LISTING' : 'GIVEN';
}
