import { ConnectorError, isConnectorError } from '../ConnectorError';
import type { CatalogueCommon } from './catalogueSchema';
import type { Evaluate, ExpressionCompiler } from './expression/ExpressionCompiler';
import { asConnectorError } from './mappingFailure';

/**
 * Reading a paged answer (listing, changedSince, catalogue) of the declarative kinds: where the
 * records are, whether it is the last page, and the cursor of the next one — the same for every
 * kind and every paged source (connectors/shared/declarativeConnector.ts uses it).
 */

/** Where one page is asked from: page number or cursor, and the page size. */
export interface PagePosition {
  page: number | null;
  cursor: string | null;
  size: number;
}

/**
 * What a paged source's fetch answers when the system said, in so many words, that there is
 * nothing to list (a declared "not found" inside HTTP 200). On the first page of a listing or of
 * changedSince it is an empty list (an agency with no dossiers); on the catalogue, and on any page
 * after the first, it is UPSTREAM_BAD_RESPONSE: read as the end, it would replace a catalogue with
 * nothing, or cut a list short.
 */
export const NO_RECORDS: unique symbol = Symbol('no records');

/** A paged source compiled: how it pages, and where its records, total and next cursor are. */
export interface Paged {
  pagination: CatalogueCommon['pagination'];
  records: Evaluate;
  total: Evaluate | undefined;
  next: Evaluate | undefined;
}

/** Compiles a paged source's records, total and next-cursor expressions. */
export function compilePaged(
  settings: { pagination: CatalogueCommon['pagination']; records: string },
  expressions: ExpressionCompiler,
): Paged {
  const compile = (text: string) => expressions.compile(text);
  const { pagination, records } = settings;
  return {
    pagination,
    records: compile(records),
    total:
      pagination.type === 'page' && pagination.total !== undefined
        ? compile(pagination.total)
        : undefined,
    next: pagination.type === 'cursor' ? compile(pagination.next) : undefined,
  };
}

/**
 * Reads one page of a paged source: its records and the cursor of the next page.
 * `mayBeEmpty`: a declared "not found" on the first page is an empty list (NO_RECORDS).
 */
export async function readPage(
  paged: Paged,
  cursor: string | null,
  fetch: (position: PagePosition) => Promise<unknown>,
  what: string,
  noun: string,
  mayBeEmpty: boolean,
): Promise<{ records: unknown[]; next: string | null }> {
  const pagination = paged.pagination;
  // Page cursors carry the page number and the records seen so far: `p:<page>:<seen>`.
  const [pageText, seenText] = cursor?.startsWith('p:') === true ? cursor.slice(2).split(':') : [];
  const page =
    pagination.type === 'page'
      ? pageText === undefined
        ? pagination.firstPage
        : Number(pageText)
      : null;
  const seenBefore = Number(seenText ?? 0);
  const upstreamCursor = pagination.type === 'cursor' && cursor !== null ? cursor.slice(2) : null;
  let body: unknown;
  let selected: unknown;
  try {
    body = await fetch({ page, cursor: upstreamCursor, size: pagination.size });
    if (isConnectorError(body)) throw body;
    if (body === NO_RECORDS) {
      if (mayBeEmpty && cursor === null) return { records: [], next: null };
      throw new ConnectorError(
        'UPSTREAM_BAD_RESPONSE',
        mayBeEmpty
          ? `${what}: upstream answered "not found" (config.errors) for a page after the first, which cannot end a list`
          : `${what}: upstream answered "not found" (config.errors) for a catalogue page, which cannot end or empty a catalogue`,
      );
    }
    selected = await paged.records(body);
  } catch (error) {
    throw asConnectorError(error, what);
  }
  // No list on the first page is an empty listing only when the answer's total says 0 (a SOAP
  // result with no items); without a total to say so, the records path is wrong.
  if (
    (selected === undefined || selected === null) &&
    cursor === null &&
    !(await saysNone(paged, body))
  ) {
    throw new ConnectorError(
      'UPSTREAM_BAD_RESPONSE',
      `${what}: the answer has no list of ${noun} where records points`,
    );
  }
  // After the first page, no list is an empty last page (a SOAP result element with no items).
  const records = selected === undefined || selected === null ? [] : [selected].flat();
  let next: string | null = null;
  if (records.length === 0) {
    next = null;
  } else if (pagination.type === 'page' && page !== null) {
    const seen = seenBefore + records.length;
    const totalValue =
      paged.total === undefined ? undefined : await paged.total(body).catch(() => undefined);
    const total =
      totalValue === undefined || totalValue === null || totalValue === ''
        ? Number.NaN
        : Number(totalValue);
    // With a total, go on until it is reached (a system may cap pages below the size asked);
    // without one, a short page is the last.
    const more = Number.isNaN(total) ? records.length >= pagination.size : seen < total;
    next = more ? `p:${page + 1}:${seen}` : null;
  } else if (paged.next !== undefined) {
    const value = await paged.next(body).catch(() => undefined);
    const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
    // A cursor that repeats is passed on: the caller refuses it as a loop rather than ending early.
    next = text === '' ? null : `c:${text}`;
  }
  return { records, next };
}

/** Whether a paged answer's total is there and is 0. */
async function saysNone(paged: Paged, body: unknown): Promise<boolean> {
  if (paged.total === undefined) return false;
  const total = await paged.total(body).catch(() => undefined);
  return total !== undefined && total !== null && total !== '' && Number(total) === 0;
}
