import type { ExpressionLimits } from './ExpressionLimits';
import { ExpressionLimitError, grouped } from './ExpressionLimitError';

/**
 * What one evaluation has built, against its limits. Every value an expression builds is charged:
 * a string by its characters, a list or object by its logical size — its items and keys, and the
 * logical size of every list or object in it, counted each time it is used. Logical size is what
 * matters: a list holding the same big list ten times costs nothing to build, yet comparing or
 * printing it walks all ten, synchronously, where no time limit can stop it. Sizes are remembered
 * per object (a WeakMap), so each is measured once.
 *
 * Functions that build in one native call reserve what they will build before they run
 * (`reserve`); everything else is charged when its node is evaluated (`charge`), which is in time:
 * between two nodes JSONata can only build what its own caps allow (a list of `maxItems`, a string
 * of two earlier strings).
 */
export class AllocationMeter {
  private used = 0;
  private steps = 0;
  private readonly sizes = new WeakMap<object, number>();
  /** When the evaluation must stop (JSONata checks its own time limit only between nodes). */
  private readonly deadline: number;

  constructor(private readonly limits: ExpressionLimits) {
    this.deadline = Date.now() + limits.timeoutMs;
  }

  /** The longest string an expression may build. */
  get maxStringLength(): number {
    return this.limits.maxStringLength;
  }

  /**
   * Counts one step — a node evaluated, or a built-in function called (also by `$map`, `$reduce`
   * and the like, once per item, where JSONata checks no limit) — and checks the time limit.
   */
  step(): void {
    this.steps += 1;
    if (this.steps > this.limits.maxSteps) {
      throw new ExpressionLimitError(
        'steps',
        `the expression took more than the ${grouped(this.limits.maxSteps)} steps one evaluation may take`,
      );
    }
    if ((this.steps & 63) === 0 && Date.now() > this.deadline) {
      throw new ExpressionLimitError(
        'time',
        `the expression ran past its time limit of ${grouped(this.limits.timeoutMs)} ms (limits.mappingTimeoutMs)`,
      );
    }
  }

  /** Charges a value the evaluation produced. */
  charge(value: unknown): void {
    if (typeof value === 'string') {
      this.checkString(value.length);
      this.add(value.length);
    } else if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value) && value.length > this.limits.maxItems) this.tooManyItems();
      this.add(this.sizeOf(value));
    }
  }

  /** Before a native call builds a string of `length` characters: refuses it if it would not fit. */
  reserveString(length: number, what: string): void {
    if (length > this.limits.maxStringLength) {
      throw new ExpressionLimitError(
        'string',
        `${what} would build more than the ${grouped(this.limits.maxStringLength)} characters a string may have`,
      );
    }
    this.fits(length, what);
  }

  /** Before a native call builds a list of `count` items: refuses it if it would not fit. */
  reserveItems(count: number, what: string): void {
    if (count > this.limits.maxItems) {
      throw new ExpressionLimitError(
        'items',
        `${what} would build more than the ${grouped(this.limits.maxItems)} items a list may have`,
      );
    }
    this.fits(count, what);
  }

  /** Refuses a string argument longer than an expression may build (a function would copy it). */
  checkArgument(text: string, what: string): void {
    if (text.length > this.limits.maxStringLength) {
      throw new ExpressionLimitError(
        'string',
        `${what} was given more than the ${grouped(this.limits.maxStringLength)} characters a string may have`,
      );
    }
  }

  /** Logical size of a list or object: items and keys, nested ones counted each time they are used. */
  sizeOf(value: object): number {
    const known = this.sizes.get(value);
    if (known !== undefined) return known;
    // Iterative, so that a deeply nested input cannot overflow the stack; a part met again (a
    // shared one) is measured once and counted at each use. JSONata's function values count as
    // one item (a lambda holds its environment, which refers to itself).
    const pending: Array<{ node: object; children: unknown[]; next: number; size: number }> = [];
    const opened = new Set<object>();
    const open = (node: object) => {
      const children = isFunctionValue(node)
        ? []
        : Array.isArray(node)
          ? node
          : Object.values(node);
      pending.push({ node, children, next: 0, size: children.length });
      opened.add(node);
    };
    open(value);
    let result = 0;
    while (pending.length > 0) {
      const frame = pending[pending.length - 1] as (typeof pending)[number];
      if (frame.next === frame.children.length) {
        pending.pop();
        opened.delete(frame.node);
        this.sizes.set(frame.node, frame.size);
        result = frame.size;
        const parent = pending[pending.length - 1];
        if (parent !== undefined) parent.size += frame.size;
        if (frame.size > this.limits.budget) this.overBudget();
        continue;
      }
      const child = frame.children[frame.next];
      frame.next += 1;
      if (typeof child !== 'object' || child === null) continue;
      const size = this.sizes.get(child);
      if (size !== undefined) frame.size += size;
      else if (!opened.has(child)) open(child);
    }
    return result;
  }

  private checkString(length: number): void {
    if (length > this.limits.maxStringLength) {
      throw new ExpressionLimitError(
        'string',
        `the expression built a string of more than the ${grouped(this.limits.maxStringLength)} characters a string may have`,
      );
    }
  }

  private tooManyItems(): never {
    throw new ExpressionLimitError(
      'items',
      `the expression built a list of more than ${grouped(this.limits.maxItems)} items`,
    );
  }

  private fits(size: number, what: string): void {
    if (this.used + size > this.limits.budget) {
      throw new ExpressionLimitError(
        'budget',
        `${what} would go past the ${grouped(this.limits.budget)} characters and items one evaluation may build`,
      );
    }
  }

  private add(size: number): void {
    this.used += size;
    if (this.used > this.limits.budget) this.overBudget();
  }

  private overBudget(): never {
    throw new ExpressionLimitError(
      'budget',
      `the expression built more than the ${grouped(this.limits.budget)} characters and items one evaluation may build`,
    );
  }
}

function isFunctionValue(value: object): boolean {
  return Object.hasOwn(value, '_jsonata_function') || Object.hasOwn(value, '_jsonata_lambda');
}

/**
 * How long the JSON text of `value` is, near enough (what `$string` and `&` turn a list or object
 * into), or Infinity once it is past `limit`; shared parts are counted each time. Strings count as
 * written: JSON escapes only quotes, backslashes and control characters (at most six characters
 * each), so the text is at most six times this, and the meter refuses the longer text when it is
 * built.
 */
export function jsonLengthAtMost(value: unknown, limit: number, pretty: boolean): number {
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
      length += 2 + indent;
      for (const [key, item] of Object.entries(next)) {
        length += key.length + 4;
        pending.push({ value: item, depth: depth + 1 });
      }
    }
    if (length > limit) return Number.POSITIVE_INFINITY;
  }
  return length;
}
