import type {
  ImplementingAgency,
  OnlineLevel,
  Procedure,
  PublicationState,
} from '../../../connectors/model';
import { toGraphQLError } from '../../errors/GatewayError';
import type {
  CatalogueSourceStatus,
  IndexedProcedure,
} from '../../services/catalogue/CatalogueIndex';
import type { GatewayContext } from '../GatewayContext';

interface ProceduresArgs {
  search?: string | null;
  field?: string | null;
  agency?: string | null;
  onlineLevel?: OnlineLevel | null;
  state?: PublicationState | null;
  first: number;
  after?: string | null;
}

const CHANNELS = { 1: 'IN_PERSON', 2: 'ONLINE', 3: 'POSTAL', ALL: 'ALL' } as const;

function sourceView(status: CatalogueSourceStatus, ctx: GatewayContext) {
  return {
    ...status,
    connector: status.connectorId,
    connectorName: ctx.connectorName(status.connectorId),
  };
}

export const procedureResolvers = {
  Query: {
    procedure: (_: unknown, args: { code: string }, ctx: GatewayContext) =>
      ctx.catalogue.index.get(args.code) ?? null,
    procedures: (_: unknown, args: ProceduresArgs, ctx: GatewayContext) => {
      const result = ctx.catalogue.page(
        {
          search: args.search ?? undefined,
          fieldCode: args.field ?? undefined,
          agency: args.agency ?? undefined,
          onlineLevel: args.onlineLevel ?? undefined,
          state: args.state ?? undefined,
        },
        args.first,
        args.after ?? undefined,
      );
      if (!result.ok) throw toGraphQLError(result.error);
      const { nodes, totalCount, hasNextPage, endCursor } = result.page;
      return { nodes, totalCount, pageInfo: { hasNextPage, endCursor } };
    },
    procedureCatalogueStatus: (_: unknown, __: unknown, ctx: GatewayContext) =>
      ctx.catalogue.index.statusAll().map((status) => sourceView(status, ctx)),
  },
  Mutation: {
    syncProcedureCatalogue: async (
      _: unknown,
      args: { connector?: string | null },
      ctx: GatewayContext,
    ) => {
      const sources = ctx.catalogue.sources();
      const wanted = args.connector ?? null;
      if (wanted !== null && !sources.includes(wanted)) {
        throw toGraphQLError({
          code: 'BAD_USER_INPUT',
          message: `${JSON.stringify(wanted.slice(0, 64))} is not a registered system with a catalogue; known: ${sources.join(', ')}`,
          connector: null,
          retryable: false,
        });
      }
      // Province IT syncs its own systems only: all of them when it names none.
      const principal = ctx.principal;
      const own =
        principal?.role === 'province-it'
          ? sources.filter((id) => principal.connectors.includes(id))
          : sources;
      if (wanted !== null && !own.includes(wanted)) {
        throw toGraphQLError({
          code: 'FORBIDDEN',
          message: `${principal?.name ?? 'this caller'} does not maintain ${wanted}`,
          connector: wanted,
          retryable: false,
        });
      }
      const statuses = await Promise.all(
        (wanted === null ? own : [wanted]).map((id) => ctx.catalogue.sync(id, true)),
      );
      return statuses.map((status) => sourceView(status, ctx));
    },
  },
  Procedure: {
    name: (entry: IndexedProcedure) => entry.procedure.name,
    isLocalVariant: (entry: IndexedProcedure) => entry.nationalCode !== null,
    national: (entry: IndexedProcedure, _: unknown, ctx: GatewayContext) =>
      entry.nationalCode === null ? null : (ctx.catalogue.index.get(entry.nationalCode) ?? null),
    variants: (entry: IndexedProcedure, _: unknown, ctx: GatewayContext) =>
      ctx.catalogue.index.variants(entry.code),
    fieldCode: (entry: IndexedProcedure) => entry.procedure.fieldCode,
    fieldName: (entry: IndexedProcedure) => entry.procedure.fieldName,
    onlineLevel: (entry: IndexedProcedure) => entry.procedure.onlineLevel,
    state: (entry: IndexedProcedure) => entry.procedure.state,
    implementingAgencies: (entry: IndexedProcedure) => entry.procedure.implementingAgencies,
    channels: (entry: IndexedProcedure) =>
      entry.procedure.channels.map((c: Procedure['channels'][number]) => ({
        ...c,
        channel:
          c.channel === null
            ? null
            : {
                value: c.channel.code === null ? null : CHANNELS[c.channel.code],
                code: typeof c.channel.code === 'number' ? c.channel.code : null,
                raw: c.channel.raw,
              },
      })),
    documents: (entry: IndexedProcedure) => entry.procedure.documents,
    warnings: (entry: IndexedProcedure) => entry.procedure.warnings,
    legalBases: (entry: IndexedProcedure) => entry.procedure.legalBases,
    sources: (entry: IndexedProcedure, _: unknown, ctx: GatewayContext) =>
      entry.providers.map((id) => {
        const status = ctx.catalogue.index.status(id);
        return {
          connector: id,
          connectorName: ctx.connectorName(id),
          syncedAt: status?.lastSyncedAt ?? null,
          stale: status?.stale ?? false,
        };
      }),
  },
  ProcedureAgency: {
    agency: (agency: ImplementingAgency, _: unknown, ctx: GatewayContext) =>
      agency.code === null ? null : (ctx.agencies.get(agency.code) ?? null),
  },
};
