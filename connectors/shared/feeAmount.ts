import type { Fee } from '../model';
import { foldText, normaliseText } from './text';

/**
 * A fee's amount as systems send it, for dossiers and catalogues alike: an amount in VND
 * ("50.000", "50,000", "1 000 000", "50000đ", "50.000 đồng", 50000, "50000.00"), or words that say
 * no fee is charged ("Không thu", "Không thu phí, lệ phí", "Miễn phí", "Miễn lệ phí", "Miễn thu",
 * "Không"). No fee is `charged: false` with no amount, not an amount of 0; an amount of 0 is kept
 * as 0, also `charged: false`. Anything else ("2.000 đồng/trang", "theo quy định", "1,5") is not
 * read: the caller keeps the text and warns.
 */
export type FeeAmountReading =
  { ok: true; amount: number | null; charged: boolean } | { ok: false; problem: string };

/** Words for "no fee", folded, punctuation as spaces: what follows "không thu" / "miễn" may name the fee. */
const NO_FEE =
  /^(?:khong|khong co|khong thu|khong phai nop|khong phai tra|mien|mien thu)(?: (?:phi|le phi|tien|phi le phi|le phi phi|phi va le phi|le phi va phi))?$/;
const CURRENCY = /\s*(?:vnd|dong|d)$/;
/** Thousands in groups of three, one separator throughout: "1.000.000", "1,000,000", "1 000 000". */
const GROUPED = /^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$/;
/** Plain digits, with zero decimals as a database writes them: "50000", "50000.00". */
const PLAIN = /^(\d{1,15})(?:[.,]0{1,2})?$/;

/** Reads one amount; `raw` is the value as sent, trimmed and not empty. */
export function readFeeAmount(raw: string): FeeAmountReading {
  const folded = foldText(raw);
  const words = folded
    .replace(/[.,;:!()/-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (NO_FEE.test(words)) return { ok: true, amount: null, charged: false };
  const number = folded.replace(/\.$/, '').replace(CURRENCY, '').trim();
  const digits = GROUPED.test(number)
    ? number.replace(/[., ]/g, '')
    : (PLAIN.exec(number)?.[1] ?? null);
  if (digits === null || digits.length > 15)
    return {
      ok: false,
      problem: `amount "${raw.slice(0, 80)}" is not an amount in VND (such as 50.000 or 50.000 đồng) nor words for no fee (Không thu, Miễn phí)`,
    };
  const amount = Number(digits);
  return { ok: true, amount, charged: amount > 0 };
}

/** A fee's amount fields from the value as sent (null: none sent), and the problem to warn of. */
export function feeAmountFields(raw: string | null): {
  fields: Required<Pick<Fee, 'amount' | 'charged' | 'text'>>;
  problem: string | null;
} {
  if (raw === null) return { fields: { amount: null, charged: null, text: null }, problem: null };
  const text = normaliseText(raw);
  const read = readFeeAmount(raw);
  return read.ok
    ? { fields: { amount: read.amount, charged: read.charged, text }, problem: null }
    : { fields: { amount: null, charged: null, text }, problem: read.problem };
}
