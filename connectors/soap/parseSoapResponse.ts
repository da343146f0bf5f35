import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A SOAP fault, 1.1 or 1.2, reduced to what a registration can match on. */
export interface SoapFault {
  /** Fault code's local name: `Client`, `Server` (1.1), `Sender`, `Receiver` (1.2), or a custom one. */
  code: string;
  /** SOAP 1.2 subcode's local name, when given. */
  subcode: string | null;
  reason: string | null;
  detail: unknown;
}

export type SoapAnswer =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; fault: SoapFault }
  | { ok: false; unreadable: string };

/**
 * Values stay strings (DOMAIN.md: `2.001610` and `000.00.12.H26` are codes, not numbers);
 * namespace prefixes are dropped so mappings read `TraCuuHoSoResponse.HoSo`.
 */
const parser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  trimValues: true,
  processEntities: true,
  // Numeric character references (`Ti&#7871;ng`), which Java and ASCII-only stacks send for
  // Vietnamese; `&amp;#7871;` stays text.
  htmlEntities: true,
});

/** Parses a SOAP response body into its Body (as JSON) or its Fault. Never throws. */
export function parseSoapResponse(text: string): SoapAnswer {
  // SOAP messages carry no DTD (SOAP 1.1 §3, 1.2 Part 1 §5); refusing one also refuses entity
  // bombs. A DTD can only stand before the root element; the same words later (in CDATA) are text.
  const doctype = text.search(/<!DOCTYPE/i);
  const root = text.search(/<[A-Za-z_]/);
  if (doctype !== -1 && (root === -1 || doctype < root)) {
    return { ok: false, unreadable: 'the answer carries a DTD, which SOAP forbids' };
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    return { ok: false, unreadable: `the answer is not well-formed XML (line ${valid.err.line})` };
  const document = simplify(parser.parse(text)) as Record<string, unknown> | null;
  const envelope = document?.Envelope as Record<string, unknown> | undefined;
  const body = envelope?.Body;
  if (typeof body !== 'object' || body === null)
    return { ok: false, unreadable: 'the answer has no SOAP Envelope/Body' };
  const fault = (body as Record<string, unknown>).Fault;
  if (fault !== undefined) return { ok: false, fault: readFault(fault) };
  return { ok: true, body: body as Record<string, unknown> };
}

function readFault(fault: unknown): SoapFault {
  const f = asRecord(fault);
  if (f.faultcode !== undefined) {
    return {
      code: localName(f.faultcode),
      subcode: null,
      reason: text(f.faultstring),
      detail: f.detail ?? null,
    };
  }
  const code = asRecord(f.Code);
  const subcode = asRecord(code.Subcode).Value;
  return {
    code: localName(code.Value),
    subcode: subcode === undefined ? null : localName(subcode),
    reason: text(asRecord(f.Reason).Text),
    detail: f.Detail ?? null,
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** `soap:Client.NotFound` → `Client.NotFound`. */
function localName(value: unknown): string {
  const name = text(value) ?? '';
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'object' && value !== null && '#text' in value)
    return text((value as Record<string, unknown>)['#text']);
  return null;
}

/**
 * `xsi:nil="true"` elements become null, empty elements null, and an element with text and
 * attributes its text: mappings then read values, not XML details.
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (typeof node !== 'object' || node === null) return node === '' ? null : node;
  const entries = Object.entries(node as Record<string, unknown>);
  // xsi:nil is an xsd:boolean: "true" or "1".
  if (entries.some(([key, value]) => key === '@_nil' && (value === 'true' || value === '1')))
    return null;
  const textValue = (node as Record<string, unknown>)['#text'];
  if (textValue !== undefined && entries.every(([key]) => key === '#text' || key.startsWith('@_')))
    return textValue;
  return Object.fromEntries(
    entries
      .filter(([key]) => !key.startsWith('@_xmlns'))
      .map(([key, value]) => [key, simplify(value)]),
  );
}
