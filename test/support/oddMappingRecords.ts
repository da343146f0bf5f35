/**
 * A mapping whose fields JSONata's sequence rules read differently from plain paths, and records
 * that meet those rules (arrays mid-path, lists of non-objects, null and non-object records): the
 * plain-path mapping must equal JSONata over them (plainPathMapping.test.ts), and the closures
 * must equal the generated code (mapInChild.ts).
 */
export const ODD_SPEC = {
  code: 'a.b',
  status: 's',
  history: { each: 'steps.step', fields: { at: 'at', status: 'st' } },
  summary: '$string(s)',
  // Words JSONata reads as values, not field names: left to it.
  flag: 'true',
  none: { each: 'null', fields: { at: 'at' } },
  // Reaching outside the list item (the root, a parent, a variable): the field stays whole.
  rooted: { each: 'steps.step', fields: { at: '$$.s' } },
  parent: { each: 'steps.step', fields: { at: '%.s' } },
  bound: { each: 'steps.step', fields: { at: '$x' } },
  // Computed inside the item: only that value is JSONata's.
  computed: { each: 'steps.step', fields: { at: '$string(at)', st: 'st' } },
};

/**
 * Plain paths only (ODD_SPEC's constant `none` sends every record to JSONata whole): over the odd
 * records, each field's own reading decides whether the record stays plain.
 */
export const ODD_PLAIN_SPEC = {
  code: 'a.b',
  status: 's',
  deeper: 'a.b.c',
  history: { each: 'steps.step', fields: { at: 'at', status: 'st' } },
};

export const ODD_RECORDS: unknown[] = [
  { a: [{ b: 1 }, { b: 2 }], s: 'x' },
  { a: [{ b: 1 }], s: ['only'] },
  { a: { b: null }, s: null, steps: { step: { at: 1, st: 2 } } },
  { a: 'text', steps: [{ step: [{ at: 1 }] }, { step: { at: 2 } }] },
  { a: { b: { c: 1 } }, steps: { step: ['x', { at: 3 }] } },
  { a: { b: 1 }, true: 'field named true', null: [{ at: 1 }] },
  { a: { b: [] }, steps: { step: [] } },
  { a: { b: 1 }, s: 'root', steps: [{ step: { at: 5, st: 'p' } }, { step: { at: 6 } }] },
  { steps: null },
  {},
  'a string',
  null,
];
