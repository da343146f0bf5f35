import jsonata from 'jsonata';
import { jsonLengthAtMost, type AllocationMeter } from './AllocationMeter';
import { ExpressionLimitError } from './ExpressionLimitError';

/**
 * JSONata's built-in functions as registrations may call them, each one wrapped: every call counts
 * a step (and checks the time limit) and what it returns is charged to the evaluation's meter,
 * however it is called — from the expression, or by `$map`, `$reduce`, `$sort` or `$filter` once per
 * item, which JSONata does without evaluating a node (so without its own guardrails). Functions
 * that can build more than they are given in one native call — `$pad` (one `Array#join` of any
 * width: a width of 200 million aborted the whole process with "Fatal JavaScript invalid size
 * error"), `$join`, `$string`, `$split`, `$formatNumber`, `$formatInteger`, `$fromMillis`, `$now`,
 * `$distinct` — also compute what the call will build and refuse it, before it runs, when it would
 * not fit. Functions that grow a string by a fixed factor (`$uppercase`, `$encodeUrl`, `$base64encode`)
 * are bounded by their argument: built by the expression (at most `maxStringLength`) or the
 * record's own (at most the answer's size, `upstream.maxResponseBytes`).
 *
 * Signatures are JSONata 2.2's own (checked equal in test/unit/boundedExpressions.test.ts).
 * `$eval` (text run as an expression, unseen by validation) and `$clone` (a deep copy of shared
 * structures) are refused, as is the picture form of `$toMillis` (a backtracking pattern built
 * from the picture; registrations declare `dates.formats`).
 */
const SIGNATURES: Readonly<Record<string, string>> = {
  // strings
  string: '<x-b?:s>', length: '<s-:n>', substring: '<s-nn?:s>', substringBefore: '<s-s:s>',
  substringAfter: '<s-s:s>', uppercase: '<s-:s>', lowercase: '<s-:s>', trim: '<s-:s>',
  pad: '<s-ns?:s>', contains: '<s-(sf):b>', split: '<s-(sf)n?:a<s>>', join: '<a<s>s?:s>',
  match: '<s-f<s:o>n?:a<o>>', replace: '<s-(sf)(sf)n?:s>', base64encode: '<s-:s>',
  base64decode: '<s-:s>', encodeUrlComponent: '<s-:s>', encodeUrl: '<s-:s>',
  decodeUrlComponent: '<s-:s>', decodeUrl: '<s-:s>',
  // numbers
  number: '<(nsb)-:n>', abs: '<n-:n>', floor: '<n-:n>', ceil: '<n-:n>', round: '<n-n?:n>',
  power: '<n-n:n>', sqrt: '<n-:n>', random: '<:n>', formatNumber: '<n-so?:s>',
  formatBase: '<n-n?:s>', formatInteger: '<n-s:s>', parseInteger: '<s-s:n>', sum: '<a<n>:n>',
  max: '<a<n>:n>', min: '<a<n>:n>', average: '<a<n>:n>',
  // booleans
  boolean: '<x-:b>', not: '<x-:b>', exists: '<x:b>',
  // arrays and objects
  count: '<a:n>', append: '<xx:a>', sort: '<af?:a>', reverse: '<a:a>', shuffle: '<a:a>',
  distinct: '<x:x>', zip: '<a+>', keys: '<x-:a<s>>', lookup: '<x-s:x>', spread: '<x-:a<o>>',
  merge: '<a<o>:o>', each: '<o-f:a>', sift: '<o-f?:o>', map: '<af>', filter: '<af>',
  single: '<af?>', reduce: '<afj?:j>', type: '<x:s>', error: '<s?:x>', assert: '<bs?:x>',
  // dates (`$now` and `$millis` read the evaluation's own start)
  now: '<s?s?:s>', millis: '<:n>', fromMillis: '<n-s?s?:s>', toMillis: '<s-s?:n>',
}; // prettier-ignore

/** The built-in functions a registration may call. */
export const CALLABLE_FUNCTIONS: ReadonlySet<string> = new Set(Object.keys(SIGNATURES));

/** JSONata's signature of each callable function, as the wrappers declare it (for the tests). */
export const CALLABLE_SIGNATURES = SIGNATURES;

/** Built-ins a registration may not use, and why (the validator's words). */
export const REFUSED_FUNCTIONS: Readonly<Record<string, string>> = {
  eval: '$eval runs text as an expression, which validation cannot see',
  clone: '$clone copies structures whole; registrations build values with object constructors',
};

type Focus = {
  environment: { base: object & { timestamp?: Date | null } };
  createSequence?: () => unknown[];
};
type Implementation = (this: Focus, ...args: unknown[]) => unknown;
type Guard = (meter: AllocationMeter, args: readonly unknown[]) => void;

function checkStrings(meter: AllocationMeter, args: readonly unknown[], what: string): void {
  for (const arg of args) if (typeof arg === 'string') meter.checkArgument(arg, what);
}

/** Width modifiers in a date picture (`[Y,4-4]`, `[D,*-2]`) above this are refused. */
const MAX_PICTURE_WIDTH = 100;

function checkPicture(picture: unknown, what: string): void {
  if (typeof picture !== 'string') return;
  for (const component of picture.match(/\[[^\]]*\]/g) ?? []) {
    const widths = (component.split(',')[1]?.match(/\d+/g) ?? []).map(Number);
    if (Math.max(0, ...widths) > MAX_PICTURE_WIDTH) {
      throw new ExpressionLimitError(
        'string',
        `${what}: a width above ${MAX_PICTURE_WIDTH} in its picture`,
      );
    }
  }
}

function occurrences(text: string, separator: string, atMost: number): number {
  if (separator === '') return text.length;
  let count = 0;
  for (
    let at = text.indexOf(separator);
    at !== -1 && count <= atMost;
    at = text.indexOf(separator, at + separator.length)
  )
    count += 1;
  return count;
}

/**
 * The pre-checks, by function name. Messages name the function and the limit, never a value the
 * expression computed (it may come from the record). Pictures and zones are the expression's.
 */
const GUARDS: Readonly<Record<string, Guard>> = {
  pad: (meter, [text, width, char]) => {
    if (typeof text !== 'string' || typeof width !== 'number') return;
    const fill = typeof char === 'string' && char.length > 0 ? char.length : 1;
    const padding = Math.max(0, Math.abs(Math.trunc(width)) - [...text].length);
    // `Array(padding + 1).join(char)` builds padding × char characters before cutting them.
    meter.reserveString(text.length + padding * fill, '$pad');
  },
  join: (meter, [items, separator]) => {
    if (!Array.isArray(items)) return;
    const sep = typeof separator === 'string' ? separator.length : 0;
    let length = Math.max(0, items.length - 1) * sep;
    for (const item of items) length += typeof item === 'string' ? item.length : 0;
    meter.reserveString(length, '$join');
  },
  string: (meter, [value, prettify]) => {
    if (typeof value === 'string') return;
    meter.reserveString(
      jsonLengthAtMost(value, meter.maxStringLength, prettify === true),
      '$string',
    );
  },
  split: (meter, [text, separator, limit]) => {
    if (typeof text !== 'string') return;
    const most = typeof limit === 'number' ? Math.max(0, limit) : Number.POSITIVE_INFINITY;
    // A regular expression's walk through its matches stops at maxItems (LinearRegExp).
    if (typeof separator === 'string')
      meter.reserveItems(Math.min(most, occurrences(text, separator, most) + 1), '$split');
  },
  formatNumber: (meter, [, picture, options]) => {
    checkStrings(meter, [picture], '$formatNumber');
    let widest = 1;
    if (typeof options === 'object' && options !== null) {
      for (const value of Object.values(options)) {
        if (typeof value === 'string') widest = Math.max(widest, value.length);
      }
    }
    // Separators and signs are repeated per digit: at most ~400 digits of a double.
    const length = typeof picture === 'string' ? (picture.length + 400) * widest : 0;
    meter.reserveString(length, '$formatNumber');
  },
  formatInteger: (meter, [value, picture]) => {
    checkStrings(meter, [picture], '$formatInteger');
    if (typeof picture !== 'string' || typeof value !== 'number') return;
    // Roman numerals repeat M once per thousand (and recurse once per symbol).
    if (/^[Ii]/.test(picture) && Math.abs(value) > 100_000) {
      throw new ExpressionLimitError('string', '$formatInteger: roman numerals only up to 100,000');
    }
    meter.reserveString(picture.length * 2 + 1000, '$formatInteger');
  },
  parseInteger: (meter, args) => {
    for (const arg of args) {
      if (typeof arg === 'string' && arg.length > 1000)
        throw new ExpressionLimitError(
          'string',
          '$parseInteger: texts of at most 1,000 characters',
        );
    }
    checkStrings(meter, args, '$parseInteger');
  },
  fromMillis: (meter, [, picture, zone]) => {
    checkStrings(meter, [picture, zone], '$fromMillis');
    checkPicture(picture, '$fromMillis');
  },
  now: (meter, [picture, zone]) => {
    checkStrings(meter, [picture, zone], '$now');
    checkPicture(picture, '$now');
  },
  toMillis: (_meter, [, picture]) => {
    if (picture !== undefined) throw new ExpressionLimitError('function', TO_MILLIS_PICTURE);
  },
  distinct: (meter, [items]) => {
    // Objects and lists are compared deeply, each with every distinct one kept so far.
    if (Array.isArray(items) && !items.every(isScalar)) {
      if (items.length * meter.sizeOf(items) > 10_000_000) {
        throw new ExpressionLimitError(
          'items',
          '$distinct of objects or lists would compare too much in one call',
        );
      }
    }
  },
};

/** Why `$toMillis` with a picture is not available (validation says it too). */
export const TO_MILLIS_PICTURE =
  '$toMillis with a picture is not available in registrations (it parses with a backtracking pattern); declare dates.formats instead';

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/**
 * Implementations that replace JSONata's: `$distinct` of scalars in one pass (JSONata compares
 * each with every one kept, n × distinct steps in one native call; the answer is the same), and
 * `$now` / `$millis` from the evaluation's own start (JSONata binds its own per expression).
 */
const OWN: Readonly<Record<string, Implementation>> = {
  distinct(this: Focus, items: unknown) {
    if (!Array.isArray(items) || items.length <= 1 || !items.every(isScalar))
      return (natives.get('distinct') as Implementation).call(this, items);
    const seen = new Set<unknown>();
    const kept =
      (items as { sequence?: boolean }).sequence === true && this.createSequence !== undefined
        ? this.createSequence()
        : [];
    for (const item of items) {
      if (seen.has(item)) continue;
      seen.add(item);
      kept.push(item);
    }
    return kept;
  },
  now(this: Focus, picture?: unknown, zone?: unknown) {
    return (natives.get('fromMillis') as Implementation).call(this, startOf(this), picture, zone);
  },
  millis(this: Focus) {
    return startOf(this);
  },
};

function startOf(focus: Focus): number {
  return focus.environment.base.timestamp?.getTime() ?? Date.now();
}

/** JSONata's own implementations, read once from its built-in bindings (at module load). */
const natives = new Map<string, Implementation>();
const NATIVE_NAMES = Object.keys(SIGNATURES).filter((name) => name !== 'now' && name !== 'millis');
const nativesRead: Promise<void> = (async () => {
  for (const name of NATIVE_NAMES) {
    const value = (await jsonata(`$${name}`).evaluate(null)) as { implementation?: Implementation };
    if (typeof value?.implementation !== 'function')
      throw new TypeError(`JSONata has no built-in $${name}`);
    natives.set(name, value.implementation);
  }
})();
// Evaluations that need a native wait for this promise and fail with its error; none is lost.
nativesRead.catch(() => undefined);

/**
 * Binds every callable function, wrapped, and stubs that refuse the refused ones, into a compiled
 * expression. `meterOf` gives the evaluation's meter from JSONata's `this`.
 */
export function bindGuardedFunctions(
  expression: ReturnType<typeof jsonata>,
  meterOf: (focus: Focus) => AllocationMeter,
): void {
  for (const [name, signature] of Object.entries(SIGNATURES)) {
    const guard = GUARDS[name];
    const own = OWN[name];
    const implementation: Implementation = function (this: Focus, ...args: unknown[]) {
      const meter = meterOf(this);
      meter.step();
      guard?.(meter, args);
      const call = (): unknown => {
        const result = (own ?? (natives.get(name) as Implementation)).apply(this, args);
        if (result instanceof Promise)
          return result.then((value: unknown) => {
            meter.charge(value);
            return value;
          });
        meter.charge(result);
        return result;
      };
      return natives.size === NATIVE_NAMES.length ? call() : nativesRead.then(call);
    };
    // JSONata passes `$map`'s and `$filter`'s functions as many arguments as they declare.
    Object.defineProperty(implementation, 'length', {
      get: () => (own ?? natives.get(name))?.length ?? 0,
    });
    expression.registerFunction(
      name,
      implementation as unknown as Parameters<typeof expression.registerFunction>[1],
      signature,
    );
  }
  for (const [name, reason] of Object.entries(REFUSED_FUNCTIONS)) {
    expression.registerFunction(name, () => {
      throw new ExpressionLimitError('function', reason);
    });
  }
}
