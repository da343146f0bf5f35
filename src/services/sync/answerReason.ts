/** A reason is never longer than this. */
const MAX = 120;

/**
 * What a dead letter keeps of the receiver's answer (it is listed by `npm run sync -- dead`, and
 * the answer may quote the record: names, ID numbers): the HTTP status, and of the body only its
 * JSON `code`, `error` and `message` fields when they are strings, with personal-looking text
 * masked. Any other body (HTML, plain text, other fields) is left out. At most 120 characters.
 */
export function answerReason(status: number, data: unknown): string {
  const head = `HTTP ${status}`;
  const said = saidFields(data);
  return said === '' ? head : clip(`${head}: ${maskPersonal(said)}`);
}

/** Masks what may identify a person: e-mail-like text, phone-like text, runs of 9+ digits. */
export function maskPersonal(text: string): string {
  return text
    .replace(/[^\s@"'<>(),;]+@[^\s@"'<>(),;]+/g, '***@***')
    .replace(/\+?\d[\d .()-]{7,}\d/g, (run) => (run.replace(/\D/g, '').length >= 9 ? '***' : run))
    .replace(/\d{9,}/g, '***');
}

/** At most 120 characters, cut with an ellipsis. */
export function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX ? `${flat.slice(0, MAX - 1)}…` : flat;
}

function saidFields(data: unknown): string {
  let body = data;
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data) as unknown;
    } catch {
      return '';
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return '';
  const fields = body as Record<string, unknown>;
  return ['code', 'error', 'message']
    .map((name) => fields[name])
    .filter((value): value is string => typeof value === 'string' && value.trim() !== '')
    .join(': ');
}
