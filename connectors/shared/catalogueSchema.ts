import { z } from 'zod';
import { expression } from './expression/expressionSchema';
import { procedureMappingSchema } from './procedureMapping';

/**
 * How a system pages its procedure catalogue: by page number (`page`/`size`, stop on a short page
 * or when `total` is reached) or by an opaque cursor the answer carries (`next`).
 */
export const paginationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('page'),
    /** Records per page asked for. Default 50. */
    size: z.number().int().min(1).max(1000).default(50),
    /** Number of the first page. Default 1. */
    firstPage: z.number().int().min(0).default(1),
    /** JSONata over the answer giving the total number of records, when the system says it. */
    total: expression.optional(),
  }),
  z.strictObject({
    type: z.literal('cursor'),
    size: z.number().int().min(1).max(1000).default(50),
    /** JSONata over the answer giving the next cursor; empty on the last page. */
    next: expression,
  }),
]);

/** The catalogue settings every declarative kind shares; each kind adds how to make the request. */
export const catalogueCommon = {
  /** JSONata over the answer selecting the list of procedure records. */
  records: expression,
  pagination: paginationSchema,
  mapping: procedureMappingSchema,
  /** Extra or overriding online-level words → FULL, PARTIAL or NONE (defaults in procedureMapping.ts). */
  onlineLevels: z.record(z.string(), z.enum(['FULL', 'PARTIAL', 'NONE'])).optional(),
  /** Extra or overriding publication-state words → PUBLISHED, ABOLISHED or SUSPENDED. */
  states: z.record(z.string(), z.enum(['PUBLISHED', 'ABOLISHED', 'SUSPENDED'])).optional(),
};

export const catalogueCommonSchema = z.object(catalogueCommon);
export type CatalogueCommon = z.output<typeof catalogueCommonSchema>;
