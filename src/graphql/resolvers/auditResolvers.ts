import { toGraphQLError } from '../../errors/GatewayError';
import type { GatewayContext } from '../GatewayContext';

interface AuditLogArgs {
  filter?: {
    who?: string | null;
    action?: string | null;
    operation?: string | null;
    code?: string | null;
    from?: string | null;
    to?: string | null;
  } | null;
  first: number;
  after?: string | null;
}

export const auditResolvers = {
  Query: {
    auditLog: async (_: unknown, args: AuditLogArgs, ctx: GatewayContext) => {
      const filter = Object.fromEntries(
        Object.entries(args.filter ?? {}).filter(
          ([, value]) => value !== null && value !== undefined,
        ),
      );
      const page = await ctx.audit.query(filter, args.first, args.after ?? undefined);
      if (!page.ok) throw toGraphQLError(page.error);
      return {
        nodes: page.nodes,
        totalCount: page.totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
};
