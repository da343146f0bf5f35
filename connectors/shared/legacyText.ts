/**
 * Vietnamese text from before Unicode (docs/domain.md §7): old systems still emit TCVN3 (TCVN
 * 5712:1993, the ".Vn" fonts) or VNI-Windows bytes, which arrive read as Latin-1 ("TiÕng ViÖt",
 * "Tieáng Vieät"). No npm package decodes VNI, so both tables are the project's own; the TCVN3
 * table is checked against glibc's iconv in the tests.
 *
 * TCVN3 kept toned capitals in separate fonts at the lowercase positions, so their case cannot be
 * recovered from the bytes: they decode as lowercase.
 */

import { isVietnameseSyllable } from './vietnameseSyllable';

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
/** Latin-1 letters Unicode Vietnamese also uses: seeing them proves nothing. */
const SHARED = new Set([...'àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ']);
/** Signs that stand next to digits in ordinary text (5×20, 25°C, 1½); there they are not letters. */
const SIGNS = new Set([...'×÷°±²³¼½¾µ·']);
const VOWELS = new Set([...'aeiouyAEIOUY']);

/**
 * Evidence that text is TCVN3 bytes read as Latin-1: an accented capital right after a lower-case
 * letter inside a word ("TiÕng", "thÕ" — Unicode Vietnamese never writes that), and Latin-1 letters
 * Vietnamese never uses ("B¶o Th¾ng"). One capital inside a word is enough; other letters must
 * be at least two, so that a lone "Müller" stays as it is.
 */
function tcvn3Evidence(chars: readonly string[]): boolean {
  let inside = 0;
  let foreign = 0;
  chars.forEach((char, index) => {
    const code = char.codePointAt(0) as number;
    if (code < 0xa1 || code > 0xff || SHARED.has(char)) {
      if (code >= 0xc0 && code <= 0xdd && /\p{Ll}/u.test(chars[index - 1] ?? '')) inside += 1;
      return;
    }
    if (SIGNS.has(char) && (/\d/.test(chars[index - 1] ?? '') || /\d/.test(chars[index + 1] ?? '')))
      return;
    if (code >= 0xc0 && code <= 0xdd && /\p{Ll}/u.test(chars[index - 1] ?? '')) inside += 1;
    else foreign += 1;
  });
  return inside >= 1 || foreign >= 2;
}

/** VNI mark bytes that are no Vietnamese letter at all. */
const VNI_ONLY = new Set([...'øûïåäëüñöæîØÛÏÅÄËÜÑÖÆÎ']);
/** Accented vowels Unicode Vietnamese puts after o (hoà, hoá, hoãn, khoẻ) or u (quà, xuân, thuê). */
const AFTER_O = new Set([...'àáãèéÀÁÃÈÉ']);
const AFTER_U = new Set([...'àáâãêôÀÁÂÃÊÔýÝ']);

/**
 * Evidence that text is VNI bytes read as Latin-1: mark bytes that are no Vietnamese letter
 * ("Ñöùc"), and a vowel followed by an accented vowel no Vietnamese word has ("Vaên", "Taùm",
 * "Nguyeãn") in a word that is no Vietnamese syllable ("Giáp" is one: "gi" is its initial). Two
 * pieces of evidence are needed, or one in a text of at most two words.
 */
function vniEvidence(chars: readonly string[]): boolean {
  let evidence = 0;
  const words = chars.join('').trim().split(/\s+/);
  for (const word of words) {
    const letters = [...word];
    // Read only when a vowel pair asks (the syllable check is the costly part).
    let syllable: boolean | undefined;
    letters.forEach((char, index) => {
      if (VNI_ONLY.has(char)) {
        evidence += 1;
        return;
      }
      const previous = letters[index - 1] ?? '';
      if (!SHARED.has(char) || !VOWELS.has(previous)) return;
      syllable ??= isVietnameseSyllable(word);
      if (syllable) return;
      const lower = previous.toLowerCase();
      const expected =
        lower === 'o'
          ? AFTER_O.has(char)
          : lower === 'u'
            ? AFTER_U.has(char)
            : lower === 'i' || lower === 'y'
              ? 'êÊ'.includes(char)
              : false;
      if (!expected) evidence += 1;
    });
  }
  return evidence >= 2 || (evidence === 1 && words.length <= 2);
}

/**
 * Whether a value looks like legacy bytes of the given encoding rather than Unicode Vietnamese.
 * Text with a letter only Unicode has, or with any character beyond Latin-1 (such as "–", or the
 * combining marks of decomposed text), is Unicode. Otherwise it is legacy when decoding makes at
 * least one of its words a Vietnamese syllable (vietnameseSyllable.ts) and there is evidence:
 * the encoding's own (above), or a word that is no syllable as sent and one decoded ("Nguyeãn" →
 * "Nguyễn"; "Hoà" is a syllable as sent, so it proves nothing). Registrations can say
 * `mode: always`, or decide per record with `when`, for fields detection cannot settle.
 */
export function looksLegacy(text: string, encoding: LegacyEncoding): boolean {
  // Plain ASCII decodes to itself; a letter only Unicode has is Unicode.
  if (!LATIN1_BYTE.test(text) || UNICODE_VIETNAMESE.test(text)) return false;
  const chars = [...text];
  if (chars.some((char) => (char.codePointAt(0) as number) > 0xff)) return false;
  const { decodesToSyllable, decisive } = wordEvidence(text, encoding);
  if (!decodesToSyllable) return false;
  return decisive || (encoding === 'tcvn3' ? tcvn3Evidence(chars) : vniEvidence(chars));
}

const LATIN1_BYTE = /[\u0080-\u00ff]/u;
/** Words: what stands between spaces, digits and ASCII punctuation (legacy bytes stay inside). */
const WORD_BREAKS = /[\s0-9!-/:-@[-`{-~]+/u;
const ASCII_LETTER = /[A-Za-z]/;

/**
 * What the words of a text say: whether decoding makes any changed word a Vietnamese syllable,
 * and whether one word with an ASCII letter is no syllable as sent but one decoded (a lone sign
 * such as "×", which TCVN3 would read as "ì", proves nothing).
 */
function wordEvidence(
  text: string,
  encoding: LegacyEncoding,
): { decodesToSyllable: boolean; decisive: boolean } {
  let decodesToSyllable = false;
  for (const word of text.split(WORD_BREAKS)) {
    if (!LATIN1_BYTE.test(word)) continue;
    const decoded = decodeLegacy(word, encoding);
    if (decoded === word || !isVietnameseSyllable(decoded)) continue;
    decodesToSyllable = true;
    if (ASCII_LETTER.test(word) && !isVietnameseSyllable(word))
      return { decodesToSyllable, decisive: true };
  }
  return { decodesToSyllable, decisive: false };
}

export function decodeLegacy(text: string, encoding: LegacyEncoding): string {
  return encoding === 'tcvn3' ? decodeTcvn3(text) : decodeVni(text);
}
