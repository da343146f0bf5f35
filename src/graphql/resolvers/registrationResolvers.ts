import { toGraphQLError } from '../../errors/GatewayError';
import { vietnamIso } from '../../domain/vietnamTime';
import { dossierView } from '../dossierView';
import type { RegistryResult } from '../../services/registrations/RegistrationService';
import { upperCaseCode } from '../../domain/dossierKey';
import type { GatewayContext } from '../GatewayContext';

function unwrap<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw toGraphQLError(result.error);
  return result.value;
}

/** Every field is behind `@allow`, so the principal is there. */
function principal(ctx: GatewayContext) {
  if (ctx.principal === null) throw new TypeError('no principal behind @allow');
  return ctx.principal;
}

export const registrationResolvers = {
  Query: {
    connectors: (_: unknown, __: unknown, ctx: GatewayContext) =>
      ctx.registrations.list(principal(ctx)),
    connector: (_: unknown, args: { id: string }, ctx: GatewayContext) =>
      ctx.registrations.get(principal(ctx), args.id),
    connectorVersions: async (_: unknown, args: { id: string }, ctx: GatewayContext) =>
      unwrap(await ctx.registrations.versions(principal(ctx), args.id)),
  },
  Mutation: {
    registerConnector: async (_: unknown, args: { document: string }, ctx: GatewayContext) =>
      unwrap(await ctx.registrations.register(principal(ctx), args.document)),
    updateConnector: async (
      _: unknown,
      args: { id: string; version: number; document: string },
      ctx: GatewayContext,
    ) =>
      unwrap(await ctx.registrations.update(principal(ctx), args.id, args.version, args.document)),
    setConnectorEnabled: async (
      _: unknown,
      args: { id: string; version: number; enabled: boolean },
      ctx: GatewayContext,
    ) =>
      unwrap(
        await ctx.registrations.setEnabled(principal(ctx), args.id, args.version, args.enabled),
      ),
    deleteConnector: async (
      _: unknown,
      args: { id: string; version: number },
      ctx: GatewayContext,
    ) => unwrap(await ctx.registrations.delete(principal(ctx), args.id, args.version)),
    testConnector: async (
      _: unknown,
      args: { document: string; codes: string[] },
      ctx: GatewayContext,
    ) => {
      const report = unwrap(
        await ctx.registrations.test(principal(ctx), args.document, args.codes),
      );
      return {
        ...report,
        sample:
          report.sample === null
            ? null
            : dossierView({
                // The code asked that found it (its case may differ: `coverage.codes`).
                codeAsked:
                  args.codes.find(
                    (code) => upperCaseCode(code) === upperCaseCode(report.sample?.code ?? ''),
                  ) ?? report.sample.code,
                dossier: report.sample,
                masked: true,
                source: {
                  connectorId: report.connector,
                  // A dry run's document is no stored version.
                  registrationVersion: null,
                  fetchedAt: vietnamIso(new Date()),
                  cached: false,
                  stale: false,
                  staleReason: null,
                  staleSince: null,
                  agencyCode: null,
                  via: [],
                },
              }),
      };
    },
    checkConnector: async (
      _: unknown,
      args: { document: string; codes: string[]; agency?: string | null; days: number },
      ctx: GatewayContext,
    ) =>
      unwrap(
        await ctx.registrations.check(principal(ctx), args.document, {
          codes: args.codes,
          agency: args.agency ?? null,
          days: args.days,
        }),
      ),
    rollbackConnector: async (
      _: unknown,
      args: { id: string; version: number; toVersion: number },
      ctx: GatewayContext,
    ) =>
      unwrap(
        await ctx.registrations.rollback(principal(ctx), args.id, args.version, args.toVersion),
      ),
  },
};
