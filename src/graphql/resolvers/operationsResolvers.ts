import { vietnamIso } from '../../domain/vietnamTime';
import type { GatewayContext } from '../GatewayContext';

/** Every root field is behind `@allow`, so the principal is there. */
function principal(ctx: GatewayContext) {
  if (ctx.principal === null) throw new TypeError('no principal behind @allow');
  return ctx.principal;
}

const at = (iso: string | null) => (iso === null ? null : vietnamIso(new Date(iso)));

export const operationsResolvers = {
  Query: {
    inspectDossier: (_: unknown, args: { code: string }, ctx: GatewayContext) =>
      ctx.operations.inspect(principal(ctx), args.code, ctx.call),
  },
  Connector: {
    health: async (connector: { id: string }, _: unknown, ctx: GatewayContext) => {
      const health = await ctx.operations.health(connector.id);
      return {
        ...health,
        lastCallAt: at(health.lastCallAt),
        lastError:
          health.lastError === null ? null : { ...health.lastError, at: at(health.lastError.at) },
      };
    },
    changes: (connector: { id: string }, _: unknown, ctx: GatewayContext) =>
      ctx.operations.changes(connector.id),
  },
};
