import { toGraphQLError } from '../../errors/GatewayError';
import { dossierView, type DossierView } from '../dossierView';
import type { GatewayContext } from '../GatewayContext';

/**
 * Most dossier codes in one operation, lists and fields together (ARCHITECTURE.md "Per-item
 * results"); enforced before execution by src/server/dossierCodeLimitPlugin.ts.
 */
export const MAX_CODES_PER_OPERATION = 500;

export const dossierResolvers = {
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
