import { Info } from 'luxon';
import { z } from 'zod';
import type { ApplicantTypeCode, ChannelCode } from '../model';
import { expression } from './expression/expressionSchema';
import {
  NATIONAL_APPLICANT_TYPES,
  NATIONAL_CHANNELS,
  type LegacyTextRule,
  type NormalisationTables,
} from './normaliseDossier';
import type { HistoryOrder } from './historyOrder';
import {
  DEFAULT_DATE_FORMATS,
  VIETNAM_ZONE,
  checkDateFormat,
  type DateParsing,
} from './parseUpstreamDate';
import { agencyKey, createStatusTable, tableKey } from './statusTable';

/**
 * Config schemas for the value tables every declarative kind shares: statuses, channels,
 * applicant types and dates. Parsing yields ready-to-use tables.
 */

const statusCode = z.number().int().min(1).max(10);

const lossySchema = z.record(
  z.string().regex(/^(10|[1-9])$/, 'a national status code 1–10'),
  z.array(statusCode).min(1),
);

export const statusesSchema = z
  .strictObject({
    /** Upstream value → national status code (1–10). */
    map: z.record(z.string(), statusCode),
    /** National code → the other national codes it may stand for. */
    lossy: lossySchema.default({}),
    /**
     * What differs for some agencies and their units: entries added to `map` (or replacing its
     * entries), and lossy declarations replacing `lossy`. A dossier's agency is its mapped
     * `agencyCode`, else the part of its code before the first `-`; the most specific match wins.
     */
    byAgency: z
      .array(
        z.strictObject({
          agencies: z
            .array(
              z
                .string()
                .regex(
                  /^[0-9A-Z]+(?:\.[0-9A-Z]+)*$/,
                  'an agency code (000.21.12.H56) or hierarchy key (H56.12.21)',
                ),
            )
            .min(1),
          map: z.record(z.string(), statusCode).default({}),
          lossy: lossySchema.optional(),
        }),
      )
      .default([]),
    /**
     * Tables chosen by a value of the record: `select` (JSONata over the upstream record, evaluated
     * once per record) gives a value; the table named by it (compared as statuses are: trimmed,
     * any case) adds its entries to `map` (and to the agency's `byAgency` entries: the record's
     * table wins) and, when it gives `lossy`, replaces the lossy declarations. A value naming no
     * table, or no value, keeps the table without it.
     */
    byRecord: z
      .strictObject({
        select: expression,
        tables: z
          .record(
            z
              .string()
              .refine((value) => value.trim() !== '', 'a value the select gives, not empty'),
            z.strictObject({
              map: z.record(z.string(), statusCode).default({}),
              lossy: lossySchema.optional(),
            }),
          )
          .refine((tables) => Object.keys(tables).length > 0, 'at least one table'),
      })
      .optional(),
  })
  .superRefine((statuses, ctx) => {
    const names = new Map<string, string>();
    for (const value of Object.keys(statuses.byRecord?.tables ?? {})) {
      const key = tableKey(value);
      const before = names.get(key);
      if (before !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['byRecord', 'tables', value],
          message: `${JSON.stringify(value)} names the same table as ${JSON.stringify(before)} (values compare trimmed, in any case)`,
        });
      else names.set(key, value);
    }
    const seen = new Map<string, number>();
    statuses.byAgency.forEach((variant, index) =>
      variant.agencies.forEach((agency, at) => {
        const key = agencyKey(agency);
        const before = seen.get(key);
        if (before !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['byAgency', index, 'agencies', at],
            message: `${agency} (${key}) is already in byAgency[${before}]: each agency has one table`,
          });
        else seen.set(key, index);
      }),
    );
  });

const valueTable = <T extends number>(max: number) =>
  z
    .record(z.string(), z.number().int().min(1).max(max))
    .transform(
      (entries) =>
        new Map(Object.entries(entries).map(([raw, code]) => [tableKey(raw), code as T])),
    );

/** Upstream channel → 1, 2, 3, or `all` (every channel: a catalogue entry for all of them). */
const channelTable = z
  .record(
    z.string(),
    z.union([z.number().int().min(1).max(3), z.literal('all')], {
      error: 'a national channel 1, 2 or 3, or all (every channel)',
    }),
  )
  .transform(
    (entries) =>
      new Map(
        Object.entries(entries).map(([raw, code]): [string, ChannelCode] => [
          tableKey(raw),
          code === 'all' ? 'ALL' : (code as ChannelCode),
        ]),
      ),
  );

export const datesSchema = z
  .strictObject({
    /** Accepted formats, tried in order. Default: every format in docs/domain.md §3. */
    formats: z
      .array(
        z.string().superRefine((format, ctx) => {
          const problem = checkDateFormat(format);
          if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .min(1)
      .optional(),
    /** Zone of times sent without one. Default Vietnam time (UTC+7). */
    zone: z
      .string()
      .refine((zone) => Info.normalizeZone(zone)?.isValid === true, 'an unknown time zone')
      .optional(),
  })
  .default({})
  .transform((dates): DateParsing => ({
    formats: dates.formats ?? DEFAULT_DATE_FORMATS,
    zone: dates.zone === undefined ? VIETNAM_ZONE : Info.normalizeZone(dates.zone),
  }));

/** The free-text fields of the national model, where legacy bytes can be decoded. */
export const LEGACY_TEXT_FIELDS = [
  'procedureName',
  'fieldName',
  'agencyName',
  'summary',
  'applicant.name',
  'applicant.address',
  'files[].name',
  'history[].actor',
  'history[].actorTitle',
  'history[].department',
  'history[].content',
  'fees[].name',
  'results[].name',
  'supplements[].reason',
] as const;

const legacyTextRuleSchema = z.strictObject({
  encoding: z.enum(['tcvn3', 'vni']),
  /** National-model paths (`summary`, `applicant.name`, `history[].content`). */
  fields: z
    .array(
      z.enum(LEGACY_TEXT_FIELDS, {
        error: `one of the free-text fields: ${LEGACY_TEXT_FIELDS.join(', ')}`,
      }),
    )
    .min(1),
  /** Default `detect`: decode only values that look legacy; `always`: every value. */
  mode: z.enum(['detect', 'always']).default('detect'),
  /**
   * JSONata predicate over the upstream record: true decodes the fields always, false leaves
   * them as sent, anything else (absent, null, not a boolean) falls back to `mode`.
   */
  when: expression.optional(),
});

const legacyTextRulesSchema = z.array(legacyTextRuleSchema).min(1);

/**
 * Text fields an old system sends in TCVN3 or VNI bytes (read as Latin-1): one rule, or a list of
 * rules naming different fields (a field belongs to one rule).
 */
export const legacyTextSchema = z
  .unknown()
  // One rule or a list, each read by its own schema, so that a problem names its field (a union
  // would only say that neither form fits).
  .transform((legacy, ctx) => {
    const read = Array.isArray(legacy)
      ? legacyTextRulesSchema.safeParse(legacy)
      : legacyTextRuleSchema.transform((rule) => [rule]).safeParse(legacy);
    if (read.success) return read.data;
    for (const issue of read.error.issues)
      ctx.addIssue({
        code: 'custom',
        message: issue.message,
        path: issue.path,
        // An unsafe expression stays marked so (a stored registration is then quarantined).
        ...(issue.code === 'custom' && issue.params !== undefined ? { params: issue.params } : {}),
      });
    return z.NEVER;
  })
  .superRefine((rules, ctx) => {
    const owner = new Map<string, number>();
    rules.forEach((rule, index) =>
      rule.fields.forEach((field, at) => {
        const before = owner.get(field);
        if (before !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [index, 'fields', at],
            message: `${field} is already decoded by legacyText[${before}]: a field has one rule`,
          });
        else owner.set(field, index);
      }),
    );
  })
  .transform((rules): LegacyTextRule[] =>
    rules.map((rule) => ({
      encoding: rule.encoding,
      fields: new Set(rule.fields),
      mode: rule.mode,
      when: rule.when ?? null,
    })),
  );

export const tablesSchema = {
  statuses: statusesSchema,
  channels: channelTable.optional(),
  applicantTypes: valueTable<ApplicantTypeCode>(4).optional(),
  dates: datesSchema,
  legacyText: legacyTextSchema.optional(),
};

export function buildTables(config: {
  statuses: z.output<typeof statusesSchema>;
  channels?: ReadonlyMap<string, ChannelCode> | undefined;
  applicantTypes?: ReadonlyMap<string, ApplicantTypeCode> | undefined;
  dates: DateParsing;
  legacyText?: readonly LegacyTextRule[] | undefined;
  mapping?: { history?: { order?: HistoryOrder | undefined } | undefined };
}): NormalisationTables {
  return {
    statuses: createStatusTable(
      config.statuses.map,
      config.statuses.lossy,
      config.statuses.byAgency,
      config.statuses.byRecord?.tables,
    ),
    statusSelect: config.statuses.byRecord?.select ?? null,
    channels: config.channels ?? NATIONAL_CHANNELS,
    applicantTypes: config.applicantTypes ?? NATIONAL_APPLICANT_TYPES,
    dates: config.dates,
    legacyText: config.legacyText ?? [],
    historyOrder: config.mapping?.history?.order ?? 'oldestFirst',
  };
}
