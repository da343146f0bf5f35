import type { Applicant, NationalDossier } from '../../../connectors/model';

/**
 * Personal data masking (DOMAIN.md §8; the rule is documented in docs/MASKING.md). Applied to every
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
  const words = name.split(/\s+/).filter(Boolean);
  return words
    .map((word, index) => {
      const letters = [...word];
      if (index === 0 && words.length > 1) return word;
      return (letters[0] ?? '') + '*'.repeat(letters.length - 1);
    })
    .join(' ');
}

/** Every digit but the first `head` and last `tail` digits becomes `*`: `0912345612` → `09******12`. */
export function keepDigits(value: string, head: number, tail: number): string {
  const total = [...value].filter((c) => c >= '0' && c <= '9').length;
  let seen = 0;
  return [...value]
    .map((c) => {
      if (c < '0' || c > '9') return c;
      seen += 1;
      return seen <= head || seen > total - tail ? c : '*';
    })
    .join('');
}

/** First character of the mailbox, then `***`, domain kept: `n***@gmail.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${[...email][0]}***${email.slice(at)}`;
}

/** Only the last two comma-separated parts (commune or ward, province) are kept: `***, phường X, tỉnh Y`. */
export function maskAddress(address: string): string {
  const parts = address
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length <= 2) return '***';
  return ['***', ...parts.slice(-2)].join(', ');
}
