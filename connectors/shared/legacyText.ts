/**
 * Vietnamese text from before Unicode (DOMAIN.md §7): old systems still emit TCVN3 (TCVN
 * 5712:1993, the ".Vn" fonts) or VNI-Windows bytes, which arrive read as Latin-1 ("TiÕng ViÖt",
 * "Tieáng Vieät"). No npm package decodes VNI, so both tables are the project's own; the TCVN3
 * table is checked against glibc's iconv in the tests.
 *
 * TCVN3 kept toned capitals in separate fonts at the lowercase positions, so their case cannot be
 * recovered from the bytes: they decode as lowercase.
 */

export type LegacyEncoding = 'tcvn3' | 'vni';

/** TCVN 5712 byte (as a Latin-1 code point) → Vietnamese letter, for 0xA1–0xFF. */
const TCVN3: Readonly<Record<number, string>> = Object.fromEntries(
  (
    [
      [0xa1, 'Ă'],
      [0xa2, 'Â'],
      [0xa3, 'Ê'],
      [0xa4, 'Ô'],
      [0xa5, 'Ơ'],
      [0xa6, 'Ư'],
      [0xa7, 'Đ'],
      [0xa8, 'ă'],
      [0xa9, 'â'],
      [0xaa, 'ê'],
      [0xab, 'ô'],
      [0xac, 'ơ'],
      [0xad, 'ư'],
      [0xae, 'đ'],
      [0xb5, 'à'],
      [0xb6, 'ả'],
      [0xb7, 'ã'],
      [0xb8, 'á'],
      [0xb9, 'ạ'],
      [0xbb, 'ằ'],
      [0xbc, 'ẳ'],
      [0xbd, 'ẵ'],
      [0xbe, 'ắ'],
      [0xc6, 'ặ'],
      [0xc7, 'ầ'],
      [0xc8, 'ẩ'],
      [0xc9, 'ẫ'],
      [0xca, 'ấ'],
      [0xcb, 'ậ'],
      [0xcc, 'è'],
      [0xce, 'ẻ'],
      [0xcf, 'ẽ'],
      [0xd0, 'é'],
      [0xd1, 'ẹ'],
      [0xd2, 'ề'],
      [0xd3, 'ể'],
      [0xd4, 'ễ'],
      [0xd5, 'ế'],
      [0xd6, 'ệ'],
      [0xd7, 'ì'],
      [0xd8, 'ỉ'],
      [0xdc, 'ĩ'],
      [0xdd, 'í'],
      [0xde, 'ị'],
      [0xdf, 'ò'],
      [0xe1, 'ỏ'],
      [0xe2, 'õ'],
      [0xe3, 'ó'],
      [0xe4, 'ọ'],
      [0xe5, 'ồ'],
      [0xe6, 'ổ'],
      [0xe7, 'ỗ'],
      [0xe8, 'ố'],
      [0xe9, 'ộ'],
      [0xea, 'ờ'],
      [0xeb, 'ở'],
      [0xec, 'ỡ'],
      [0xed, 'ớ'],
      [0xee, 'ợ'],
      [0xef, 'ù'],
      [0xf1, 'ủ'],
      [0xf2, 'ũ'],
      [0xf3, 'ú'],
      [0xf4, 'ụ'],
      [0xf5, 'ừ'],
      [0xf6, 'ử'],
      [0xf7, 'ữ'],
      [0xf8, 'ứ'],
      [0xf9, 'ự'],
      [0xfa, 'ỳ'],
      [0xfb, 'ỷ'],
      [0xfc, 'ỹ'],
      [0xfd, 'ý'],
      [0xfe, 'ỵ'],
      // TCVN 5712 VN1 also places a few capitals here; VN3 fonts leave them unused.
      [0xaf, 'Ằ'],
      [0xba, 'Ẳ'],
      [0xbf, 'Ẵ'],
      [0xc0, 'Ắ'],
      [0xc1, 'Ầ'],
      [0xc2, 'Ẩ'],
      [0xc3, 'Ẫ'],
      [0xc4, 'Ấ'],
      [0xc5, 'Ề'],
      [0xcd, 'Ể'],
      [0xd9, 'Ễ'],
      [0xda, 'Ế'],
      [0xdb, 'Ồ'],
      [0xe0, 'Ổ'],
      [0xf0, 'Ỗ'],
      [0xff, 'Ố'],
    ] as const
  ).map(([byte, letter]) => [byte, letter]),
);

/** Decodes TCVN3 text that was read as Latin-1. Characters outside the table are kept. */
export function decodeTcvn3(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    out += code >= 0xa1 && code <= 0xff ? (TCVN3[code] ?? char) : char;
  }
  return out.normalize('NFC');
}

// VNI-Windows writes a vowel as its base letter followed by one mark byte; ơ, ư, đ and some
// i/y forms are single bytes. Marks are given here as the combining characters they stand for.
const GRAVE = '\u0300';
const ACUTE = '\u0301';
const TILDE = '\u0303';
const HOOK = '\u0309';
const DOT = '\u0323';
const CIRCUMFLEX = '\u0302';
const BREVE = '\u0306';
const HORN = '\u031b';

/** Mark byte (lower-case form; upper-case letters use the upper-case byte) → combining marks. */
const VNI_MARKS: Readonly<Record<string, string>> = {
  ù: ACUTE,
  ø: GRAVE,
  û: HOOK,
  õ: TILDE,
  ï: DOT,
  â: CIRCUMFLEX,
  á: CIRCUMFLEX + ACUTE,
  à: CIRCUMFLEX + GRAVE,
  å: CIRCUMFLEX + HOOK,
  ã: CIRCUMFLEX + TILDE,
  ä: CIRCUMFLEX + DOT,
  ê: BREVE,
  é: BREVE + ACUTE,
  è: BREVE + GRAVE,
  ú: BREVE + HOOK,
  ü: BREVE + TILDE,
  ë: BREVE + DOT,
};

/** Which marks each base letter takes (VNI puts circumflex on a/e/o, breve on a only). */
const VNI_BASES: Readonly<Record<string, ReadonlySet<string>>> = {
  a: new Set(Object.keys(VNI_MARKS)),
  e: new Set(['ù', 'ø', 'û', 'õ', 'ï', 'â', 'á', 'à', 'å', 'ã', 'ä']),
  o: new Set(['ù', 'ø', 'û', 'õ', 'ï', 'â', 'á', 'à', 'å', 'ã', 'ä']),
  u: new Set(['ù', 'ø', 'û', 'õ', 'ï']),
  y: new Set(['ù', 'ø', 'û', 'õ']),
  // ơ and ư (single bytes below) take the five tones.
  ô: new Set(['ù', 'ø', 'û', 'õ', 'ï']),
  ö: new Set(['ù', 'ø', 'û', 'õ', 'ï']),
};

/** Single VNI bytes that are whole letters on their own (lower-case form). */
const VNI_LETTERS: Readonly<Record<string, string>> = {
  ô: 'o' + HORN, // ơ
  ö: 'u' + HORN, // ư
  ñ: 'đ',
  í: 'i' + ACUTE,
  ì: 'i' + GRAVE,
  æ: 'i' + HOOK,
  ó: 'i' + TILDE,
  ò: 'i' + DOT,
  î: 'y' + DOT,
};

/** Decodes VNI-Windows text that was read as Latin-1. Unknown sequences are kept. */
export function decodeVni(text: string): string {
  const chars = [...text];
  let out = '';
  for (let i = 0; i < chars.length; i += 1) {
    const char = chars[i] as string;
    const lower = char.toLowerCase();
    const upper = char !== lower;
    const next = chars[i + 1];
    const marks = VNI_BASES[lower];
    if (marks !== undefined && next !== undefined) {
      const mark = next.toLowerCase();
      if (marks.has(mark) && (next !== mark) === upper) {
        out += `${letterOf(lower, upper)}${VNI_MARKS[mark]}`;
        i += 1;
        continue;
      }
    }
    out += lower in VNI_LETTERS ? letterOf(lower, upper) : char;
  }
  return out.normalize('NFC');
}

function letterOf(lower: string, upper: boolean): string {
  const letter = VNI_LETTERS[lower] ?? lower;
  return upper ? letter.toUpperCase() : letter;
}

/** Letters only Unicode Vietnamese has (ă, đ, ơ, ư, ĩ, ũ and U+1EA0–U+1EF9). */
const UNICODE_VIETNAMESE = /[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]/u;
/** Latin-1 characters Vietnamese never uses, but legacy bytes produce. */
const LEGACY_ONLY =
  /[\u00a1-\u00bf\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d0\u00d1\u00d6-\u00d8\u00db\u00dc\u00de\u00df\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f0\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff]/u;

/**
 * Whether text looks like legacy bytes rather than Unicode Vietnamese: it holds none of the
 * letters only Unicode has, and at least one character Vietnamese never uses. Short Unicode
 * strings made of shared letters ("Tô", "Hà") are left alone.
 */
export function looksLegacy(text: string): boolean {
  return !UNICODE_VIETNAMESE.test(text) && LEGACY_ONLY.test(text);
}

export function decodeLegacy(text: string, encoding: LegacyEncoding): string {
  return encoding === 'tcvn3' ? decodeTcvn3(text) : decodeVni(text);
}
