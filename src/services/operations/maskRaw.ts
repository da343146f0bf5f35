import { decodeLegacy } from '../../../connectors/shared/legacyText';
import type { NationalDossier } from '../../../connectors/model';
import { keepDigits, maskAddress, maskEmail, maskName } from '../dossiers/maskDossier';

/**
 * Masks personal data in an upstream answer as received (JSON or XML text), for the console's
 * raw view. The connector already found the personal values: they are taken from the normalised,
 * unmasked dossier, and every string in the raw text that is one of them — as written, decomposed
 * (NFD), XML- or JSON-escaped, or in TCVN3/VNI bytes — is replaced by its masked form (or `***`).
 * A last pass masks whatever still looks like an identity or phone number or an e-mail address.
 */
export function maskRawAnswer(raw: string, dossiers: readonly NationalDossier[]): string {
  const personal = new Map<string, string>();
  for (const dossier of dossiers) {
    const { applicant } = dossier;
    const citizen = applicant.type === null || applicant.type === 1;
    if (applicant.name !== null && citizen) personal.set(applicant.name, maskName(applicant.name));
    for (const id of applicant.ids) personal.set(id.number, keepDigits(id.number, 0, 3));
    if (applicant.phone !== null) personal.set(applicant.phone, keepDigits(applicant.phone, 2, 2));
    if (applicant.email !== null) personal.set(applicant.email, maskEmail(applicant.email));
    if (applicant.address !== null) personal.set(applicant.address, maskAddress(applicant.address));
    if (dossier.summary !== null) personal.set(dossier.summary, '***');
    for (const file of dossier.files) {
      if (file.name !== null) personal.set(file.name, '***');
      if (file.url !== null) personal.set(file.url, '***');
    }
    for (const result of dossier.results) if (result.url !== null) personal.set(result.url, '***');
  }
  const values = [...personal.entries()]
    .filter(([value]) => value.trim().length >= 3)
    .map(([value, masked]) => [fold(value), masked] as const);

  const maskValue = (text: string): string | null => {
    const readings = [text, safeDecode(text, 'tcvn3'), safeDecode(text, 'vni')].map(fold);
    for (const [value, masked] of values) {
      if (readings.some((reading) => reading === value)) return masked;
      if (readings.some((reading) => reading.includes(value))) return '***';
    }
    return null;
  };

  let masked: string;
  const trimmed = raw.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    // JSON string values (keys are left alone): "…" with escapes.
    masked = raw.replace(
      /"((?:[^"\\]|\\.)*)"(\s*[,}\]])/g,
      (whole, body: string, after: string) => {
        let text: string;
        try {
          text = JSON.parse(`"${body}"`) as string;
        } catch {
          return whole;
        }
        const replacement = maskValue(text);
        return replacement === null ? whole : `${JSON.stringify(replacement)}${after}`;
      },
    );
  } else {
    // XML text nodes and attribute values.
    masked = raw
      .replace(/>([^<]+)</g, (whole, body: string) => {
        const replacement = maskValue(unescapeXml(body));
        return replacement === null ? whole : `>${escapeXml(replacement)}<`;
      })
      .replace(/="([^"]*)"/g, (whole, body: string) => {
        const replacement = maskValue(unescapeXml(body));
        return replacement === null ? whole : `="${escapeXml(replacement)}"`;
      });
  }
  return maskPatterns(masked);
}

/**
 * What is left that looks personal: runs of 9 to 12 digits (identity cards, tax codes, phone
 * numbers; dates and 13-digit timestamps are left alone) and e-mail addresses.
 */
function maskPatterns(text: string): string {
  return text
    .replace(/(?<!\d)\d{9,12}(?!\d)/g, (digits) => keepDigits(digits, 0, 3))
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, (email) => maskEmail(email));
}

/** NFC, lower case, single spaces: how two writings of one value compare. */
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function safeDecode(text: string, encoding: 'tcvn3' | 'vni'): string {
  try {
    return decodeLegacy(text, encoding);
  } catch {
    return text;
  }
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
