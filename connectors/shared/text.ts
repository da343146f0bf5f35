/**
 * Text as data (DOMAIN.md §7): Vietnamese arrives precomposed (NFC) and decomposed (NFD); the
 * national model carries NFC. Identifiers are never passed through here.
 */

/** NFC-normalises and trims free text; empty text becomes null. */
export function normaliseText(value: string | null): string | null {
  if (value === null) return null;
  const text = value.normalize('NFC').trim();
  return text === '' ? null : text;
}
