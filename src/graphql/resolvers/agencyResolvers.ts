import type { NationalStatusCode } from '../../../connectors/model';
import { nationalStatus } from '../../domain/nationalStatuses';
import type { Agency, Successor } from '../../domain/AgencyDirectory';
import { toGraphQLError } from '../../errors/GatewayError';
import type { DirectoryResult } from '../../services/agencies/directoryResults';
import type { GatewayContext } from '../GatewayContext';

function unwrap<T>(result: DirectoryResult<T>): T {
  if (!result.ok) throw toGraphQLError(result.error);
  return result.value;
}

/** The changes are behind `@allow(roles: [ADMIN])`, so the principal is there. */
function principal(ctx: GatewayContext) {
  if (ctx.principal === null) throw new TypeError('no principal behind @allow');
  return ctx.principal;
}

interface AgenciesArgs {
  search?: string | null;
  level?: number | null;
  parent?: string | null;
  activeOn?: string | null;
  first: number;
  after?: string | null;
}

export const agencyResolvers = {
  Query: {
    agency: (_: unknown, args: { code: string }, ctx: GatewayContext) => {
      const found = ctx.agencies.find(args.code);
      if (!found.ok) throw toGraphQLError(found.error);
      return found.agency;
    },
    agencies: (_: unknown, args: AgenciesArgs, ctx: GatewayContext) => {
      const result = ctx.agencies.page(
        {
          search: args.search ?? undefined,
          level: args.level ?? undefined,
          parent: args.parent ?? undefined,
          activeOn: args.activeOn ?? undefined,
        },
        args.first,
        args.after ?? undefined,
      );
      if (!result.ok) throw toGraphQLError(result.error);
      const { nodes, totalCount, hasNextPage, endCursor } = result.page;
      return { nodes, totalCount, pageInfo: { hasNextPage, endCursor } };
    },
    agencyEntryVersions: async (_: unknown, args: { code: string }, ctx: GatewayContext) =>
      unwrap(await ctx.agencies.entryVersions(args.code)),
  },
  Mutation: {
    putAgencyEntry: async (
      _: unknown,
      args: { entry: string; version: number; note?: string | null },
      ctx: GatewayContext,
    ) =>
      unwrap(
        await ctx.agencies.putEntry(principal(ctx), args.entry, args.version, args.note ?? null),
      ),
    deleteAgencyEntry: async (
      _: unknown,
      args: { code: string; version: number; note?: string | null },
      ctx: GatewayContext,
    ) =>
      unwrap(
        await ctx.agencies.deleteEntry(principal(ctx), args.code, args.version, args.note ?? null),
      ),
  },
  Agency: {
    parent: (agency: Agency, _: unknown, ctx: GatewayContext) =>
      agency.parent === null ? null : (ctx.agencies.get(agency.parent) ?? null),
    units: (agency: Agency, _: unknown, ctx: GatewayContext) =>
      ctx.agencies.childrenOf(agency.code),
    active: (agency: Agency, _: unknown, ctx: GatewayContext) => ctx.agencies.isActive(agency),
    predecessors: (agency: Agency, _: unknown, ctx: GatewayContext) =>
      ctx.agencies.predecessors(agency.code),
    origin: (agency: Agency, _: unknown, ctx: GatewayContext) => ctx.agencies.origin(agency).origin,
    version: (agency: Agency, _: unknown, ctx: GatewayContext) =>
      ctx.agencies.origin(agency).version,
    entry: (agency: Agency, _: unknown, ctx: GatewayContext) => ctx.agencies.entry(agency),
    lossyStatuses: (agency: Agency, _: unknown, ctx: GatewayContext) =>
      Object.entries(ctx.agencies.lossyStatuses(agency) ?? {})
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([code, others]) => ({
          status: nationalStatus(Number(code) as NationalStatusCode).name,
          mayBe: [...new Set([Number(code), ...others])]
            .sort((a, b) => a - b)
            .map((other) => nationalStatus(other as NationalStatusCode).name),
        })),
    connector: (agency: Agency, _: unknown, ctx: GatewayContext) => {
      const registration = ctx.agencies.connectorFor(agency);
      return registration === undefined
        ? null
        : { id: registration.id, name: registration.name, kind: registration.kind };
    },
  },
  AgencySuccessor: {
    agency: (successor: Successor, _: unknown, ctx: GatewayContext) =>
      ctx.agencies.get(successor.code),
  },
};
