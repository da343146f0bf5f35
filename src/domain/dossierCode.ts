import { canonicalAgencyCode, isAgencyCode } from '../../connectors/shared/agencyCode';

/**
 * Dossier codes (mã hồ sơ; docs/domain.md §2): `{agency code}-{yyMMdd}-{NNNN}`, e.g.
 * `000.00.06.H56-231027-0361`. The code is an opaque key: it is parsed to route it, never
 * rewritten.
 */
const STANDARD = /^([0-9A-Z.]+)-(\d{6})-(\d{4})$/;

/** Longest input accepted as a code at all; longer strings are refused without being echoed. */
export const MAX_DOSSIER_CODE_LENGTH = 100;

export const DOSSIER_CODE_FORMAT = '{agency code}-{yyMMdd}-{NNNN}, e.g. 000.00.06.H56-231027-0361';

export interface StandardDossierCode {
  /** Agency part in standard form (short forms expanded). */
  agencyCode: string;
  /** Date of receipt from the code, yyyy-MM-dd. */
  date: string;
}

/** Parses a standard dossier code, or returns null when the code is not in the standard form. */
export function parseStandardDossierCode(code: string): StandardDossierCode | null {
  const match = STANDARD.exec(code);
  if (match === null) return null;
  const [, agency, yyMMdd] = match as unknown as [string, string, string];
  if (!isAgencyCode(agency)) return null;
  const year = 2000 + Number(yyMMdd.slice(0, 2));
  const month = Number(yyMMdd.slice(2, 4));
  const day = Number(yyMMdd.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return {
    agencyCode: canonicalAgencyCode(agency),
    date: `${year}-${yyMMdd.slice(2, 4)}-${yyMMdd.slice(4, 6)}`,
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Why a string is not a standard dossier code, in words a caller can act on; null when it is one.
 */
export function describeCodeProblem(code: string): string | null {
  if (code !== code.trim()) return 'it has spaces before or after it';
  if (/[a-z]/.test(code)) return 'agency codes are upper case (H56, not h56)';
  const match = /^([0-9A-Z.]+)-(\d{6})-(\d{4})$/.exec(code);
  if (match === null) return null;
  const [, agency] = match as unknown as [string, string];
  if (!isAgencyCode(agency)) return `"${agency}" is not an agency code`;
  if (parseStandardDossierCode(code) === null) return `"${match[2]}" is not a yyMMdd date`;
  return null;
}

/** Quotes an input for an error message, shortened so a flood of bytes is not echoed back. */
export function quoteInput(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/**
 * Most dossier codes in one operation, lists and fields together, and in one subscription
 * (every code answered in its own item, with its own error): the portal's real shapes — 500 codes in one list, a
 * few hundred aliased lookups — fit.
 */
export const MAX_CODES_PER_OPERATION = 500;
