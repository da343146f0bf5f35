import jsonata from 'jsonata';
import type { AllocationMeter } from './AllocationMeter';
import { ExpressionLimitError, grouped } from './ExpressionLimitError';

/**
 * JSONata's built-in functions as registrations may call them. Each function that can build more
 * than it is given in one native call — `$pad` (one `Array#join` of any width: a width of 200
 * million aborted the whole process with "Fatal JavaScript invalid size error"), `$join`,
 * `$string`, `$split`, `$formatNumber`, `$formatInteger`, `$fromMillis`, `$now`, `$distinct` — is
 * replaced by a wrapper that computes what the call will build and refuses it, before it runs,
 * when it would not fit the evaluation's limits (AllocationMeter).
 * Functions that build nothing their arguments did not already hold (`$count`, `$keys`, `$map`, …)
 * run as they are: what they return is charged by the meter like any value. A string any function
 * is given comes from the upstream's answer (bounded by `upstream.maxResponseBytes`) or was built
 * by the expression (bounded by `maxStringLength`), so functions that grow their input by a fixed
 * factor (`$uppercase`, `$encodeUrl`, `$base64encode`) stay bounded too.
 *
 * `$eval` (text run as an expression, unseen by validation), `$clone` (a deep copy of shared
 * structures) and the picture form of `$toMillis` (a backtracking pattern built from the picture)
 * are refused: a registration has declarative tables for what they would do.
 */
export const CALLABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  // strings
  'string', 'length', 'substring', 'substringBefore', 'substringAfter', 'uppercase', 'lowercase',
  'trim', 'pad', 'contains', 'split', 'join', 'match', 'replace', 'base64encode', 'base64decode',
  'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent', 'decodeUrl',
  // numbers
  'number', 'abs', 'floor', 'ceil', 'round', 'power', 'sqrt', 'random', 'formatNumber',
  'formatBase', 'formatInteger', 'parseInteger', 'sum', 'max', 'min', 'average',
  // booleans
  'boolean', 'not', 'exists',
  // arrays and objects
  'count', 'append', 'sort', 'reverse', 'shuffle', 'distinct', 'zip', 'keys', 'lookup', 'spread',
  'merge', 'each', 'sift', 'map', 'filter', 'single', 'reduce', 'type', 'error', 'assert',
  // dates
  'now', 'millis', 'fromMillis', 'toMillis',
]); // prettier-ignore

/** Built-ins a registration may not use, and why (the validator's words). */
export const REFUSED_FUNCTIONS: Readonly<Record<string, string>> = {
  eval: '$eval runs text as an expression, which validation cannot see',
  clone: '$clone copies structures whole; registrations build values with object constructors',
};

type Focus = { environment: { base: object; timestamp?: Date | null } };
type Implementation = (this: Focus, ...args: unknown[]) => unknown;
type Guard = (meter: AllocationMeter, args: readonly unknown[], focus: Focus) => void;

/**
 * How long a JSON text of `value` is, near enough, or Infinity once it is past `limit` (shared
 * parts counted each time). Strings count as written: JSON escapes only quotes, backslashes and
 * control characters (at most six characters each), so the text is at most six times this, and
 * the meter refuses it when `$string` returns if it is longer than allowed.
 */
function jsonLengthAtMost(value: unknown, limit: number, pretty: boolean): number {
  let length = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: next, depth } = pending.pop() as { value: unknown; depth: number };
    const indent = pretty ? 2 * depth + 1 : 0;
    if (typeof next === 'string') length += next.length + 2 + indent;
    else if (typeof next === 'number') length += 24 + indent;
    else if (typeof next !== 'object' || next === null) length += 5 + indent;
    else if (Array.isArray(next)) {
      length += 2 + next.length + indent;
      for (const item of next) pending.push({ value: item, depth: depth + 1 });
    } else {
      const entries = Object.entries(next);
      length += 2 + indent;
      for (const [key, item] of entries) {
        length += key.length + 4;
        pending.push({ value: item, depth: depth + 1 });
      }
    }
    if (length > limit) return Number.POSITIVE_INFINITY;
  }
  return length;
}

function checkStrings(meter: AllocationMeter, args: readonly unknown[], what: string): void {
  for (const arg of args) if (typeof arg === 'string') meter.checkArgument(arg, what);
}

/** Width modifiers in a date picture (`[Y,4-4]`, `[D,*-2]`) above this are refused. */
const MAX_PICTURE_WIDTH = 100;

function checkPicture(picture: unknown, what: string): void {
  if (typeof picture !== 'string') return;
  for (const component of picture.match(/\[[^\]]*\]/g) ?? []) {
    const widths = (component.split(',')[1]?.match(/\d+/g) ?? []).map(Number);
    const widest = Math.max(0, ...widths);
    if (widest > MAX_PICTURE_WIDTH) {
      throw new ExpressionLimitError(
        'string',
        `${what}: a width of ${grouped(widest)} in its picture, more than ${MAX_PICTURE_WIDTH}`,
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

/** The pre-checks, by function name. Pictures and zones are the expression's, and short. */
const GUARDS: Record<string, Guard> = {
  pad: (meter, [text, width, char]) => {
    if (typeof text !== 'string' || typeof width !== 'number') return;
    const fill = typeof char === 'string' && char.length > 0 ? char.length : 1;
    const padding = Math.max(0, Math.abs(Math.trunc(width)) - [...text].length);
    // `Array(padding + 1).join(char)` builds padding × char characters before cutting them.
    meter.reserveString(text.length + padding * fill, `$pad to a width of ${grouped(width)}`);
  },
  join: (meter, [items, separator]) => {
    if (!Array.isArray(items)) return;
    const sep = typeof separator === 'string' ? separator.length : 0;
    let length = Math.max(0, items.length - 1) * sep;
    for (const item of items) length += typeof item === 'string' ? item.length : 0;
    meter.reserveString(length, `$join of ${grouped(items.length)} strings`);
  },
  string: (meter, [value, prettify]) => {
    if (typeof value === 'string') return;
    const length = jsonLengthAtMost(value, meter.maxStringLength, prettify === true);
    meter.reserveString(length, '$string');
  },
  split: (meter, [text, separator, limit]) => {
    if (typeof text !== 'string') return;
    const most = typeof limit === 'number' ? Math.max(0, limit) : Number.POSITIVE_INFINITY;
    // A regular expression's matches are bounded by the text's length (the record's, or built
    // within maxStringLength); charged as a list when $split returns.
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
      throw new ExpressionLimitError(
        'string',
        `$formatInteger: roman numerals only up to 100,000, not ${grouped(value)}`,
      );
    }
    meter.reserveString(picture.length * 2 + 1000, '$formatInteger');
  },
  parseInteger: (meter, args) => {
    for (const arg of args) {
      if (typeof arg === 'string' && arg.length > 1000)
        throw new ExpressionLimitError('string', '$parseInteger: texts of at most 1000 characters');
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
    if (picture !== undefined) {
      throw new ExpressionLimitError(
        'function',
        '$toMillis with a picture is not available in registrations; declare dates.formats instead',
      );
    }
  },
  distinct: (meter, [items]) => {
    // Every item is compared with every other, deeply: n × (logical size) steps in one call.
    if (Array.isArray(items) && items.length * meter.sizeOf(items) > 100_000_000) {
      throw new ExpressionLimitError(
        'items',
        `$distinct of ${grouped(items.length)} items would compare too much in one call`,
      );
    }
  },
};

/** JSONata's own implementations, read once from its built-in bindings. */
const NATIVE_COUNT = Object.keys(GUARDS).length - 1;
const natives = new Map<string, Implementation>();
const nativesRead: Promise<void> = (async () => {
  for (const name of Object.keys(GUARDS)) {
    if (name === 'now') continue;
    const value = (await jsonata(`$${name}`).evaluate(null)) as { implementation?: Implementation };
    if (typeof value?.implementation !== 'function')
      throw new TypeError(`JSONata has no built-in $${name}`);
    natives.set(name, value.implementation);
  }
})();
// Evaluations that need a native wait for this promise and fail with its error; none is lost.
nativesRead.catch(() => undefined);

/** The signatures of the wrapped functions, as JSONata declares them. */
const SIGNATURES: Record<string, string> = {
  pad: '<s-ns?:s>',
  join: '<a<s>s?:s>',
  string: '<x-b?:s>',
  split: '<s-(sf)n?:a<s>>',
  formatNumber: '<n-so?:s>',
  formatInteger: '<n-s:s>',
  parseInteger: '<s-s:n>',
  fromMillis: '<n-s?s?:s>',
  now: '<s?s?:s>',
  toMillis: '<s-s?:n>',
  distinct: '<x:x>',
};

/**
 * Binds the guarded functions, and stubs that refuse the refused ones, into a compiled expression.
 * `meterOf` gives the evaluation's meter from JSONata's `this`.
 */
export function bindGuardedFunctions(
  expression: ReturnType<typeof jsonata>,
  meterOf: (focus: Focus) => AllocationMeter,
): void {
  for (const [name, guard] of Object.entries(GUARDS)) {
    const implementation: Implementation = function (this: Focus, ...args: unknown[]) {
      guard(meterOf(this), args, this);
      // `$now` is `$fromMillis` of the evaluation's start (JSONata binds its own per expression).
      const call = () =>
        name === 'now'
          ? (natives.get('fromMillis') as Implementation).call(
              this,
              (this.environment.base as { timestamp?: Date }).timestamp?.getTime() ?? Date.now(),
              ...args,
            )
          : (natives.get(name) as Implementation).apply(this, args);
      return natives.size === NATIVE_COUNT ? call() : nativesRead.then(call);
    };
    expression.registerFunction(
      name,
      implementation as unknown as Parameters<typeof expression.registerFunction>[1],
      SIGNATURES[name],
    );
  }
  for (const [name, reason] of Object.entries(REFUSED_FUNCTIONS)) {
    expression.registerFunction(name, () => {
      throw new ExpressionLimitError('function', reason);
    });
  }
}
