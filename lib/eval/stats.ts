/**
 * Aggregation over seeds: mean, median, standard error of the mean, Student-t 95% intervals, Pearson
 * correlation.
 * Pure functions.
 *
 * @module
 */
import { z } from "zod";

/** A mean over seeds with its standard error (sample sd / √n; 0 for one seed). */
export interface MeanSem {
  mean: number;
  sem: number;
}

/**
 * A measured number: NaN when there was nothing to measure (every run of a cell diverged, say), which JSON
 * writes as null and this reads back as NaN, so a summary with such a cell still validates.
 */
export const Measured = measured(z.number());

/** A measured share in [0, 1] (an accuracy, a rate), NaN when there was nothing to measure. */
export const MeasuredShare = measured(z.number().min(0).max(1));

/** Schema of a `MeanSem` as written to JSON. */
export const MeanSemSchema = z.strictObject({ mean: Measured, sem: measured(z.number().nonnegative()) });

function measured(schema: z.ZodNumber) {
  return schema.or(z.null().transform(() => NaN));
}

/** Arithmetic mean (NaN for no values). */
export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Standard error of the mean with the n − 1 sample variance; 0 when n < 2. */
export function sem(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const m = mean(values);
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

/** Mean and SEM together. */
export function meanSem(values: readonly number[]): MeanSem {
  return { mean: mean(values), sem: sem(values) };
}

/** Pearson's r (NaN when either side has no variance). */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) {
    throw new Error(`Cannot correlate: ${xs.length} x values but ${ys.length} y values`);
  }
  const mx = mean(xs), my = mean(ys);
  let sxy = 0, sxx = 0, syy = 0;
  xs.forEach((x, i) => {
    const dx = x - mx, dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** A mean over n independent runs with its SEM and two-sided 95% Student-t interval. */
export interface MeanCi extends MeanSem {
  n: number;
  low: number;
  high: number;
}

/** Schema of a `MeanCi` as written to JSON (NaN bounds, written as null, for fewer than two runs). */
export const MeanCiSchema = z.strictObject({
  n: z.int().nonnegative(),
  mean: Measured,
  sem: measured(z.number().nonnegative()),
  low: Measured,
  high: Measured,
});

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = values.toSorted((a, b) => a - b), mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Mean, SEM and the 95% t-interval mean ± t(0.975, n − 1) · SEM. With fewer than two values there is no
 * interval: its bounds are NaN (an SEM of 0 is not certainty).
 */
export function meanCi(values: readonly number[]): MeanCi {
  const n = values.length;
  const { mean, sem } = meanSem(values);
  const half = n < 2 ? NaN : studentTQuantile(0.975, n - 1) * sem;
  return { n, mean, sem, low: mean - half, high: mean + half };
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom (p in (0, 1)), by bisection on its CDF, which is
 * written with the regularised incomplete beta function: for t ≥ 0, F(t) = 1 − I_x(df/2, 1/2) / 2 with
 * x = df / (df + t²). Accurate to ~1e-10 (t(0.975, 1) = 12.7062, t(0.975, 4) = 2.7764).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new Error(`Cannot take the t quantile: p ${p}, df ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  const cdf = (t: number) => 1 - incompleteBeta(df / (df + t * t), df / 2, 0.5) / 2;
  let low = 0, high = 1;
  while (cdf(high) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = (low + high) / 2;
    if (cdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz's method; Press et
 * al., Numerical Recipes, 3rd ed., §6.4), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges
 * faster.
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (
      const numerator of [
        m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
        -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
      ]
    ) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return front * f / a;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 digits). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const g = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = g[0]!;
  for (let i = 1; i < 9; i++) sum += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
