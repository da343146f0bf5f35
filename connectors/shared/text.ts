/**
 * Text as data (docs/domain.md §7): Vietnamese arrives precomposed (NFC) and decomposed (NFD); the
 * national model carries NFC. Identifiers are never passed through here.
 */

/** NFC-normalises and trims free text; empty text becomes null. */
export function normaliseText(value: string | null): string | null {
  if (value === null) return null;
  const text = value.normalize('NFC').trim();
  return text === '' ? null : text;
}

/**
 * The search and table key for Vietnamese text (docs/domain.md §7): NFD, combining marks removed,
 * `đ/Đ` folded to `d` (which NFD alone does not do), lower case, spaces collapsed. "Hoà", "hòa"
 * and "HOA" share one key.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
