/**
 * Linear algebra on the host, in float64, for small widths: the top principal directions of a set of row
 * vectors (power iteration with deflation on the width × width covariance) and Gram–Schmidt
 * orthonormalisation. CAFT finds the directions it ablates with the first, SafeLoRA builds its alignment
 * subspace with the second. Pure.
 *
 * @module
 */
import type { Rng } from "../data/rng.ts";

/** The top-k unit principal directions of `rows` ([n][width]), largest variance first. */
export function principalDirections(
  rows: readonly ArrayLike<number>[],
  k: number,
  rng: Rng,
  iterations = 200,
): Float64Array[] {
  const n = rows.length, width = rows[0]?.length ?? 0;
  if (n < 2 || width === 0) {
    throw new Error(`Cannot find principal directions of ${n} rows of width ${width}`);
  }
  const meanRow = new Float64Array(width);
  for (const r of rows) for (let j = 0; j < width; j++) meanRow[j]! += (r[j] as number) / n;
  const cov = Array.from({ length: width }, () => new Float64Array(width));
  for (const r of rows) {
    for (let i = 0; i < width; i++) {
      const di = (r[i] as number) - meanRow[i]!;
      if (di === 0) continue;
      const row = cov[i]!;
      for (let j = 0; j < width; j++) row[j]! += (di * ((r[j] as number) - meanRow[j]!)) / (n - 1);
    }
  }
  const directions: Float64Array[] = [];
  for (let c = 0; c < Math.min(k, width); c++) {
    let v = Float64Array.from({ length: width }, () => rng.normal());
    for (let it = 0; it < iterations; it++) {
      const next = new Float64Array(width);
      for (let i = 0; i < width; i++) {
        let s = 0;
        for (let j = 0; j < width; j++) s += cov[i]![j]! * v[j]!;
        next[i] = s;
      }
      for (const d of directions) { // deflate: stay orthogonal to the directions already found
        const dot = next.reduce((s, x, i) => s + x * d[i]!, 0);
        for (let i = 0; i < width; i++) next[i]! -= dot * d[i]!;
      }
      const norm = Math.hypot(...next);
      if (norm < 1e-12) break;
      v = next.map((x) => x / norm);
    }
    directions.push(v);
  }
  return directions;
}

/** Orthonormalises vectors (Gram–Schmidt), dropping those (nearly) in the span of earlier ones. */
export function orthonormalize(vectors: readonly ArrayLike<number>[], tolerance = 1e-9): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const v of vectors) {
    const w = Float64Array.from(v as ArrayLike<number>);
    for (const b of basis) {
      const dot = w.reduce((s, x, i) => s + x * b[i]!, 0);
      for (let i = 0; i < w.length; i++) w[i]! -= dot * b[i]!;
    }
    const norm = Math.hypot(...w);
    const scale = Math.hypot(...Array.from(v as ArrayLike<number>));
    if (norm > tolerance * Math.max(1, scale)) basis.push(w.map((x) => x / norm));
  }
  return basis;
}
