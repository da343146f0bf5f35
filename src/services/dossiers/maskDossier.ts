import type { Applicant, NationalDossier } from '../../../connectors/model';

/**
 * Personal data masking (docs/domain.md §8; the rule is documented in docs/MASKING.md). Applied to every
 * answer unless the caller may see personal data; the cached value is never masked, so masking
 * is per caller.
 */
export function maskDossier(dossier: NationalDossier): NationalDossier {
  return {
    ...dossier,
    applicant: maskApplicant(dossier.applicant),
    summary: null,
    files: dossier.files.map(() => ({ name: null, url: null })),
    results: dossier.results.map((result) => ({ ...result, url: null })),
  };
}

function maskApplicant(applicant: Applicant): Applicant {
  return {
    // An enterprise's or organisation's name is registry data, not personal data; a citizen's
    // (type 1) or an unknown applicant's name is masked.
    name:
      applicant.name === null || (applicant.type !== null && applicant.type !== 1)
        ? applicant.name
        : maskName(applicant.name),
    type: applicant.type,
    ids: applicant.ids.map((id) => ({ type: id.type, number: keepDigits(id.number, 0, 3) })),
    phone: applicant.phone === null ? null : keepDigits(applicant.phone, 2, 2),
    email: applicant.email === null ? null : maskEmail(applicant.email),
    address: applicant.address === null ? null : maskAddress(applicant.address),
  };
}

/** Family name kept, other words as their first letter and one star per letter: `Nguyễn V*** A**`. */
export function maskName(name: string): string {
  // Letters are code points (a decomposed name's marks count as letters, as they always have).
  const words = name.split(/\s+/).filter(Boolean);
  let masked = '';
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] as string;
    if (index > 0) masked += ' ';
    if (index === 0 && words.length > 1) masked += word;
    else {
      const first = String.fromCodePoint(word.codePointAt(0) as number);
      masked += first + '*'.repeat(codePoints(word) - 1);
    }
  }
  return masked;
}

/**
 * Every digit (of any script) but the first `head` and last `tail` becomes `*`: `0912345612` →
 * `09******12`, full-width `０９１２３４５６１２` → `０９******１２`.
 */
export function keepDigits(value: string, head: number, tail: number): string {
  let total = 0;
  for (let i = 0; i < value.length;) {
    const width = digitAt(value, i);
    if (width > 0) total += 1;
    i += width > 0 ? width : 1;
  }
  // The text between masked digits is copied in slices: no callback or array per value.
  let masked = '';
  let from = 0;
  let seen = 0;
  for (let i = 0; i < value.length;) {
    const width = digitAt(value, i);
    if (width === 0) {
      i += 1;
      continue;
    }
    seen += 1;
    if (seen > head && seen <= total - tail) {
      masked += value.slice(from, i) + '*';
      from = i + width;
    }
    i += width;
  }
  return from === 0 ? value : masked + value.slice(from);
}

/** A decimal digit of any script: `0`–`9`, full-width `０`–`９`, Arabic-Indic `٠`–`٩`… */
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** How many code units the decimal digit at `i` takes (1, or 2 beyond the BMP), or 0. */
function digitAt(value: string, i: number): number {
  const unit = value.charCodeAt(i);
  if (unit < 0x80) return unit >= 0x30 && unit <= 0x39 ? 1 : 0;
  const point = value.codePointAt(i) as number;
  return DECIMAL_DIGIT.test(String.fromCodePoint(point)) ? (point > 0xffff ? 2 : 1) : 0;
}

/** First character of the mailbox, then `***`, domain kept: `n***@gmail.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${String.fromCodePoint(email.codePointAt(0) as number)}***${email.slice(at)}`;
}

/** Code points in a string (a surrogate pair is one). */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // The second half of a pair is not counted again.
    if (unit < 0xdc00 || unit > 0xdfff || i === 0) count += 1;
    else {
      const before = text.charCodeAt(i - 1);
      if (before < 0xd800 || before > 0xdbff) count += 1;
    }
  }
  return count;
}

/** Only the last two comma-separated parts (commune or ward, province) are kept: `***, phường X, tỉnh Y`. */
export function maskAddress(address: string): string {
  // The last two non-empty parts, read from the end (no list of every part).
  const kept: string[] = [];
  let end = address.length;
  for (;;) {
    const comma = end === 0 ? -1 : address.lastIndexOf(',', end - 1);
    const part = address.slice(comma + 1, end).trim();
    if (part !== '') {
      if (kept.length === 2) return `***, ${kept[1] as string}, ${kept[0] as string}`;
      kept.push(part);
    }
    if (comma < 0) return '***';
    end = comma;
  }
}
