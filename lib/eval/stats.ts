/**
 * Aggregation over seeds: mean, standard error of the mean, Pearson correlation. Pure functions.
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
