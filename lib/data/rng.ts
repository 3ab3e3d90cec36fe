/**
 * A small seeded random number generator (mulberry32) so every random choice in `lib` is reproducible.
 * `Math.random()` is never used in `lib`; randomness is passed in as an `Rng`.
 *
 * @module
 */

/** A deterministic source of random numbers. */
export class Rng {
  #state: number;

  /** Creates a generator from a seed (any integer) and an optional label naming the stream. */
  constructor(seed: number, label = "") {
    this.#state = hashString(`${seed}:${label}`);
  }

  /** An independent stream derived from this one's seed and a label, e.g. `rng.fork("split")`. */
  fork(label: string): Rng {
    return new Rng(this.#state, label);
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1], so log is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** FNV-1a 32-bit hash of a string: stable across runs and platforms. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
