import { z } from 'zod';
import { dossierMappingSchema } from '../shared/dossierMapping';
import { expression } from '../shared/expression/expressionSchema';
import { catalogueCommon } from '../shared/catalogueSchema';
import {
  changedSinceCommon,
  checkChangedSinceSendsSince,
  checkListingSendsAgency,
  expressionReads,
  listingCommon,
} from '../shared/listingSchema';
import { tablesSchema } from '../shared/tablesSchema';
import { bodyErrorsSchema } from '../shared/bodyErrors';
import { jsonTextSchema } from '../shared/jsonText';

const path = z
  .string()
  .regex(/^\/[^\s]*$/, 'a path relative to the base URL, starting with "/" (no scheme or host)')
  .refine((value) => !value.startsWith('//'), 'a path, not a protocol-relative URL')
  .refine(
    (value) => !value.split(/[/?#]/).some((segment) => segment === '..' || segment === '.'),
    'a path without "." or ".." segments',
  );

/** One call that takes many codes and answers many records. */
const bulkSchema = z.strictObject({
  /** Default POST. */
  method: z.enum(['GET', 'POST']).default('POST'),
  path,
  /** JSONata building the JSON request body from `$codes`. Default `{"codes": $codes}`. */
  body: expression.default('{"codes": $codes}'),
  /** Query parameters: name → JSONata over `$codes` (for GET bulk endpoints). */
  query: z.record(z.string(), expression).default({}),
  /** Paths in the body whose value is JSON written as text, parsed before `records` is read. */
  jsonText: jsonTextSchema,
  /** JSONata selecting the list of records from the response body. Default `$` (the body). */
  records: expression.default('$'),
  /** Most codes per call. Default 100. */
  maxBatch: z.number().int().min(1).max(1000).default(100),
});

/** One call per code. */
const singleSchema = z.strictObject({
  /** Default GET. */
  method: z.enum(['GET', 'POST']).default('GET'),
  /** Path with `{code}` where the (URL-encoded) dossier code goes. */
  path: path.refine((value) => value.includes('{code}'), 'the path must contain {code}'),
  /** JSONata building a JSON body from `$code` (POST only). */
  body: expression.optional(),
  /** Paths in the body whose value is JSON written as text, parsed before `record` is read. */
  jsonText: jsonTextSchema,
  /** JSONata selecting the record from the response body. Default `$`. Empty means not found. */
  record: expression.default('$'),
  /** HTTP statuses meaning "no such dossier". Default [404]. */
  notFoundStatuses: z.array(z.number().int().min(400).max(499)).default([404]),
  /** JSONata over the body, true when the upstream says "no such dossier" in a 2xx answer. */
  notFoundWhen: expression.optional(),
});

export const restJsonConfigSchema = z
  .strictObject({
    lookup: z
      .strictObject({
        bulk: bulkSchema.optional(),
        single: singleSchema.optional(),
        /** Single lookups in flight at once when there is no bulk endpoint. Default 8. */
        concurrency: z.number().int().min(1).max(64).default(8),
      })
      .refine((lookup) => lookup.bulk !== undefined || lookup.single !== undefined, {
        message: 'declare lookup.bulk, lookup.single, or both',
      }),
    /**
     * Errors answered inside HTTP 200: conditions on the body of every call (lookups, catalogue,
     * listing, changedSince), first match wins, read before any record (bodyErrors.ts).
     */
    errors: bodyErrorsSchema,
    mapping: dossierMappingSchema,
    /** The procedure catalogue, when the system serves one. */
    catalogue: z
      .strictObject({
        /** Default GET. */
        method: z.enum(['GET', 'POST']).default('GET'),
        path,
        /** Query parameters: name → JSONata over `$page`, `$size`, `$cursor` (absent values are left out). */
        query: z.record(z.string(), expression).default({}),
        /** JSONata building a JSON body from `$page`, `$size`, `$cursor` (POST only). */
        body: expression.optional(),
        /** Paths in the body whose value is JSON written as text, parsed before `records` is read. */
        jsonText: jsonTextSchema,
        ...catalogueCommon,
      })
      .optional(),
    /**
     * An agency's dossiers by date received (indicators, reports), in the lookup's record format.
     * `$from` and `$to` are written in `dateFormat` (default yyyy-MM-dd).
     */
    listing: z
      .strictObject({
        method: z.enum(['GET', 'POST']).default('GET'),
        path,
        /** Query parameters: name → JSONata over `$agency`, `$from`, `$to`, `$page`, `$size`, `$cursor`. */
        query: z.record(z.string(), expression).default({}),
        /** JSONata building a JSON body from the same (POST only). */
        body: expression.optional(),
        /** Paths in the body whose value is JSON written as text, parsed before `records` is read. */
        jsonText: jsonTextSchema,
        ...listingCommon,
      })
      .optional(),
    /**
     * The dossiers that changed since an instant (the change feed's `changes.modified`), in the
     * lookup's record format. `$since` is written in `sinceFormat` (default ISO 8601, +07:00).
     */
    changedSince: z
      .strictObject({
        method: z.enum(['GET', 'POST']).default('GET'),
        path,
        /** Query parameters: name → JSONata over `$since`, `$page`, `$size`, `$cursor`. */
        query: z.record(z.string(), expression).default({}),
        /** JSONata building a JSON body from the same (POST only). */
        body: expression.optional(),
        /** Paths in the body whose value is JSON written as text, parsed before `records` is read. */
        jsonText: jsonTextSchema,
        ...changedSinceCommon,
      })
      .optional(),
    ...tablesSchema,
    limits: z
      .strictObject({
        /**
         * Wall time for mapping one record. Default 1000 ms: JSONata evaluates asynchronously, so the
         * clock also runs while other requests have the CPU; a tight budget fails good records
         * under load (seen at 200 ms with two test workers on two cores). It stops runaway
         * expressions, not slow machines.
         */
        mappingTimeoutMs: z.number().int().min(1).max(5000).default(1000),
      })
      .default({ mappingTimeoutMs: 1000 }),
  })
  .superRefine((config, ctx) => {
    const sources = (request: { query: Record<string, string>; body?: string | undefined }) => [
      ...Object.values(request.query),
      ...(request.body === undefined ? [] : [request.body]),
    ];
    const { listing, changedSince } = config;
    if (listing !== undefined)
      checkListingSendsAgency(
        listing,
        sources(listing).some((source) => expressionReads(source, 'agency')),
        '$agency',
        ctx,
      );
    if (changedSince !== undefined)
      checkChangedSinceSendsSince(
        changedSince,
        sources(changedSince).some((source) => expressionReads(source, 'since')),
        '$since',
        ctx,
      );
  });

export type RestJsonConfig = z.output<typeof restJsonConfigSchema>;
export type RestJsonConfigInput = z.input<typeof restJsonConfigSchema>;
