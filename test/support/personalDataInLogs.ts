import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES } from '../../samples/generator/vocabulary';

/**
 * What the sample systems' personal data looks like: citizens' names (family, middle and given
 * name from the generator's vocabulary, composed or decomposed), citizen ID (12 digits, `038…`),
 * old ID cards (9 digits) and tax codes (`28…`, 10 digits), phones (`09…`, `03…`, `08…`, 10 digits)
 * and e-mail addresses. Masked forms (`Nguyễn V*** A**`, `*********123`) do not match.
 */
const either = (words: readonly string[]) =>
  `(?:${words.flatMap((w) => [w.normalize('NFC'), w.normalize('NFD')]).join('|')})`;
export const PERSONAL_DATA_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  [
    'name',
    new RegExp(
      `${either(FAMILY_NAMES)} ${either(MIDDLE_NAMES)} ${either(GIVEN_NAMES)}(?![\\p{L}*])`,
      'u',
    ),
  ],
  ['identity number', /(?<![\w*])(?:038\d{9}|28\d{8}|\d{9})(?![\w*])/],
  ['phone', /(?<![\w*])0[398]\d{8}(?![\w*])/],
  ['e-mail', /[a-z0-9._-]+\d{1,2}@gmail\.com/],
];

export interface Finding {
  file: string;
  line: number;
  kind: string;
}

/** Every line of every file in `folder` holding something that looks like personal data. */
export function findPersonalData(folder: string): { lines: number; findings: Finding[] } {
  let lines = 0;
  const findings: Finding[] = [];
  for (const file of readdirSync(folder)) {
    const text = readFileSync(join(folder, file), 'utf8');
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      lines += 1;
      for (const [kind, pattern] of PERSONAL_DATA_PATTERNS) {
        if (pattern.test(line)) findings.push({ file, line: index + 1, kind });
      }
    });
  }
  return { lines, findings };
}
