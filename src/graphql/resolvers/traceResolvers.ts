import type { GraphQLResolveInfo } from 'graphql';
import { toGraphQLError } from '../../errors/GatewayError';
import { vietnamIso } from '../../domain/vietnamTime';
import { statusView } from '../dossierView';
import type { GatewayContext } from '../GatewayContext';
import { hours, timelinessView } from '../timelinessView';
import { readAccess } from './dossierResolvers';

const at = (iso: string | null) => (iso === null ? null : vietnamIso(new Date(iso)));

export const traceResolvers = {
  Query: {
    dossierTrace: async (
      _: unknown,
      args: { code: string; purpose?: string | null },
      ctx: GatewayContext,
      info: GraphQLResolveInfo,
    ) => {
      const principal = ctx.principal;
      if (principal === null) throw new TypeError('no principal behind @allow');
      // A step's free text may name people: shown only with a stated purpose.
      const access = readAccess(ctx, args.purpose);
      const trace = await ctx.trace.trace(principal, args.code, ctx.call);
      if (!('parts' in trace)) throw toGraphQLError(trace);
      // Every trace is on record before it is answered (cross-agency by nature).
      const written = await ctx.audit.record(principal, {
        action: 'read.trace',
        operation: `${info.operation.name?.value ?? 'anonymous'}/${info.fieldName}`,
        codes: [...new Set(trace.parts.map((part) => part.code))],
        // Which system each part was read from (a configured part shares another's code).
        scope: `${trace.reference ?? 'no reference'}; ${trace.parts.map((part) => `${part.code}@${part.connector ?? '-'}`).join(', ')}`,
        purpose: access.purpose,
        outcome: `parts ${trace.parts.length}, missing ${trace.parts.filter((p) => !p.found).length}`,
      });
      if (!written.ok) throw toGraphQLError(written.error);
      return {
        ...trace,
        parts: trace.parts.map((part) => ({
          ...part,
          agency: part.agencyCode,
          receivedAt: at(part.receivedAt),
          endedAt: at(part.endedAt),
          timeliness: part.timeliness === null ? null : timelinessView(part.timeliness),
          workingHours: hours(part.workingMs),
        })),
        timeline: trace.timeline.map((step) => ({
          ...step,
          agency: step.agencyCode,
          action: access.unmask ? step.action : null,
          status: step.status === null ? null : statusView(step.status),
          startedAt: at(step.startedAt),
          endedAt: at(step.endedAt),
          workingHours: hours(step.workingMs),
        })),
        totals: trace.totals.map((total) => ({
          ...total,
          agency: total.agencyCode,
          workingHours: hours(total.workingMs),
        })),
        overall: trace.overall === null ? null : timelinessView(trace.overall),
        elapsedWorkingHours: hours(trace.elapsedWorkingMs),
        lateParts: trace.lateParts.map((part) => ({
          code: part.code,
          agency: part.agencyCode,
          lateByHours: hours(part.lateByMs),
        })),
      };
    },
  },
};
