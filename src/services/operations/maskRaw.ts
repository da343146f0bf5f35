import type { NationalDossier } from '../../../connectors/model';
import { maskName } from '../dossiers/maskDossier';

/**
 * Masks an upstream answer as received (JSON, XML or other text) for the console's raw view.
 * Deny by default: every value (and every JSON key) is replaced by `***` unless it is plainly not
 * personal —
 *
 * - a value the connector mapped to a non-personal national field of a dossier in the answer
 *   (code, procedure, field, agency, status and channel as written, processing step contents and
 *   departments);
 * - a date or time, in any of the usual formats, that is one of the dossier's mapped dates
 *   (received, due, finished, steps, …) — a date of birth the connector does not map stays hidden;
 * - an identifier-like token: ASCII letters, digits, `_ . -` without spaces and not all digits
 *   (status words, enum values, codes such as `000.00.01.H56` or `G05-KD`), a procedure code
 *   (`1.004227`), a number of at most 8 digits, a boolean, null.
 *
 * A citizen's name the connector mapped comes back in its masked form (`Nguyễn V** A*`) so that the
 * engineer sees where it sits. Anything else — free text, names split over fields, numbers written
 * with spaces, unmapped fields, other records — is `***`. An answer that cannot be read as JSON is
 * masked as markup: text nodes, CDATA and attribute values alike; comments are dropped.
 */
export function maskRawAnswer(raw: string, dossiers: readonly NationalDossier[]): string {
  const allowed = new Set<string>();
  const dates = new Set<string>();
  const names = new Map<string, string>();
  for (const dossier of dossiers) {
    for (const value of [
      dossier.code,
      dossier.procedureCode,
      dossier.procedureName,
      dossier.fieldCode,
      dossier.fieldName,
      dossier.agencyCode,
      dossier.agencyName,
      dossier.status?.raw,
      dossier.channel?.raw,
      ...dossier.history.flatMap((step) => [step.content, step.department, step.status?.raw]),
    ]) {
      if (typeof value === 'string' && value.trim() !== '') allowed.add(fold(value));
    }
    for (const iso of JSON.stringify(dossier).match(ISO_TIME) ?? []) dates.add(dateKey(iso) ?? '');
    const { name, type } = dossier.applicant;
    if (name !== null && (type === null || type === 1)) names.set(fold(name), maskName(name));
  }
  const mask = (value: string): string => {
    const folded = fold(value);
    if (folded === '') return value;
    if (allowed.has(folded) || harmless(value.trim())) return value;
    const key = dateKey(value.trim());
    if (key !== null && [...dates].some((known) => known.startsWith(key))) return value;
    return names.get(folded) ?? '***';
  };

  const trimmed = raw.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(maskJson(JSON.parse(raw), mask), null, 2);
    } catch {
      // Not JSON after all: masked as text below.
    }
  }
  return maskMarkup(raw, mask);
}

function maskJson(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (typeof value === 'number') return mask(String(value)) === String(value) ? value : '***';
  if (Array.isArray(value)) return value.map((item) => maskJson(item, mask));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [mask(key), maskJson(item, mask)]),
    );
  }
  return value;
}

/** Markup (XML, SOAP, an HTML error page) or plain text: every piece of text goes through `mask`. */
function maskMarkup(raw: string, mask: (text: string) => string): string {
  if (!raw.includes('<')) return mask(raw);
  return (
    raw
      // Comments could hold anything.
      .replace(/<!--[\s\S]*?-->/g, '')
      // CDATA sections first, then text between tags, then attribute values (either quote).
      .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, body: string) => `<![CDATA[${mask(body)}]]>`)
      .replace(/>([^<]+)</g, (whole, body: string) =>
        body.trim() === '' ? whole : `>${escapeXml(mask(unescapeXml(body)))}<`,
      )
      .replace(
        /(\s[\w:.-]+\s*=\s*)(["'])([\s\S]*?)\2/g,
        (_, name: string, quote: string, body: string) =>
          // Namespace declarations are the message's structure, not data.
          /^\s*xmlns\b/.test(name)
            ? `${name}${quote}${body}${quote}`
            : `${name}${quote}${escapeXml(mask(unescapeXml(body)))}${quote}`,
      )
  );
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?/g;

/**
 * A date as digits `yyyyMMdd[HHmm[ss]]` from the usual ways of writing one (time of day as
 * written, Vietnam time), or null when `value` is not a date.
 */
function dateKey(value: string): string | null {
  let match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (match !== null) return match.slice(1).join('');
  match = /^(\d{2})[/-](\d{2})[/-](\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (match !== null) {
    const [, day, month, year, hour, minute, second] = match;
    return `${year}${month}${day}${hour ?? ''}${minute ?? ''}${second ?? ''}`;
  }
  match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
  if (match !== null) {
    const [, year, month, day, hour, minute, second] = match;
    return `${year}${month}${day}${hour ?? ''}${minute ?? ''}${second ?? ''}`;
  }
  return null;
}

/** Values that say nothing about a person: identifier-like tokens, small numbers. */
function harmless(value: string): boolean {
  if (value === 'true' || value === 'false' || value === 'null') return true;
  // Numbers of at most 8 digits (statuses, counts, amounts); never identity or phone numbers.
  if (/^-?\d{1,8}(\.\d+)?$/.test(value)) return true;
  // Procedure codes of the national database.
  if (/^\d\.\d{6}$/.test(value)) return true;
  // Identifier-like tokens with at least one letter: status words, enums, agency codes.
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) && /[A-Za-z]/.test(value);
}

/** NFC, lower case, single spaces: how two writings of one value compare. */
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
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
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
