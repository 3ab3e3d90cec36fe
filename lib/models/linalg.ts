/**
 * Linear algebra on the host, in float64, for small widths: the top principal directions of a set of row
 * vectors, a matrix's top right singular vectors and the fewest of them that hold a share of its energy (power
 * iteration with deflation on the width × width covariance or Gram matrix), and Gram–Schmidt
 * orthonormalisation. CAFT finds the directions it ablates with the first, GRASP the directions it protects with
 * the second, null-space updates the proxy inputs' dominant subspace with the third, SafeLoRA builds its
 * alignment subspace with the fourth. Pure.
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
  return topEigenvectors(gram(rows, meanRow, n - 1), k, rng, iterations).map((e) => e.vector);
}

/**
 * The top-k right singular vectors of the matrix whose rows are `rows` ([n][width]): the unit directions v
 * that maximise ‖X·v‖, largest singular value first (the eigenvectors of XᵀX, uncentred). Directions with
 * singular value 0 are left out, so fewer than k may come back.
 */
export function rightSingularVectors(
  rows: readonly ArrayLike<number>[],
  k: number,
  rng: Rng,
  iterations = 200,
): Float64Array[] {
  const width = rows[0]?.length ?? 0;
  if (width === 0) throw new Error(`Cannot find singular vectors of ${rows.length} empty rows`);
  const found = topEigenvectors(gram(rows, new Float64Array(width), 1), k, rng, iterations);
  const largest = found[0]?.value ?? 0;
  return found.filter((e) => e.value > 1e-9 * largest).map((e) => e.vector);
}

/**
 * The fewest leading right singular vectors of the matrix whose rows are `rows` that hold a share `energy` of
 * its squared Frobenius norm, Σ_{i≤k} σ_i² ≥ energy·Σ_i σ_i²: an orthonormal basis of the row space's
 * dominant part (`energy` 1: every direction with σ > 0; 0: none).
 */
export function energySubspace(
  rows: readonly ArrayLike<number>[],
  energy: number,
  rng: Rng,
  iterations = 200,
): Float64Array[] {
  const width = rows[0]?.length ?? 0;
  if (width === 0 || energy <= 0) return [];
  const matrix = gram(rows, new Float64Array(width), 1);
  const total = matrix.reduce((s, row, i) => s + row[i]!, 0);
  const enough = (values: number[]) => {
    const last = values[values.length - 1]!, held = values.reduce((s, x) => s + x, 0);
    return last <= 1e-9 * values[0]! || held >= energy * total * (1 - 1e-12);
  };
  const found = topEigenvectors(matrix, width, rng, iterations, enough, 1e-12);
  const largest = found[0]?.value ?? 0;
  return found.filter((e) => e.value > 1e-9 * largest).map((e) => e.vector);
}

/** Σ_r (r − centre)(r − centre)ᵀ / divisor, [width][width]. */
function gram(rows: readonly ArrayLike<number>[], centre: Float64Array, divisor: number): Float64Array[] {
  const width = centre.length;
  const out = Array.from({ length: width }, () => new Float64Array(width));
  for (const r of rows) {
    for (let i = 0; i < width; i++) {
      const di = (r[i] as number) - centre[i]!;
      if (di === 0) continue;
      const row = out[i]!;
      for (let j = 0; j < width; j++) row[j]! += (di * ((r[j] as number) - centre[j]!)) / divisor;
    }
  }
  return out;
}

/**
 * The top-k eigenvectors of a symmetric positive semi-definite matrix with their eigenvalues, largest first:
 * power iteration with deflation. Where the deflated matrix is (numerically) 0 the iteration stops and the
 * value is 0. `enough`, given the values found so far, may end the search before k; with `tolerance` > 0 a
 * vector's iteration ends once no coordinate moves by more than it.
 */
function topEigenvectors(
  matrix: Float64Array[],
  k: number,
  rng: Rng,
  iterations: number,
  enough: (values: number[]) => boolean = () => false,
  tolerance = 0,
): { vector: Float64Array; value: number }[] {
  const width = matrix.length;
  const directions: Float64Array[] = [];
  const values: number[] = [];
  for (let c = 0; c < Math.min(k, width); c++) {
    let v = Float64Array.from({ length: width }, () => rng.normal());
    let value = 0;
    for (let it = 0; it < iterations; it++) {
      const next = new Float64Array(width);
      for (let i = 0; i < width; i++) {
        let s = 0;
        for (let j = 0; j < width; j++) s += matrix[i]![j]! * v[j]!;
        next[i] = s;
      }
      for (const d of directions) { // deflate: stay orthogonal to the directions already found
        const dot = next.reduce((s, x, i) => s + x * d[i]!, 0);
        for (let i = 0; i < width; i++) next[i]! -= dot * d[i]!;
      }
      const norm = Math.hypot(...next);
      value = norm < 1e-12 ? 0 : norm;
      if (norm < 1e-12) break;
      const moved = v;
      v = next.map((x) => x / norm);
      if (tolerance > 0 && v.every((x, i) => Math.abs(x - moved[i]!) <= tolerance)) break;
    }
    // With a tolerance, the value is the Rayleigh quotient vᵀ·M·v: exact to second order in v's error, where
    // ‖M·v‖ overstates it (the energy a subspace holds is summed from these values).
    if (tolerance > 0 && value > 0) value = rayleigh(matrix, v);
    directions.push(v);
    values.push(value);
    if (enough(values)) break;
  }
  return directions.map((vector, i) => ({ vector, value: values[i]! }));
}

function rayleigh(matrix: Float64Array[], v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    let row = 0;
    for (let j = 0; j < v.length; j++) row += matrix[i]![j]! * v[j]!;
    s += v[i]! * row;
  }
  return s;
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
