import type { PublicApiKey } from '../../auth/apiKeys';
import { roleFromGraphQL, roleToGraphQL } from '../../auth/roles';
import { toGraphQLError } from '../../errors/GatewayError';
import type { GatewayContext } from '../GatewayContext';

interface CreateApiKeyArgs {
  input: {
    name: string;
    role: string;
    agencies?: string[] | null;
    connectors?: string[] | null;
    expiresAt?: string | null;
  };
}

function keyView(key: PublicApiKey) {
  return { ...key, role: roleToGraphQL(key.role) };
}

export const authResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: GatewayContext) => {
      const principal = ctx.principal;
      return principal === null ? null : { ...principal, role: roleToGraphQL(principal.role) };
    },
    apiKeys: async (_: unknown, args: { includeRevoked: boolean }, ctx: GatewayContext) =>
      (await ctx.keys.list(args.includeRevoked)).map(keyView),
  },
  Mutation: {
    createApiKey: async (_: unknown, args: CreateApiKeyArgs, ctx: GatewayContext) => {
      const result = await ctx.keys.create(
        { ...args.input, role: roleFromGraphQL(args.input.role) },
        ctx.principal ?? 'cli',
      );
      if (!result.ok) throw toGraphQLError(result.error);
      return { key: result.value.key, apiKey: keyView(result.value.apiKey) };
    },
    revokeApiKey: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      const result = await ctx.keys.revoke(args.id, ctx.principal ?? 'cli');
      if (!result.ok) throw toGraphQLError(result.error);
      return keyView(result.value);
    },
  },
};
