import type { ConnectorKind, Logger } from '../../../connectors/contract';
import type { MappingWarning, NationalDossier } from '../../../connectors/model';
import type { Principal } from '../../auth/Principal';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { Registration } from '../../registry/Registration';
import type { RegistrationStore } from '../../registry/RegistrationStore';
import { ConnectorRuntime } from '../../runtime/ConnectorRuntime';
import { maskDossier } from '../dossiers/maskDossier';
import { checkSubmission, type SubmissionDeps } from './checkSubmission';
import { storedClaim, visibleTo } from './registrationAccess';
import {
  documentId,
  isRegistrationId,
  readRegistrationText,
  runtimeOrigin,
} from './registrationDocument';
import { invalid, type RegistryResult } from './registrationResults';

/** What a dry run found: the thing a provincial IT engineer iterates on until it is clean. */
export interface ProbeReport {
  connector: string;
  dossiers: Array<{ code: string; found: boolean; error: ErrorDetail | null }>;
  /** Per field of the national model: in how many of the found dossiers it has a value. */
  fieldsFilled: Array<{ field: string; filled: number; of: number }>;
  /** Raw statuses the registration's table does not map. */
  unmappedStatuses: string[];
  /** Every mapping warning, counted (dates that did not parse, text decoded from TCVN3/VNI, …). */
  warnings: Array<{ field: string; problem: string; count: number }>;
  /** The first dossier found, normalised and masked. */
  sample: NationalDossier | null;
  catalogue: {
    entries: number;
    codes: string[];
    /** The first page's mapping warnings, counted, with the values (catalogues are public). */
    warnings: Array<{ field: string; problem: string; count: number }>;
    error: ErrorDetail | null;
  } | null;
  /**
   * Evaluations of the registration's expressions stopped by a limit during the dry run, by
   * message; saved, a registration whose evaluations keep being stopped is quarantined.
   */
  expressionLimits: Array<{ limit: string; message: string; count: number }>;
}

/** Most codes one dry run may ask for. */
export const MAX_PROBE_CODES = 10;

/** How long one dry run may take, dossiers and catalogue page together. */
const PROBE_BUDGET_MS = 10_000;

export interface ProbeDeps extends SubmissionDeps {
  store: RegistrationStore;
  logger: Logger;
  now: () => Date;
}

/**
 * A dry run: the document is checked as for saving (checkSubmission.ts: scope, addresses), a
 * connector is built from it without registering it, and it fetches the given dossiers and the
 * first catalogue page. Nothing is stored. `********` secrets are taken from the stored connector
 * of that id, when the caller may see it.
 */
export async function dryRun(
  deps: ProbeDeps,
  principal: Principal,
  text: string,
  codes: readonly string[],
): Promise<RegistryResult<ProbeReport>> {
  if (codes.length > MAX_PROBE_CODES)
    return invalid([`codes: at most ${MAX_PROBE_CODES} in one dry run, got ${codes.length}`]);
  const parsed = readRegistrationText(text);
  if (!parsed.ok) return parsed;
  const id = documentId(parsed.value);
  const stored = isRegistrationId(id) ? (await deps.store.history(id)).at(-1) : undefined;
  const known =
    stored !== undefined && !stored.deleted && visibleTo(principal, storedClaim(stored));
  // Never stored: version 0, by nobody.
  const origin = runtimeOrigin({ version: 0, enabled: true, updatedAt: '', updatedBy: '' });
  const previous = known ? stored.document : null;
  const checked = await checkSubmission(deps, principal, parsed.value, previous, origin);
  if (!checked.ok) return checked;
  return { ok: true, value: await probe(deps, checked.value.registration, codes) };
}

/** Runs a connector built from `registration` once, outside routing, and reports what it did. */
async function probe(
  deps: ProbeDeps,
  registration: Registration,
  codes: readonly string[],
): Promise<ProbeReport> {
  const { id } = registration;
  // Validation found the kind.
  const kind = deps.kinds.get(registration.kind) as ConnectorKind<unknown>;
  const stopped = new Map<string, ProbeReport['expressionLimits'][number]>();
  const runtime = ConnectorRuntime.create(registration, kind, {
    logger: deps.logger,
    now: deps.now,
    network: deps.network,
    onExpression: (_registration, error) => {
      if (error === null) return;
      const entry = stopped.get(error.message) ?? {
        limit: error.limit,
        message: error.message,
        count: 0,
      };
      entry.count += 1;
      stopped.set(error.message, entry);
    },
  });
  try {
    const call = {
      requestId: `probe-${id}`,
      signal: AbortSignal.timeout(PROBE_BUDGET_MS),
      deadline: Date.now() + PROBE_BUDGET_MS,
    };
    const outcomes = codes.length === 0 ? [] : await runtime.getDossiers(codes, call);
    const found = outcomes.flatMap((outcome) =>
      outcome.kind === 'found' ? [outcome.dossier] : [],
    );
    let catalogue: ProbeReport['catalogue'] = null;
    if (runtime.servesProcedures) {
      const page = await runtime.listProcedures(null, call);
      catalogue =
        'error' in page
          ? { entries: 0, codes: [], warnings: [], error: page.error }
          : {
              entries: page.procedures.length,
              codes: page.procedures.slice(0, 10).map((procedure) => procedure.code),
              warnings: countWarnings(page.procedures, (problem) => problem),
              error: null,
            };
    }
    return {
      connector: id,
      dossiers: codes.map((code, index) => {
        const outcome = outcomes[index];
        return {
          code,
          found: outcome?.kind === 'found',
          error:
            outcome?.kind === 'error'
              ? outcome.error
              : outcome?.kind === 'notFound'
                ? errorDetail('DOSSIER_NOT_FOUND', `${id} has no dossier ${code}`, id)
                : null,
        };
      }),
      fieldsFilled: fieldsFilled(found),
      unmappedStatuses: [
        ...new Set(
          found
            .filter((dossier) => dossier.status.code === null)
            .map((dossier) => dossier.status.raw ?? ''),
        ),
      ],
      // Dossier values may be personal data: the warnings do not repeat them.
      warnings: countWarnings(found, (problem) => problem.replace(/"[^"]*"/g, '"…"')),
      sample: found[0] === undefined ? null : maskDossier(found[0]),
      catalogue,
      expressionLimits: [...stopped.values()],
    };
  } finally {
    await runtime.close();
  }
}

/** Mapping warnings counted by field and problem, the problem as `shown` tells. */
function countWarnings(
  found: ReadonlyArray<{ warnings: readonly MappingWarning[] }>,
  shown: (problem: string) => string,
): ProbeReport['warnings'] {
  const warnings = new Map<string, { field: string; problem: string; count: number }>();
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

/** The national fields worth filling, and how many found dossiers have a value in each. */
function fieldsFilled(found: readonly NationalDossier[]): ProbeReport['fieldsFilled'] {
  const fields: Array<[string, (dossier: NationalDossier) => unknown]> = [
    ['procedureCode', (d) => d.procedureCode],
    ['procedureName', (d) => d.procedureName],
    ['fieldCode', (d) => d.fieldCode],
    ['fieldName', (d) => d.fieldName],
    ['agencyCode', (d) => d.agencyCode],
    ['agencyName', (d) => d.agencyName],
    ['channel', (d) => d.channel],
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
  return fields.map(([field, read]) => ({
    field,
    filled: found.filter((dossier) => {
      const value = read(dossier);
      return value !== null && value !== undefined && value !== '';
    }).length,
    of: found.length,
  }));
}
