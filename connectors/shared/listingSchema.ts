import jsonata from 'jsonata';
import { z } from 'zod';
import { paginationSchema } from './catalogueSchema';
import { expression } from './expression/expressionSchema';
import { visitAst } from './expression/checkExpression';
import { listingDateFormat, sinceFormat } from './listingDates';

/**
 * The listing settings every declarative kind shares: an agency's dossiers by date received, in
 * the lookup's record format (mapped by the registration's mapping), paged like the catalogue.
 * Each kind adds how to make the request, from `agency`, `from`, `to` (written in `dateFormat`)
 * and the position (`page`, `size`, `cursor`).
 */
export const listingCommon = {
  /** JSONata over the answer selecting the list of dossier records. */
  records: expression,
  pagination: paginationSchema,
  /** How `from` and `to` are written (Luxon tokens, listingDates.ts). Default yyyy-MM-dd. */
  dateFormat: listingDateFormat,
  /**
   * What `to` is: the last day received (`inclusive`, the default) or the day after it
   * (`exclusive`, for systems that list what was received before their end date).
   */
  toDate: z.enum(['inclusive', 'exclusive']).default('inclusive'),
  /**
   * The most days (both ends included) the system lists per call, for a system that refuses a
   * longer range (at most 31 days, say). The gateway reads a longer range (a quarter's report)
   * as consecutive windows of at most this many days. Absent: any range in one listing.
   */
  maxDays: z.number().int().min(1).max(366).optional(),
  /**
   * Whether the system lists only the agency asked (default true: the request sends `agency`).
   * False for a system whose listing has no agency parameter and answers every unit's dossiers:
   * the gateway then keeps each agency's by the dossier's own agency (docs/reports.md).
   */
  filtersByAgency: z.boolean().default(true),
};

export const listingCommonSchema = z.object(listingCommon);
export type ListingCommon = z.output<typeof listingCommonSchema>;

/**
 * The changed-since settings every declarative kind shares: the dossiers that changed since an
 * instant (every unit's: the request takes no agency), in the lookup's record format and mapped
 * as listings are, paged like the listing. Each kind adds how to make the request, from `since`
 * (written in `sinceFormat`) and the position (`page`, `size`, `cursor`).
 */
export const changedSinceCommon = {
  /** JSONata over the answer selecting the list of dossier records. */
  records: expression,
  pagination: paginationSchema,
  /** How `since` is written (Luxon tokens, listingDates.ts). Default yyyy-MM-dd'T'HH:mm:ssZZ. */
  sinceFormat,
};

export const changedSinceCommonSchema = z.object(changedSinceCommon);
export type ChangedSinceCommon = z.output<typeof changedSinceCommonSchema>;

/**
 * A changed-since request must send the instant: one that does not would list every dossier on
 * every poll, or none. Reported on `changedSince`.
 */
export function checkChangedSinceSendsSince(
  changedSince: object | undefined,
  sendsSince: boolean,
  variable: string,
  ctx: z.RefinementCtx,
): void {
  if (changedSince === undefined || sendsSince) return;
  ctx.addIssue({
    code: 'custom',
    path: ['changedSince'],
    message: `the changedSince request never sends the instant (${variable}): send it where the system reads "changed since"`,
  });
}

/** Whether a JSONata expression reads `$name` (an invalid one reads nothing: it is reported apart). */
export function expressionReads(source: string, name: string): boolean {
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch {
    return false;
  }
  let found = false;
  visitAst(ast, (node) => {
    if (node.type === 'variable' && node.value === name) found = true;
  });
  return found;
}

/**
 * A listing that says it filters by agency must send the agency: one that does not would list
 * every unit's dossiers as the agency asked, and reports would count them all there. Reported on
 * `listing.filtersByAgency`, with what to do either way.
 */
export function checkListingSendsAgency(
  listing: { filtersByAgency: boolean } | undefined,
  sendsAgency: boolean,
  variable: string,
  ctx: z.RefinementCtx,
): void {
  if (listing === undefined || !listing.filtersByAgency || sendsAgency) return;
  ctx.addIssue({
    code: 'custom',
    path: ['listing', 'filtersByAgency'],
    message:
      `the listing request never sends the agency (${variable}), yet filtersByAgency is true (the default): ` +
      `if the system lists every unit's dossiers, declare filtersByAgency: false and the gateway keeps each agency's ` +
      `by the dossier's own agency; if it takes an agency, send ${variable}`,
  });
}
