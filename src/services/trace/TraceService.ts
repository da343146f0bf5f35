import type { CallContext, Logger } from '../../../connectors/contract';
import type { NationalDossier, StatusValue } from '../../../connectors/model';
import type { Principal } from '../../auth/Principal';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import type { WorkingTime } from '../calendar/WorkingTime';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { processingEnd, type Timeliness } from '../calendar/onTime';
import type { WorkingTimeService } from '../calendar/WorkingTimeService';
import type { DossierFetcher } from '../dossiers/DossierFetcher';
import { withAgencyStatusMeaning } from '../../domain/agencyStatusMeaning';
import type { DossierService } from '../dossiers/DossierService';
import { resolveAgencyRoute } from '../../domain/routeDossierCode';
import { vietnamDate } from '../../domain/vietnamTime';
import type { InterAgencyProcedures } from './interAgencyProcedures';

/** How a part was found. */
export type Discovery = 'START' | 'LINK' | 'CONFIGURATION';

export interface TracePart {
  code: string;
  /** The agency whose part this is (the code's own, or the configured participant's). */
  agencyCode: string | null;
  agencyName: string | null;
  connector: string | null;
  discoveredBy: Discovery;
  /** Where it was found from: the code that named it, or the procedure configuration. */
  discoveredFrom: string | null;
  found: boolean;
  /** Why it is missing, when it is. */
  missing: ErrorDetail | null;
  receivedAt: string | null;
  endedAt: string | null;
  timeliness: Timeliness | null;
  /** Office time from receipt to the end (or to now, while it goes on), in this agency's hours. */
  workingMs: number;
}

export interface TraceStep {
  partCode: string;
  agencyCode: string | null;
  agencyName: string | null;
  /** The department or unit that acted. */
  unit: string | null;
  action: string | null;
  status: StatusValue | null;
  startedAt: string;
  /** The part's next step, or the part's end; null while it is the current step. */
  endedAt: string | null;
  workingMs: number;
}

export interface DossierTrace {
  code: string;
  reference: string | null;
  procedureCode: string | null;
  procedureName: string | null;
  parts: TracePart[];
  timeline: TraceStep[];
  /**
   * Per agency: office time over the union of its parts' intervals (two parts of one agency open
   * at once count once), and its steps. Agencies' times overlap while parts run side by side, so
   * their sum is not the matter's time: that is `elapsedWorkingMs`.
   */
  totals: Array<{
    agencyCode: string | null;
    agencyName: string | null;
    workingMs: number;
    steps: number;
  }>;
  /** The matter as the citizen sees it: the part that received it from them. */
  overall: Timeliness | null;
  /**
   * Office time from the first part's receipt to the last part's end (now while one goes on), over
   * the union of all parts' intervals, in the hours of the part that received the matter.
   */
  elapsedWorkingMs: number;
  /** Parts that ended after their own due date (or are past it), most late first. */
  lateParts: Array<{ code: string; agencyCode: string | null; lateByMs: number }>;
}

/** A part to fetch, and how it was found. */
interface Pending {
  code: string;
  connector: string | null;
  agencyCode: string | null;
  discoveredBy: Discovery;
  discoveredFrom: string | null;
  problem?: ErrorDetail;
}

/** Most parts followed for one trace; real matters have two or three. */
const MAX_PARTS = 10;

export interface TraceDeps {
  dossiers: DossierService;
  fetcher: DossierFetcher;
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  workingTime: WorkingTimeService;
  procedures: InterAgencyProcedures;
  logger: Logger;
  now: () => Date;
}

/**
 * One merged, ordered timeline of an inter-agency matter (một cửa liên thông) across every
 * agency's system it passed through. Parts are found from the links the systems carry (other
 * parts' codes) and from the per-procedure configuration where systems do not link (the same code
 * at a configured participant's system); each wave of parts is fetched in parallel through the
 * connectors (and their caches). A part that cannot be read is shown as missing with the reason,
 * never dropped.
 */
export class TraceService {
  constructor(private readonly deps: TraceDeps) {}

  async trace(
    principal: Principal | null,
    code: string,
    call: CallContext,
  ): Promise<DossierTrace | ErrorDetail> {
    const lookup = this.deps.dossiers.createLookup(call, { unmask: false, principal });
    const routed = lookup.route(code);
    if (!routed.ok) return routed.error;
    const seen = new Set<string>();
    const key = (p: { connector: string | null; code: string }) =>
      `${p.connector ?? '-'}|${p.code}`;
    const parts: Array<{
      pending: Pending;
      dossier: NationalDossier | null;
      missing: ErrorDetail | null;
    }> = [];
    let wave: Pending[] = [
      {
        code,
        connector: routed.route.connectorId,
        agencyCode: routed.route.agencyCode,
        discoveredBy: 'START',
        discoveredFrom: null,
      },
    ];
    seen.add(key(wave[0] as Pending));
    while (wave.length > 0 && parts.length < MAX_PARTS) {
      const room = MAX_PARTS - parts.length;
      for (const skipped of wave.slice(room)) {
        parts.push({
          pending: skipped,
          dossier: null,
          missing: errorDetail(
            'BAD_USER_INPUT',
            `not followed: a trace follows at most ${MAX_PARTS} parts`,
            skipped.connector,
            false,
          ),
        });
      }
      const fetched = await Promise.all(
        wave.slice(0, room).map((pending) => this.fetch(pending, call)),
      );
      parts.push(...fetched);
      const next: Pending[] = [];
      for (const { pending, dossier } of fetched) {
        if (dossier === null) continue;
        // Parts this system names.
        for (const link of dossier.interAgency.parts) {
          const route = lookup.route(link.code);
          const candidate: Pending = route.ok
            ? {
                code: link.code,
                connector: route.route.connectorId,
                agencyCode: link.agencyCode ?? route.route.agencyCode,
                discoveredBy: 'LINK',
                discoveredFrom: pending.code,
              }
            : {
                code: link.code,
                connector: null,
                agencyCode: link.agencyCode,
                discoveredBy: 'LINK',
                discoveredFrom: pending.code,
                problem: route.error,
              };
          if (!seen.has(key(candidate))) {
            seen.add(key(candidate));
            next.push(candidate);
          }
        }
        // Participants the procedure's configuration names, where systems do not link: their
        // part carries the same code as a part found, so each found part's code is tried.
        const procedure = this.deps.procedures.get(dossier.procedureCode);
        if (procedure === undefined) continue;
        for (const participant of procedure.parts) {
          const agency = this.deps.directory.get(participant.agency);
          const target =
            agency === undefined
              ? undefined
              : resolveAgencyRoute(
                  agency,
                  this.deps.directory,
                  this.deps.registry.coverage,
                  vietnamDate(this.deps.now()),
                );
          const candidate: Pending =
            target === undefined
              ? {
                  code: pending.code,
                  connector: null,
                  agencyCode: participant.agency,
                  discoveredBy: 'CONFIGURATION',
                  discoveredFrom: `procedure ${procedure.code}`,
                  problem: errorDetail(
                    'NO_CONNECTOR',
                    `No registered system covers agency ${participant.agency}, a participant of procedure ${procedure.code}`,
                  ),
                }
              : {
                  code: pending.code,
                  connector: target.id,
                  agencyCode: participant.agency,
                  discoveredBy: 'CONFIGURATION',
                  discoveredFrom: `procedure ${procedure.code}`,
                };
          if (!seen.has(key(candidate))) {
            seen.add(key(candidate));
            next.push(candidate);
          }
        }
      }
      wave = next;
    }
    // A configured participant tried under several codes: the misses do not count once one hit.
    const foundAt = new Set(
      parts
        .filter((p) => p.dossier !== null && p.pending.discoveredBy === 'CONFIGURATION')
        .map((p) => p.pending.agencyCode),
    );
    const kept = parts.filter(
      (p) =>
        !(
          p.dossier === null &&
          p.pending.discoveredBy === 'CONFIGURATION' &&
          foundAt.has(p.pending.agencyCode)
        ),
    );
    return this.assemble(code, kept);
  }

  /**
   * One part. A linked part goes through the fetcher (its cache is keyed by code, and the code
   * routes to this system); a configured participant's part shares another system's code, so it
   * is asked directly, without touching that code's cache entry.
   */
  private async fetch(
    pending: Pending,
    call: CallContext,
  ): Promise<{ pending: Pending; dossier: NationalDossier | null; missing: ErrorDetail | null }> {
    if (pending.problem !== undefined || pending.connector === null)
      return { pending, dossier: null, missing: pending.problem ?? null };
    try {
      if (pending.discoveredBy === 'CONFIGURATION') {
        const runtime = this.deps.registry.runtime(pending.connector);
        if (runtime === undefined) {
          return {
            pending,
            dossier: null,
            missing: errorDetail(
              'NO_CONNECTOR',
              `${pending.connector} is not registered now`,
              pending.connector,
            ),
          };
        }
        const [outcome] = await runtime.getDossiers([pending.code], call);
        if (outcome?.kind === 'found')
          return { pending, dossier: this.read(outcome.dossier, pending), missing: null };
        return {
          pending,
          dossier: null,
          missing:
            outcome?.kind === 'error'
              ? outcome.error
              : errorDetail(
                  'DOSSIER_NOT_FOUND',
                  `${pending.connector} has no dossier ${pending.code}`,
                  pending.connector,
                  false,
                ),
        };
      }
      const [result] = await this.deps.fetcher.fetch(pending.connector, [pending.code], call);
      return result?.ok === true
        ? { pending, dossier: this.read(result.entry.dossier, pending), missing: null }
        : { pending, dossier: null, missing: result?.ok === false ? result.error : null };
    } catch (error) {
      this.deps.logger.error(
        { connector: pending.connector, requestId: call.requestId, err: (error as Error).message },
        'trace: a part could not be fetched',
      );
      return {
        pending,
        dossier: null,
        missing: errorDetail(
          'INTERNAL_SERVER_ERROR',
          'the part could not be fetched; the failure is logged',
          pending.connector,
        ),
      };
    }
  }

  /** A part as the directory reads it: its agency's status practice (`lossyStatuses`). */
  private read(dossier: NationalDossier, pending: Pending): NationalDossier {
    return withAgencyStatusMeaning(dossier, this.deps.directory, pending.agencyCode);
  }

  private assemble(
    code: string,
    fetched: Array<{
      pending: {
        code: string;
        connector: string | null;
        agencyCode: string | null;
        discoveredBy: Discovery;
        discoveredFrom: string | null;
      };
      dossier: NationalDossier | null;
      missing: ErrorDetail | null;
    }>,
  ): DossierTrace {
    const now = this.deps.now();
    const name = (agencyCode: string | null) =>
      agencyCode === null ? null : (this.deps.directory.get(agencyCode)?.name ?? null);
    const parts: TracePart[] = [];
    const timeline: TraceStep[] = [];
    for (const { pending, dossier, missing } of fetched) {
      const agencyCode = pending.agencyCode ?? dossier?.agencyCode ?? null;
      const time = this.deps.workingTime.forAgency(agencyCode);
      if (dossier === null) {
        parts.push({
          code: pending.code,
          agencyCode,
          agencyName: name(agencyCode),
          connector: pending.connector,
          discoveredBy: pending.discoveredBy,
          discoveredFrom: pending.discoveredFrom,
          found: false,
          missing:
            missing ??
            errorDetail('INTERNAL_SERVER_ERROR', `${pending.code}: no answer`, pending.connector),
          receivedAt: null,
          endedAt: null,
          timeliness: null,
          workingMs: 0,
        });
        continue;
      }
      const timeliness = this.deps.workingTime.judge(dossier, agencyCode, now);
      const ended = processingEnd(dossier);
      const endedAt = ended === null ? null : ended.toISOString();
      const steps = dossier.history
        .filter((step) => step.at !== null)
        .sort((a, b) => (a.at as string).localeCompare(b.at as string));
      steps.forEach((step, index) => {
        const start = new Date(step.at as string);
        const following = steps[index + 1]?.at ?? null;
        // The last step ends with the part, or is current; a step after the end lasts no time.
        const candidate = following ?? endedAt;
        const end =
          candidate === null
            ? null
            : new Date(candidate).getTime() < start.getTime()
              ? start.toISOString()
              : candidate;
        const endDate = end === null ? now : new Date(end);
        timeline.push({
          partCode: dossier.code,
          agencyCode,
          agencyName: name(agencyCode),
          unit: step.department,
          action: step.content,
          status: step.status,
          startedAt: start.toISOString(),
          endedAt: end === null ? null : new Date(end).toISOString(),
          workingMs: time.between(start, endDate),
        });
      });
      const receivedAt = dossier.receivedAt ?? steps[0]?.at ?? null;
      parts.push({
        code: dossier.code,
        agencyCode,
        agencyName: name(agencyCode),
        connector: pending.connector,
        discoveredBy: pending.discoveredBy,
        discoveredFrom: pending.discoveredFrom,
        found: true,
        missing: null,
        receivedAt: receivedAt === null ? null : new Date(receivedAt).toISOString(),
        endedAt,
        timeliness,
        workingMs:
          receivedAt === null
            ? 0
            : time.between(new Date(receivedAt), endedAt === null ? now : new Date(endedAt)),
      });
    }
    timeline.sort(
      (a, b) =>
        a.startedAt.localeCompare(b.startedAt) ||
        (a.agencyCode ?? '').localeCompare(b.agencyCode ?? ''),
    );
    const found = parts.filter((part) => part.found);
    const totals = new Map<
      string,
      { agencyCode: string | null; agencyName: string | null; workingMs: number; steps: number }
    >();
    for (const part of found) {
      const key = part.agencyCode ?? '-';
      if (totals.has(key)) continue;
      const own = found.filter((other) => (other.agencyCode ?? '-') === key);
      totals.set(key, {
        agencyCode: part.agencyCode,
        agencyName: part.agencyName,
        workingMs: workingTimeOver(own, this.deps.workingTime.forAgency(part.agencyCode), now),
        steps: timeline.filter(
          (step) =>
            own.some((p) => p.code === step.partCode) && step.agencyCode === part.agencyCode,
        ).length,
      });
    }
    const first = [...found].sort((a, b) =>
      // Parts without a receipt date last: the first part is the one that received the matter.
      (a.receivedAt ?? '9999').localeCompare(b.receivedAt ?? '9999'),
    )[0];
    const start = fetched.find((f) => f.pending.discoveredBy === 'START')?.dossier ?? null;
    const lateParts = found
      .filter((part) => {
        const t = part.timeliness;
        return t !== null && (t.state === 'LATE' || (t.state === 'IN_PROGRESS' && t.overdue));
      })
      .map((part) => ({
        code: part.code,
        agencyCode: part.agencyCode,
        lateByMs:
          part.timeliness !== null && 'lateByMs' in part.timeliness ? part.timeliness.lateByMs : 0,
      }))
      .sort((a, b) => b.lateByMs - a.lateByMs);
    const references = fetched
      .map((f) => f.dossier?.interAgency.reference)
      .filter((r): r is string => typeof r === 'string');
    return {
      code,
      reference: references[0] ?? null,
      procedureCode: start?.procedureCode ?? null,
      procedureName: start?.procedureName ?? null,
      parts,
      timeline,
      totals: [...totals.values()],
      overall: first?.timeliness ?? null,
      elapsedWorkingMs: workingTimeOver(
        found,
        this.deps.workingTime.forAgency(first?.agencyCode ?? null),
        now,
      ),
      lateParts,
    };
  }
}

/** Office time over the union of parts' intervals (receipt to end, or to `now` while open). */
function workingTimeOver(
  parts: ReadonlyArray<Pick<TracePart, 'receivedAt' | 'endedAt'>>,
  time: WorkingTime,
  now: Date,
): number {
  return time.overUnion(
    parts
      .filter((part) => part.receivedAt !== null)
      .map((part) => [
        new Date(part.receivedAt as string),
        part.endedAt === null ? now : new Date(part.endedAt),
      ]),
  );
}
