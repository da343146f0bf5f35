import type { IdType } from '../model';

/**
 * The number each identity kind has (connectors/model.ts `ID_TYPES`; docs/domain.md §3): a
 * number that does not fit its declared kind is kept as sent, with a mapping warning, never
 * re-typed. Passports (`HC`) are not checked: foreign ones have no one shape.
 */
const SHAPES: Readonly<Record<Exclude<IdType, 'HC'>, { pattern: RegExp; words: string }>> = {
  '1': { pattern: /^\d{12}$/, words: 'a personal identification number (1) has 12 digits' },
  '2': { pattern: /^\d{9}$/, words: 'an old ID card number (2) has 9 digits' },
  MST: {
    pattern: /^\d{10}(?:-?\d{3})?$/,
    words: 'a tax code (MST) has 10 digits, or 13 (0101234567-001 or 0101234567001)',
  },
};

/** Why `number` does not fit `type`, or null when it does (or the type is not checked). */
export function idShapeProblem(type: string | null, number: string): string | null {
  if (type === null || !Object.hasOwn(SHAPES, type)) return null;
  const shape = SHAPES[type as keyof typeof SHAPES];
  return shape.pattern.test(number) ? null : `${shape.words}; kept as sent`;
}
