import { decodeVni } from '../../connectors/shared/legacyText';

/** Latin-1 letters a VNI-Windows text is written with (base letters and mark bytes). */
const LATIN1_LETTERS = [
  ...Array.from({ length: 26 }, (_, i) => String.fromCharCode(0x41 + i)),
  ...Array.from({ length: 26 }, (_, i) => String.fromCharCode(0x61 + i)),
  ...Array.from({ length: 0xff - 0xc0 + 1 }, (_, i) => String.fromCharCode(0xc0 + i)),
];

/**
 * Unicode letter → its VNI-Windows bytes as a Windows-1252 reader shows them (`ễ` → `eã`), the
 * inverse of the gateway's decoding table (as samples/land-soap does for TCVN3): every one- and
 * two-byte sequence that decodes to one letter, the shorter kept.
 */
const VNI_BYTES: ReadonlyMap<string, string> = (() => {
  const table = new Map<string, string>();
  const consider = (bytes: string) => {
    const letter = decodeVni(bytes);
    if ([...letter].length !== 1 || letter === bytes) return;
    const known = table.get(letter);
    if (known === undefined || bytes.length < known.length) table.set(letter, bytes);
  };
  for (const first of LATIN1_LETTERS) {
    consider(first);
    for (const second of LATIN1_LETTERS) consider(first + second);
  }
  return table;
})();

/** How the absorbed province's old system stored text: VNI-Windows bytes, read as Windows-1252. */
export function encodeVni(text: string): string {
  return [...text.normalize('NFC')].map((char) => VNI_BYTES.get(char) ?? char).join('');
}
