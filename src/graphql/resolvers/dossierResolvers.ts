import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { DateField, Fee, IdType } from '../../../connectors/model';
import type { DossierLookupResult } from '../../services/dossiers/DossierService';
import { withFilter } from 'graphql-subscriptions';
import { toGraphQLError } from '../../errors/GatewayError';
import { MAX_CODES_PER_OPERATION } from '../../domain/dossierCode';
import { dossierView, type DossierView } from '../dossierView';
import type { GatewayContext } from '../GatewayContext';
import { DOSSIER_CHANGED, type DossierChangedPayload } from '../dossierChangeFeed';
import { timelinessView } from '../timelinessView';
import { shownDue, timeGiven, untimedPaths } from '../dateOnlyView';

export const dossierResolvers = {
  Subscription: {
    dossierStatusChanged: {
      subscribe: async (
        _: unknown,
        args: { codes: string[] },
        ctx: GatewayContext,
        info: GraphQLResolveInfo,
      ) => {
        if (args.codes.length > MAX_CODES_PER_OPERATION) {
          throw new GraphQLError(
            `dossierStatusChanged takes at most ${MAX_CODES_PER_OPERATION} codes, got ${args.codes.length}`,
            {
              extensions: { code: 'BAD_USER_INPUT' },
            },
          );
        }
        // Codes that could never change (malformed, no system) are refused up front, as a query
        // would answer them, instead of leaving a subscription that waits forever. Changes are
        // announced by the dossier's key (upper-cased for a system whose codes are
        // case-insensitive), so each code is listened for by its key.
        const wanted = new Set<string>();
        for (const code of args.codes) {
          const routed = ctx.dossiers.route(code);
          if (!routed.ok) {
            throw new GraphQLError(routed.error.message, {
              extensions: { code: routed.error.code },
            });
          }
          wanted.add(routed.route.key);
        }
        // An auditor's subscription is a cross-agency read: on record before it starts.
        if (ctx.principal?.role === 'auditor') {
          const written = await ctx.audit.record(ctx.principal, {
            action: 'subscribe.crossAgency',
            operation: `${info.operation.name?.value ?? 'anonymous'}/${info.fieldName}`,
            codes: [...args.codes],
            scope: null,
            purpose: null,
            outcome: 'ok',
          });
          if (!written.ok) throw toGraphQLError(written.error);
        }
        return withFilter(
          () => ctx.dossierChanges.asyncIterableIterator(DOSSIER_CHANGED),
          (payload?: DossierChangedPayload) => payload !== undefined && wanted.has(payload.code),
        )();
      },
      resolve: (payload: DossierChangedPayload, args: { codes: string[] }, ctx: GatewayContext) => {
        // Answered under the code the subscriber asked (its case may differ from the key's).
        const lookup = ctx.freshLookup();
        const asked = args.codes.includes(payload.code)
          ? payload.code
          : (args.codes.find((code) => {
              const routed = lookup.route(code);
              return routed.ok && routed.route.key === payload.code;
            }) ?? payload.code);
        return lookup.load(asked).then((result) => ({
          code: asked,
          connector: payload.connectorId,
          changedAt: payload.changedAt,
          dossier: result.ok ? dossierView(result.answer) : null,
          error: result.ok ? null : result.error,
        }));
      },
    },
  },
  Query: {
    // No `await` before `load`: every field resolved in this tick joins one batch per system.
    // An audited read is recorded after the loads and before the answer leaves (awaited).
    dossier: (
      _: unknown,
      args: { code: string; purpose?: string | null },
      ctx: GatewayContext,
      info: GraphQLResolveInfo,
    ) => {
      const access = readAccess(ctx, args.purpose);
      return ctx.dossiers.load(args.code, access.unmask).then(async (result) => {
        await audited(ctx, info, access, [args.code], [result]);
        if (!result.ok) throw toGraphQLError(result.error);
        return dossierView(result.answer);
      });
    },

    dossiers: (
      _: unknown,
      args: { codes: string[]; purpose?: string | null },
      ctx: GatewayContext,
      info: GraphQLResolveInfo,
    ) => {
      const access = readAccess(ctx, args.purpose);
      return ctx.dossiers.loadMany(args.codes, access.unmask).then(async (results) => {
        await audited(ctx, info, access, args.codes, results);
        return results.map((result, index) =>
          result.ok
            ? { code: args.codes[index], dossier: dossierView(result.answer), error: null }
            : { code: args.codes[index], dossier: null, error: result.error },
        );
      });
    },
  },
  Dossier: {
    /** A due date given without a time: the end of that working day in the agency's hours. */
    dueAt: (dossier: DossierView, _: unknown, ctx: GatewayContext) =>
      shownDue(dossier, 'dueAt', dossier.dueAt, ctx.workingTime.forAgency(dossier.agencyCode)),
    dueAtTimeGiven: (dossier: DossierView) => timeGiven(dossier, 'dueAt', dossier.dueAt),
    datesWithoutTime: (dossier: DossierView) => untimedPaths(dossier),
    history: (dossier: DossierView, _: unknown, ctx: GatewayContext) => {
      const time = ctx.workingTime.forAgency(dossier.agencyCode);
      return dossier.history.map((step) =>
        step.datesWithoutTime === undefined
          ? step
          : { ...step, dueAt: shownDue(step, 'dueAt', step.dueAt, time) },
      );
    },
    supplements: (dossier: DossierView, _: unknown, ctx: GatewayContext) => {
      const time = ctx.workingTime.forAgency(dossier.agencyCode);
      return dossier.supplements.map((round) =>
        round.datesWithoutTime === undefined
          ? round
          : {
              ...round,
              dueBefore: shownDue(round, 'dueBefore', round.dueBefore, time),
              dueAfter: shownDue(round, 'dueAfter', round.dueAfter, time),
            },
      );
    },
    agency: (dossier: DossierView, _: unknown, ctx: GatewayContext) =>
      dossier.agencyCode === null ? null : (ctx.agencies.get(dossier.agencyCode) ?? null),
    heldBy: (dossier: DossierView, _: unknown, ctx: GatewayContext) =>
      dossier.heldByCode === null ? null : (ctx.agencies.get(dossier.heldByCode) ?? null),
    /** Through the catalogue index; a local code the index lacks falls back to its national code. */
    procedure: (dossier: DossierView, _: unknown, ctx: GatewayContext) => {
      // The catalogue changes with each sync: an answer that shows it is not kept as bytes.
      ctx.recorder?.refuse();
      return dossier.procedureCode === null
        ? null
        : (ctx.catalogue.find(dossier.procedureCode) ?? null);
    },
    /** Indicator 2.1's rule in the agency's working time, judged now for an unfinished dossier. */
    timeliness: (dossier: DossierView, _: unknown, ctx: GatewayContext) => {
      const judged = ctx.workingTime.judge(dossier, dossier.agencyCode, new Date());
      if (ctx.recorder !== undefined && judged.state === 'IN_PROGRESS') {
        // Unfinished: overdue hours grow, and a supplement wait under way moves the due date,
        // with every moment; otherwise the judgement holds until the due date passes.
        let latest: { at: string; code: number | null } | null = null;
        for (const step of dossier.history) {
          // The last of steps at the same time, as the on-time rule's sort leaves them.
          if (step.at !== null && (latest === null || Date.parse(step.at) >= Date.parse(latest.at)))
            latest = { at: step.at, code: step.status?.code ?? null };
        }
        if (judged.overdue || dossier.status.code === 5 || latest?.code === 5)
          ctx.recorder.refuse();
        else ctx.recorder.until(Date.parse(judged.dueAt));
      }
      return timelinessView(judged);
    },
  },
  ApplicantId: {
    kind: (id: { type: string | null }) =>
      id.type !== null && Object.hasOwn(ID_KINDS, id.type)
        ? ID_KINDS[id.type as keyof typeof ID_KINDS]
        : null,
  },
  HistoryStep: {
    dueAtTimeGiven: (step: MaybeDue) => timeGiven(step, 'dueAt', step.dueAt ?? null),
  },
  SupplementRound: {
    dueBeforeTimeGiven: (round: MaybeDue) => timeGiven(round, 'dueBefore', round.dueBefore ?? null),
    dueAfterTimeGiven: (round: MaybeDue) => timeGiven(round, 'dueAfter', round.dueAfter ?? null),
  },
  DossierSource: {
    connectorName: (source: DossierView['source'], _: unknown, ctx: GatewayContext) =>
      ctx.connectorName(source.connector),
  },
  /** Dossiers' and catalogues' fees. One read before `charged` and `text` existed (a cached
   * dossier, a kind written as code) has `charged` from its amount. */
  Fee: {
    charged: (fee: Fee) =>
      fee.charged !== undefined ? fee.charged : fee.amount === null ? null : fee.amount > 0,
    text: (fee: Fee) => fee.text ?? null,
  },
};

/** The GraphQL `IdKind` of each identity type (connectors/model.ts `ID_TYPES`). */
const ID_KINDS: Readonly<Record<IdType, string>> = {
  '1': 'PERSONAL_ID',
  '2': 'OLD_ID_CARD',
  MST: 'TAX_CODE',
  HC: 'PASSPORT',
};

/** A history step or supplement round as the resolvers above pass it on. */
interface MaybeDue {
  dueAt?: string | null;
  dueBefore?: string | null;
  dueAfter?: string | null;
  datesWithoutTime?: readonly DateField[] | undefined;
}

/** How one read may see personal data, and what the audit log must say of it. */
interface ReadAccess {
  unmask: boolean;
  /** `read.unmasked` (a purpose was stated), `read.crossAgency` (an auditor), or none. */
  action: 'read.unmasked' | 'read.crossAgency' | null;
  purpose: string | null;
}

/**
 * Personal data is unmasked only for AUDITOR and ADMIN, only with a stated purpose; a purpose from
 * any other role is refused rather than ignored, so nobody believes they saw unmasked data.
 * Auditors' reads are cross-agency reads and recorded even when masked.
 */
export function readAccess(ctx: GatewayContext, purpose: string | null | undefined): ReadAccess {
  const role = ctx.principal?.role;
  const stated = purpose === null || purpose === undefined ? null : purpose.normalize('NFC').trim();
  if (stated !== null) {
    if (role !== 'auditor' && role !== 'admin') {
      throw new GraphQLError(`role ${role ?? 'anonymous'} may not unmask personal data`, {
        extensions: { code: 'FORBIDDEN' },
      });
    }
    if (stated.length < 10 || stated.length > 500) {
      throw new GraphQLError(
        'purpose must be 10–500 characters saying why personal data is needed',
        {
          extensions: { code: 'BAD_USER_INPUT' },
        },
      );
    }
    return { unmask: true, action: 'read.unmasked', purpose: stated };
  }
  return { unmask: false, action: role === 'auditor' ? 'read.crossAgency' : null, purpose: null };
}

async function audited(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  access: ReadAccess,
  codes: readonly string[],
  results: readonly DossierLookupResult[],
): Promise<void> {
  if (access.action === null || ctx.principal === null) return;
  // Every audited read is written one by one: its answer is never kept as bytes.
  ctx.recorder?.refuse();
  const found = results.filter((result) => result.ok).length;
  const written = await ctx.audit.record(ctx.principal, {
    action: access.action,
    operation: `${info.operation.name?.value ?? 'anonymous'}/${info.fieldName}`,
    codes: [...codes],
    scope: null,
    purpose: access.purpose,
    outcome: `found ${found}, errors ${results.length - found}`,
  });
  if (!written.ok) throw toGraphQLError(written.error);
}
