import { NOT_PLAIN } from './expression/plainExpression';

/**
 * The objects of a mapping (dossierMapping.ts): a record's fields, each computed by its mapper, put
 * together as JSONata's object constructor would. Generated as one function per object, where the
 * process allows code from strings, else closures; the same results either way.
 */

/** Maps a record (or list item); a promise when a JSONata expression is part of it. */
export type Mapper = (record: unknown) => unknown;

/** An object of the fields' values, as JSONata's object constructor makes it; NOT_PLAIN if any is. */
export function objectMapper(fields: ReadonlyArray<readonly [string, Mapper]>): Mapper {
  const settle = settler(fields);
  return generatedObjectMapper(fields, settle) ?? closureObjectMapper(fields, settle);
}

/** Settles a record's fields from the first whose value is a promise on, awaited together. */
type Settle = (
  record: unknown,
  from: number,
  first: Promise<unknown>,
  out: Record<string, unknown>,
) => Promise<unknown>;

function settler(fields: ReadonlyArray<readonly [string, Mapper]>): Settle {
  // From the first field whose value is a promise on, the rest are awaited together.
  return (record, from, first, out) => {
    const rest: unknown[] = [first];
    for (let i = from + 1; i < fields.length; i += 1)
      rest.push((fields[i] as readonly [string, Mapper])[1](record));
    return Promise.all(rest).then((values) => {
      for (let i = 0; i < values.length; i += 1) {
        const value = values[i];
        if (value === NOT_PLAIN) return NOT_PLAIN;
        // JSONata's object constructor leaves out keys whose value is undefined.
        if (value !== undefined) out[(fields[from + i] as readonly [string, Mapper])[0]] = value;
      }
      return out;
    });
  };
}

/** Longest path read inline by generated code (the bundled registrations' paths have a few steps). */
const MAX_INLINE_STEPS = 8;
/**
 * Largest generated function, in characters: an object of many fields (a few hundred at ~250
 * characters each) is left to the closures, so that no registration's code outgrows its text by
 * much.
 */
const MAX_GENERATED_CHARS = 64 * 1024;

/** `objectMapper` as closures, where code cannot be generated (`generatedObjectMapper`). */
function closureObjectMapper(
  fields: ReadonlyArray<readonly [string, Mapper]>,
  settle: Settle,
): Mapper {
  // Values go straight into the object: no array of them per record (garbage on every dossier).
  return (record) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i += 1) {
      const [key, mapper] = fields[i] as readonly [string, Mapper];
      const value = mapper(record);
      if (value instanceof Promise) return settle(record, i, value, out);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
}

/**
 * `objectMapper` as one generated function per object of the mapping: each path field's steps
 * read inline with its own property access (a shared reader's `record[step]` saw every field's
 * key at one place, the slowest kind of property read), the other fields called as compiled. Only
 * property names go into the code, each as a string literal (`JSON.stringify`); the mapping's
 * steps are identifiers (STEP), its keys the model's fields. The same results as the closures
 * (`closureObjectMapper`), which run where a process refuses code from strings
 * (`--disallow-code-generation-from-strings`) or where the code would be too large: null then.
 */
function generatedObjectMapper(
  fields: ReadonlyArray<readonly [string, Mapper]>,
  settle: Settle,
): Mapper | null {
  const lines: string[] = [];
  fields.forEach(([key, mapper], index) => {
    const out = `out[${JSON.stringify(key)}]`;
    const steps = pathOf(mapper);
    // A long path (a registration may write thousands of steps) is read by its closure: its code
    // would be ~200 characters a step, kept as long as the registration.
    if (steps === undefined || steps.length > MAX_INLINE_STEPS) {
      lines.push(
        `c = m[${index}](r);`,
        `if (c instanceof Promise) return settle(r, ${index}, c, out);`,
        'if (c === NP) return NP;',
        `if (c !== undefined) ${out} = c;`,
      );
      return;
    }
    // dossierMapping.ts's readPath, step by step, then compileValue's rule: an array read as one
    // value is NOT_PLAIN.
    lines.push('c = r;');
    steps.forEach((step, at) => {
      const name = JSON.stringify(step);
      const read =
        'if (c === undefined || c === null) c = undefined; else if (isArray(c)) c = NP; ' +
        `else if (typeof c !== 'object') c = undefined; else c = hasOwn(c, ${name}) ? c[${name}] : undefined;`;
      lines.push(at === 0 ? read : `if (c !== undefined && c !== NP) { ${read} }`);
    });
    lines.push('if (c === NP || isArray(c)) return NP;', `if (c !== undefined) ${out} = c;`);
  });
  const body = `return function mapObject(r) {\nconst out = {};\nlet c;\n${lines.join('\n')}\nreturn out;\n};`;
  if (body.length > MAX_GENERATED_CHARS) return null;
  try {
    // Property names only, as literals (above).
    const make = new Function('m', 'settle', 'NP', 'hasOwn', 'isArray', body) as (
      ...args: unknown[]
    ) => Mapper;
    return make(
      fields.map(([, mapper]) => mapper),
      settle,
      NOT_PLAIN,
      Object.hasOwn,
      Array.isArray,
    );
  } catch (error) {
    if (error instanceof EvalError) return null;
    throw error;
  }
}

/** The steps of the fields that only read a dotted path (`markPath`). */
const PATH_STEPS = new WeakMap<Mapper, readonly string[]>();

/**
 * Says that a field's mapper only reads this dotted path, with dossierMapping.ts's readPath rules
 * and an array read as one value giving NOT_PLAIN: an object mapper then reads it inline.
 */
export function markPath(mapper: Mapper, steps: readonly string[]): Mapper {
  PATH_STEPS.set(mapper, steps);
  return mapper;
}

function pathOf(mapper: Mapper): readonly string[] | undefined {
  return PATH_STEPS.get(mapper);
}
