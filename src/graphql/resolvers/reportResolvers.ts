import type { GraphQLResolveInfo } from 'graphql';
import { errorDetail, toGraphQLError } from '../../errors/GatewayError';
import type { ReportResult, ResultRow } from '../../services/reports/reportResult';
import type { ReportJob } from '../../services/reports/ReportService';
import { vietnamIso } from '../../domain/vietnamTime';
import type { GatewayContext } from '../GatewayContext';

function principal(ctx: GatewayContext) {
  if (ctx.principal === null) throw new TypeError('no principal behind @allow');
  return ctx.principal;
}

/**
 * Reports are shared by auditors and administrators (as the audit log is): any of them reads or
 * stops any report; who started each is in the audit log.
 */
function visible(_ctx: GatewayContext, job: ReportJob | undefined): ReportJob | null {
  return job ?? null;
}

/** A result row with its counts as fields of its own. */
function rowView(row: ResultRow) {
  return { ...row.counts, ...row, agency: row.agencyCode, field: row.fieldCode };
}

/**
 * Whether a kept result has the result form's shape: one kept from before it (on Redis, across a
 * deploy) is shown as no figures, with a problem saying to run the report again.
 */
function current(job: ReportJob): boolean {
  return job.result !== null && Array.isArray((job.result as Partial<ReportResult>).table);
}

function view(job: ReportJob) {
  const at = (date: Date | null) => (date === null ? null : vietnamIso(date));
  const pairs = (record: Record<string, number>) =>
    Object.entries(record).map(([key, count]) => ({ key, count }));
  return {
    id: job.id,
    state: job.state,
    agencies: job.spec.agencies,
    from: job.spec.from,
    to: job.spec.to,
    createdAt: at(job.createdAt),
    startedAt: at(job.startedAt),
    finishedAt: at(job.finishedAt),
    progress: job.progress,
    problems:
      job.result !== null && !current(job)
        ? [...job.problems, 'figures of an earlier version of the report: start the report again']
        : job.problems,
    job,
    result:
      job.result === null || !current(job)
        ? null
        : {
            ...job.result,
            byStatus: pairs(job.result.byStatus),
            byChannel: pairs(job.result.byChannel),
            bySubmittedVia: pairs(job.result.bySubmittedVia),
            sources: job.result.sources.map((source) => ({
              ...source,
              syncFromGateway: source.syncFromGateway ?? 0,
              firstReadAt: vietnamIso(new Date(source.firstReadAt)),
              lastReadAt: vietnamIso(new Date(source.lastReadAt)),
            })),
            overdue: job.result.overdue.map((o) => ({ ...o, agency: o.agencyCode })),
            table: job.result.table.map(rowView),
            total: rowView(job.result.table.at(-1) as ResultRow),
            months: job.result.months.map((m) => ({
              ...m,
              rate: m.resolved === 0 ? null : m.inTime / m.resolved,
            })),
          },
  };
}

export const reportResolvers = {
  ReportJob: {
    csv: (view: { job: ReportJob }, _: unknown, ctx: GatewayContext) =>
      current(view.job) ? ctx.reports.csv(view.job) : null,
    html: (view: { job: ReportJob }, _: unknown, ctx: GatewayContext) =>
      current(view.job) ? ctx.reports.html(view.job) : null,
    xlsx: async (view: { job: ReportJob }, _: unknown, ctx: GatewayContext) =>
      current(view.job) ? ((await ctx.reports.xlsx(view.job))?.toString('base64') ?? null) : null,
  },
  Query: {
    report: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      const job = visible(ctx, await ctx.reports.get(args.id));
      return job === null ? null : view(job);
    },
  },
  Mutation: {
    startReport: async (
      _: unknown,
      args: {
        input: { agencies: string[]; from: string; to: string; purpose?: string | null };
      },
      ctx: GatewayContext,
      info: GraphQLResolveInfo,
    ) => {
      const who = principal(ctx);
      const purpose = args.input.purpose?.normalize('NFC').trim() ?? null;
      if (purpose !== null && (purpose.length < 10 || purpose.length > 500))
        throw toGraphQLError(
          errorDetail(
            'BAD_USER_INPUT',
            'purpose must be 10–500 characters saying why the figures are needed',
          ),
        );
      const { agencies, from, to } = args.input;
      const started = await ctx.reports.create(who, { agencies, from, to });
      if (!('id' in started)) throw toGraphQLError(started);
      // On record before it runs: who measured what, over which agencies and dates.
      const written = await ctx.audit.record(who, {
        action: 'report.start',
        operation: `${info.operation.name?.value ?? 'anonymous'}/${info.fieldName}`,
        codes: [],
        scope: `${args.input.agencies.join(', ')} from ${args.input.from} to ${args.input.to}; report ${started.id}`,
        purpose,
        outcome: 'queued',
      });
      if (!written.ok) throw toGraphQLError(written.error);
      await ctx.reports.enqueue(started);
      return view(started);
    },
    cancelReport: async (
      _: unknown,
      args: { id: string },
      ctx: GatewayContext,
      info: GraphQLResolveInfo,
    ) => {
      const job = visible(ctx, await ctx.reports.get(args.id));
      if (job === null) return null;
      const written = await ctx.audit.record(principal(ctx), {
        action: 'report.cancel',
        operation: `${info.operation.name?.value ?? 'anonymous'}/${info.fieldName}`,
        codes: [],
        scope: `report ${job.id}`,
        purpose: null,
        outcome: job.state,
      });
      if (!written.ok) throw toGraphQLError(written.error);
      const cancelled = await ctx.reports.cancel(job.id);
      return cancelled === undefined ? null : view(cancelled);
    },
  },
};
