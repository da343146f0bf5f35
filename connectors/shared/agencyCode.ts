/**
 * Agency codes (mã định danh, QCVN 102:2016/BTTTT; docs/domain.md §2): `LLL.LL.LL.X99`, read right to
 * left — level 1 last (`H56` Thanh Hóa province), then levels 2, 3, 4. Decision 20/2020/QĐ-TTg
 * allows up to 35 characters of digits, A–Z and dots; short forms drop zero groups and read left
 * to right (`H56.14` is `000.00.14.H56`).
 */

const STANDARD = /^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})$/;
const SHORT = /^([A-Z]\d{2})(?:\.(\d{2}))?(?:\.(\d{2}))?(?:\.(\d{3}))?$/;
const ANY = /^[0-9A-Z]+(?:\.[0-9A-Z]+)*$/;

/** Longest identifier Decision 20/2020/QĐ-TTg allows. */
export const MAX_AGENCY_CODE_LENGTH = 35;

export function isAgencyCode(value: string): boolean {
  return value.length >= 2 && value.length <= MAX_AGENCY_CODE_LENGTH && ANY.test(value);
}

/** The standard 13-character form of a short code (`H56.14` → `000.00.14.H56`); other forms unchanged. */
export function canonicalAgencyCode(code: string): string {
  const short = SHORT.exec(code);
  if (short === null) return code;
  const [, level1, level2 = '00', level3 = '00', level4 = '000'] = short;
  return `${level4}.${level3}.${level2}.${level1}`;
}

/**
 * The hierarchy keys of a code, most specific first, in short form: `000.17.22.H56` →
 * [`H56.22.17`, `H56.22`, `H56`]. Coverage declared as `H56` therefore covers every unit of
 * Thanh Hóa. Codes outside the standard form have no hierarchy beyond themselves.
 */
export function hierarchyKeys(code: string): string[] {
  const standard = STANDARD.exec(canonicalAgencyCode(code));
  if (standard === null) return [];
  const [, level4, level3, level2, level1] = standard as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const path = [level1, level2, level3, level4];
  // Trailing zero groups are not levels: `000.00.06.H56` is H56.06, not H56.06.00.000.
  let depth = path.length;
  while (depth > 1 && /^0+$/.test(path[depth - 1] as string)) depth -= 1;
  const keys: string[] = [];
  for (let length = depth; length >= 1; length -= 1) keys.push(path.slice(0, length).join('.'));
  return keys;
}

/** Whether `key` is a hierarchy key (`H56`, `H56.22`, `G09.20`) usable in coverage. */
export function isHierarchyKey(key: string): boolean {
  return SHORT.test(key);
}

/** The short form of a standard code (`000.00.14.H56` → `H56.14`); other codes unchanged. */
export function shortForm(code: string): string {
  return hierarchyKeys(code)[0] ?? code;
}
