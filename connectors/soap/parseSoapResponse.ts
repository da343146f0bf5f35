import {
  XmlCdata,
  XmlDeclaration,
  XmlDocument,
  XmlElement,
  XmlText,
  parseXml,
} from '@rgrove/parse-xml';
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
 * Values stay strings (docs/domain.md: `2.001610` and `000.00.12.H26` are codes, not numbers);
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
export function parseSoapResponse(text: string, read: XmlReader = readXml): SoapAnswer {
  // SOAP messages carry no DTD (SOAP 1.1 §3, 1.2 Part 1 §5); refusing one also refuses entity
  // bombs. A DTD can only stand before the root element; the same words later (in CDATA) are text.
  const root = text.search(/<[A-Za-z_]/);
  if (/<!DOCTYPE/i.test(root === -1 ? text : text.slice(0, root))) {
    return { ok: false, unreadable: 'the answer carries a DTD, which SOAP forbids' };
  }
  const read_ = read(text);
  if (!read_.ok) return { ok: false, unreadable: read_.unreadable };
  const document = read_.document as Record<string, unknown> | null;
  const envelope = document?.Envelope as Record<string, unknown> | undefined;
  const body = envelope?.Body;
  if (typeof body !== 'object' || body === null)
    return { ok: false, unreadable: 'the answer has no SOAP Envelope/Body' };
  const fault = (body as Record<string, unknown>).Fault;
  if (fault !== undefined) return { ok: false, fault: readFault(fault) };
  return { ok: true, body: body as Record<string, unknown> };
}

/**
 * Reads an XML document into what mappings read (fast-xml-parser's shape with the options above,
 * then `simplify`), or why not.
 */
export type XmlReader = (
  text: string,
) => { ok: true; document: unknown } | { ok: false; unreadable: string };

/**
 * fast-xml-parser, checked by its validator first: the reference reading, and the one used for
 * what `readXml` leaves to it.
 */
export const readXmlWithFastXmlParser: XmlReader = (text) => {
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    return { ok: false, unreadable: `the answer is not well-formed XML (line ${valid.err.line})` };
  try {
    return { ok: true, document: simplify(parser.parse(text)) };
  } catch (error) {
    // It refuses some well-formed documents (an element named __proto__, for one).
    return { ok: false, unreadable: `the answer cannot be read: ${(error as Error).message}` };
  }
};

/**
 * @rgrove/parse-xml (a conforming parser that refuses what is not well-formed), its tree turned
 * in one pass into what fast-xml-parser and `simplify` make of the document — element names
 * without prefix, attributes as `@_name`, text trimmed, repeated elements as lists, nil and empty
 * elements null — several times faster on a bulk answer, where reading the XML was most of a SOAP
 * lookup's cost. Anything it refuses or that this reading does not cover the same way (HTML
 * entities such as `&nbsp;`, processing instructions, text mixed with elements, CDATA with spaces
 * at an end, character references to white space, names of more than one colon) is read by
 * fast-xml-parser as before, so every answer reads as it did (tested equal over the land system's
 * answers, odd documents and random ones).
 */
export const readXml: XmlReader = (text) =>
  readXmlConforming(text) ?? readXmlWithFastXmlParser(text);

/** `readXml`'s own reading; null where fast-xml-parser reads the document instead. */
export function readXmlConforming(text: string): { ok: true; document: unknown } | null {
  // fast-xml-parser trims text before it decodes character references, so `&#10;` or `&#32;` at
  // an end of a text stays there; this parser decodes first: documents with such references are
  // left to it (references to letters, as Java stacks send Vietnamese, are read here).
  if (text.includes('&#') && hasWhitespaceReference(text)) return null;
  let document: XmlDocument;
  try {
    // CDATA sections apart from text around them, as fast-xml-parser sees them (see `element`).
    document = parseXml(text, { preserveXmlDeclaration: true, preserveCdata: true });
  } catch {
    return null;
  }
  const root = document.root;
  if (root === null) return null;
  const converted = element(root);
  if (converted === NOT_COVERED) return null;
  const read: Record<string, unknown> = {};
  const declaration = document.children.find((node) => node instanceof XmlDeclaration);
  if (declaration !== undefined) {
    const { version, encoding, standalone } = declaration as XmlDeclaration;
    read['?xml'] = {
      '@_version': version,
      ...(encoding === undefined || encoding === null ? {} : { '@_encoding': encoding }),
      ...(standalone === undefined || standalone === null ? {} : { '@_standalone': standalone }),
    };
  }
  const rootKey = elementKey(root.name);
  if (rootKey === null) return null;
  read[rootKey] = converted;
  return { ok: true, document: read };
}

const NOT_COVERED: unique symbol = Symbol('not covered');

/** One element as `simplify` leaves fast-xml-parser's reading of it; NOT_COVERED if it may differ. */
function element(node: XmlElement): unknown {
  let out: Record<string, unknown> | null = null;
  let text = '';
  let pieces = 0;
  for (const child of node.children) {
    if (child instanceof XmlElement) {
      const value = element(child);
      if (value === NOT_COVERED) return NOT_COVERED;
      const key = elementKey(child.name);
      // Names an object already has (`toString`, `__proto__`): fast-xml-parser's own handling.
      if (key === null) return NOT_COVERED;
      out ??= {};
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else out[key] = [existing, value];
    } else if (child instanceof XmlText || child instanceof XmlCdata) {
      // fast-xml-parser keeps a CDATA section's spaces: one with spaces at an end is left to it.
      if (child instanceof XmlCdata && child.text !== child.text.trim()) return NOT_COVERED;
      text += child.text;
      if (child.text.trim() !== '') pieces += 1;
    } else if (child.type !== 'comment') {
      return NOT_COVERED;
    }
  }
  // Text in several pieces (text and CDATA, or around comments) is trimmed piece by piece there.
  if (pieces > 1) return NOT_COVERED;
  const trimmed = text.trim();
  if (out !== null && trimmed !== '') return NOT_COVERED;
  // The last attribute named `nil` (whatever its prefix) decides, as in fast-xml-parser's reading.
  let nil: string | undefined;
  for (const name in node.attributes) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const value = node.attributes[name] as string;
    // This parser turns tabs and line breaks in attribute values into spaces (as XML says);
    // fast-xml-parser keeps them: a value with spaces may have had them.
    if (value.includes(' ')) return NOT_COVERED;
    const local = localPart(name);
    if (local === null) return NOT_COVERED;
    if (local === 'nil') nil = value;
    // An element with text and attributes is its text.
    if (trimmed !== '') continue;
    out ??= {};
    // `@_xmlns…` attributes are dropped (the element stays an object, empty if that was all).
    if (!local.startsWith('xmlns')) out[`@_${local}`] = value === '' ? null : value;
  }
  // xsi:nil is an xsd:boolean: "true" or "1"; a nil element is null, whatever it holds.
  if (nil === 'true' || nil === '1') return null;
  if (out === null) return trimmed === '' ? null : trimmed;
  return out;
}

/** Element names read so far, without prefix; null for names objects already have. */
const elementKeys = new Map<string, string | null>();

function elementKey(name: string): string | null {
  let key = elementKeys.get(name);
  if (key === undefined) {
    const local = localPart(name);
    key = local === null || local in Object.prototype ? null : local;
    // Names repeat from answer to answer; a system sending endless new ones is not remembered.
    if (elementKeys.size < 10_000) elementKeys.set(name, key);
  }
  return key;
}

/** A name without its prefix; null for a name of more than one colon (read otherwise there). */
function localPart(name: string): string | null {
  const colon = name.indexOf(':');
  if (colon === -1) return name;
  return name.indexOf(':', colon + 1) === -1 ? name.slice(colon + 1) : null;
}

const CHARACTER_REFERENCE = /&#(?:x([0-9a-fA-F]+)|([0-9]+));/g;

/** Whether a character reference in the text stands for white space. */
function hasWhitespaceReference(text: string): boolean {
  for (const match of text.matchAll(CHARACTER_REFERENCE)) {
    const code = match[1] === undefined ? Number(match[2]) : Number.parseInt(match[1], 16);
    if (code <= 0x10ffff && /\s/.test(String.fromCodePoint(code))) return true;
  }
  return false;
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
