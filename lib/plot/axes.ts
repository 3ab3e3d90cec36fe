/**
 * Axis ranges fitted to the data. A fixed 0–1 axis squeezes points that differ by a few hundredths into a
 * sliver of the plot (the sycophancy Pareto's capabilities all lie in 0.38–0.53), which a static PNG cannot
 * zoom; so an axis spans the data with a margin, and still reaches 0 or 1 where the data nearly does, so
 * that "collapsed to 0" and "at ceiling" stay readable. Pure.
 *
 * @module
 */

/** How `fittedRange` fits; every field has a default suited to rates in [0, 1]. */
export interface FitOptions {
  /** The natural bounds of the quantity (default [0, 1]). */
  bounds?: readonly [number, number];
  /** Extend to a bound when the data comes within this of it (default 0.1 of the bounds' span). */
  snap?: number;
  /** Narrowest span drawn, so that a tight cluster is not blown up into noise (default 0.1 of the bounds). */
  minSpan?: number;
  /** Margin on each side, as a share of the span (default 0.05), but at least `minMargin`. */
  margin?: number;
  /** Smallest margin, in data units, so that markers and error-bar caps at the edge are not cut (default 0.02). */
  minMargin?: number;
}

/**
 * A [low, high] axis range that contains every finite value, with a margin; the whole bounds when there is
 * nothing finite.
 *
 * @example
 * ```ts
 * import { fittedRange } from "./axes.ts";
 * fittedRange([0.38, 0.53]); // ≈ [0.37, 0.54]: a zoom on the cluster
 * fittedRange([0.04, 0.99]); // ≈ [-0.05, 1.05]: the data spans 0–1, so the axis does
 * ```
 */
export function fittedRange(values: readonly number[], options: FitOptions = {}): [number, number] {
  const [floor, ceiling] = options.bounds ?? [0, 1];
  const full = ceiling - floor;
  const snap = options.snap ?? 0.1 * full, minSpan = options.minSpan ?? 0.1 * full;
  const finite = values.filter(Number.isFinite);
  let low = finite.length ? Math.min(...finite) : floor;
  let high = finite.length ? Math.max(...finite) : ceiling;
  if (high - low < minSpan) {
    // Widen around the centre, without crossing a bound the data does not cross.
    const centre = Math.min(Math.max((low + high) / 2, floor + minSpan / 2), ceiling - minSpan / 2);
    low = Math.min(low, centre - minSpan / 2);
    high = Math.max(high, centre + minSpan / 2);
  }
  if (low - floor < snap) low = Math.min(low, floor);
  if (ceiling - high < snap) high = Math.max(high, ceiling);
  const pad = Math.max((options.margin ?? 0.05) * (high - low), options.minMargin ?? 0.02);
  return [low - pad, high + pad];
}

/** Half the width of a point's 95% interval (high − mean), 0 where there is none (a single seed). */
export function halfInterval(m: { mean: number; high: number }): number {
  return Number.isFinite(m.high) && Number.isFinite(m.mean) ? m.high - m.mean : 0;
}

/**
 * The values a point with 95% interval bars occupies on one axis: its interval (the mean where it has none),
 * cut at the quantity's natural bounds (default [0, 1]: a t-interval over three seeds can reach below 0).
 */
export function intervalExtent(
  points: readonly { mean: number; high: number }[],
  [floor, ceiling]: readonly [number, number] = [0, 1],
): number[] {
  const cut = (x: number) => Math.min(ceiling, Math.max(floor, x));
  return points.flatMap((p) => [cut(p.mean - halfInterval(p)), cut(p.mean + halfInterval(p))]);
}
