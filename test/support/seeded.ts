/** A deterministic pseudo-random source for generated test inputs (same seed, same inputs). */
export function seeded(seed: number): {
  next: () => number;
  pick: <T>(items: readonly T[]) => T;
} {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return {
    next,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}
