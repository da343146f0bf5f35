import type { ProcessingTimeLimit, TimeLimitUnit } from '../model';
import { foldText } from './text';

/**
 * Thời hạn giải quyết as catalogues publish it ("05 ngày làm việc", "Không quá 10 ngày kể từ ngày
 * nhận đủ hồ sơ hợp lệ", "8 giờ làm việc", "Trong ngày") read as a number and a unit. The text is
 * compared folded (NFC or NFD, any case, with or without diacritics), and is read only when it
 * says one thing: a text with cases or conditions ("…; trường hợp phải xác minh thì 15 ngày"), a
 * bare number or an unknown unit is not read — the caller keeps the text and warns, never guesses.
 *
 * What is read (docs/api.md, "Time limits and fees"):
 * - a number, with leading zeros and a decimal comma or point ("05", "1,5"), optionally followed
 *   by the number in words in brackets ("03 (ba)");
 * - a unit: "ngày làm việc" (WORKING_DAYS), "giờ làm việc" (WORKING_HOURS), "ngày" (calendar
 *   DAYS), "giờ" (HOURS), "tháng" (MONTHS);
 * - before it, optionally "không quá", "tối đa", "chậm nhất", "trong", "trong vòng", "trong thời
 *   hạn" (the limit is the number), and a label "Thời hạn giải quyết:";
 * - a range "15 - 20 ngày", "từ 15 đến 20 ngày": `value` is the upper end (the limit not to
 *   exceed), `rangeStart` the lower;
 * - after it, optionally a starting point without numbers or cases ("kể từ ngày nhận đủ hồ sơ hợp
 *   lệ", "(tính từ ngày tiếp nhận)");
 * - "Trong ngày", "Ngay trong ngày", "Trong ngày làm việc", "Trong ngày tiếp nhận hồ sơ": SAME_DAY,
 *   value 1 (returned on the working day received).
 */
export type TimeLimitReading =
  { ok: true; limit: ProcessingTimeLimit } | { ok: false; problem: string };

const UNITS: ReadonlyArray<readonly [string, TimeLimitUnit]> = [
  ['ngay lam viec', 'WORKING_DAYS'],
  ['gio lam viec', 'WORKING_HOURS'],
  ['ngay', 'DAYS'],
  ['gio', 'HOURS'],
  ['thang', 'MONTHS'],
];
const UNIT_WORDS = new Map(UNITS);

const LABEL = /^(?:thoi han giai quyet|thoi gian giai quyet|thoi han|thoi gian)\s*:?\s*/;
const SAME_DAY = /^(?:ngay )?trong ngay(?: lam viec)?(?: tiep nhan(?: ho so)?)?$/;
const QUALIFIER =
  /^(?:khong qua|toi da|cham nhat|trong vong|trong thoi han|trong thoi gian|trong)\s+/;
const NUMBER = String.raw`(\d{1,4}(?:[.,]\d)?)(?:\s*\(([a-z ]+)\))?`;
const LIMIT = new RegExp(
  String.raw`^(?:(?:tu\s+)?${NUMBER}\s*(?:-|–|—|den|toi)\s*)?${NUMBER}\s*(${UNITS.map(([word]) => word).join('|')})(?=$|[\s,(])(.*)$`,
);
/** Where the limit starts counting: words only, no second number, no cases. */
const STARTING_POINT = /^\(?\s*(?:ke tu|tinh tu|tu ngay|tu khi|sau khi)\b[^\d;]*\)?$/;
const CASES = /\b(?:truong hop|hoac|doi voi|neu|rieng)\b/;
/** Vietnamese number words, as "03 (ba)" repeats the number. */
const NUMBER_WORDS = new Set(
  'khong mot hai ba bon tu nam lam sau bay tam chin muoi tram nghin ngan linh le ruoi'.split(' '),
);

/** Reads one published time limit; `text` is the value as published (NFC, trimmed, not empty). */
export function readProcessingTime(text: string): TimeLimitReading {
  const refused = (why: string): TimeLimitReading => ({
    ok: false,
    problem: `time limit "${text.slice(0, 120)}" is not read: ${why}`,
  });
  const folded = foldText(text)
    .replace(/[.;:]+$/, '')
    .trim()
    .replace(LABEL, '');
  if (SAME_DAY.test(folded))
    return { ok: true, limit: { value: 1, unit: 'SAME_DAY', rangeStart: null, text } };
  const match = LIMIT.exec(folded.replace(QUALIFIER, ''));
  if (match === null)
    return refused(
      'it is not a number and a unit (such as 5 ngày làm việc, 8 giờ làm việc, 30 ngày, 1 tháng) nor Trong ngày',
    );
  const [, low, lowWords, high, highWords, unitWord, rest] = match as unknown as [
    string,
    string | undefined,
    string | undefined,
    string,
    string | undefined,
    string,
    string,
  ];
  if (![lowWords, highWords].every((words) => words === undefined || isNumberInWords(words)))
    return refused('the words in brackets are not a number');
  const tail = rest.replace(/^[\s,]+/, '').trim();
  if (tail !== '' && (!STARTING_POINT.test(tail) || CASES.test(tail)))
    return refused('it says more than one limit, or a condition, after the number and unit');
  const value = decimal(high);
  const rangeStart = low === undefined ? null : decimal(low);
  if (value <= 0) return refused('the limit is not above zero');
  if (rangeStart !== null && !(rangeStart > 0 && rangeStart < value))
    return refused('the range does not go from a smaller number to a larger one');
  return {
    ok: true,
    limit: { value, unit: UNIT_WORDS.get(unitWord) as TimeLimitUnit, rangeStart, text },
  };
}

function decimal(digits: string): number {
  return Number(digits.replace(',', '.'));
}

function isNumberInWords(words: string): boolean {
  const tokens = words.trim().split(/\s+/);
  return tokens.length > 0 && tokens.every((token) => NUMBER_WORDS.has(token));
}
