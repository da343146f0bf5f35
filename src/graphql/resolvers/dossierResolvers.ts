import { GraphQLError } from 'graphql';
import { withFilter, type PubSub } from 'graphql-subscriptions';
import { toGraphQLError } from '../../errors/GatewayError';
import { dossierView, type DossierView } from '../dossierView';
import type { GatewayContext } from '../GatewayContext';

/**
 * Most dossier codes in one operation, lists and fields together (ARCHITECTURE.md "Per-item
 * results"); enforced before execution by src/server/dossierCodeLimitPlugin.ts.
 */
export const MAX_CODES_PER_OPERATION = 500;

/** Topic of the in-process fan-out of dossier changes (fed by the DossierEvents bus). */
export const DOSSIER_CHANGED = 'DOSSIER_CHANGED';

export interface DossierChangedPayload {
  code: string;
  connectorId: string;
  changedAt: string;
}

/** The in-process fan-out of one gateway (graphql-subscriptions' PubSub), in its context. */
export type DossierChangeFeed = PubSub<Record<typeof DOSSIER_CHANGED, DossierChangedPayload>>;

export const dossierResolvers = {
  Subscription: {
    dossierStatusChanged: {
      subscribe: (_: unknown, args: { codes: string[] }, ctx: GatewayContext) => {
        if (args.codes.length > MAX_CODES_PER_OPERATION) {
          throw new GraphQLError(
            `dossierStatusChanged takes at most ${MAX_CODES_PER_OPERATION} codes, got ${args.codes.length}`,
            {
              extensions: { code: 'BAD_USER_INPUT' },
            },
          );
        }
        // Codes that could never change (malformed, no system) are refused up front, as a query
        // would answer them, instead of leaving a subscription that waits forever.
        for (const code of args.codes) {
          const routed = ctx.dossiers.route(code);
          if (!routed.ok) {
            throw new GraphQLError(routed.error.message, {
              extensions: { code: routed.error.code },
            });
          }
        }
        const wanted = new Set(args.codes);
        return withFilter(
          () => ctx.dossierChanges.asyncIterableIterator(DOSSIER_CHANGED),
          (payload?: DossierChangedPayload) => payload !== undefined && wanted.has(payload.code),
        )();
      },
      resolve: (payload: DossierChangedPayload, _: unknown, ctx: GatewayContext) =>
        ctx
          .freshLookup()
          .load(payload.code)
          .then((result) => ({
            code: payload.code,
            connector: payload.connectorId,
            changedAt: payload.changedAt,
            dossier: result.ok ? dossierView(result.answer) : null,
            error: result.ok ? null : result.error,
          })),
    },
  },
  Query: {
    // No `await` before `load`: every field resolved in this tick joins one batch per system.
    dossier: (_: unknown, args: { code: string }, ctx: GatewayContext) =>
      ctx.dossiers.load(args.code).then((result) => {
        if (!result.ok) throw toGraphQLError(result.error);
        return dossierView(result.answer);
      }),

    dossiers: (_: unknown, args: { codes: string[] }, ctx: GatewayContext) =>
      ctx.dossiers
        .loadMany(args.codes)
        .then((results) =>
          results.map((result, index) =>
            result.ok
              ? { code: args.codes[index], dossier: dossierView(result.answer), error: null }
              : { code: args.codes[index], dossier: null, error: result.error },
          ),
        ),
  },
  Dossier: {
    agency: (dossier: DossierView, _: unknown, ctx: GatewayContext) =>
      dossier.agencyCode === null ? null : (ctx.agencies.get(dossier.agencyCode) ?? null),
    /** Through the catalogue index; a local code the index lacks falls back to its national code. */
    procedure: (dossier: DossierView, _: unknown, ctx: GatewayContext) =>
      dossier.procedureCode === null ? null : (ctx.catalogue.find(dossier.procedureCode) ?? null),
  },
  DossierSource: {
    connectorName: (source: DossierView['source'], _: unknown, ctx: GatewayContext) =>
      ctx.connectorName(source.connector),
  },
};
