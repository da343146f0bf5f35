/**
 * The search key for Vietnamese text (DOMAIN.md §7): NFD, combining marks removed, `đ/Đ` folded
 * to `d` (which NFD alone does not do), lower case, spaces collapsed. "Hoà", "hòa" and "HOA"
 * share one key.
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
