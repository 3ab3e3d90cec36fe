/**
 * A leaderboard of methods by the hypervolume of their frontiers, with bootstrap intervals over independent
 * bases. Pure (the resampling draws from a seeded `Rng`).
 *
 * Each point's task and alignment are averaged per base (over that base's fine-tune seeds), then over bases.
 * The reference is the naive fine-tune's alignment at zero task, so a method scores only the area it gains
 * above the naive fine-tune. A point with a diverged or degenerate run is not honest and is left off every
 * frontier. The interval is the percentile bootstrap (Efron & Tibshirani 1993, §13.3): resample the bases with
 * replacement, recompute every point's mean, the reference and each method's hypervolume; take the 2.5% and
 * 97.5% quantiles. The same resamples serve every method, so the difference between two methods has a paired
 * interval too. With few bases (5) the percentile interval is rough: it is a statement about these bases.
 *
 * @module
 */
import { z } from "zod";
import {
  baseMeans,
  type BaseRun,
  bootstrapBases,
  type BootstrapOptions,
  percentileInterval,
  sampleMeans,
} from "./bootstrap.ts";
import { hypervolume } from "./hypervolume.ts";
import { Measured } from "./stats.ts";

/** A sweep point: its method, and whether it may stand on a frontier. */
export interface BoardPoint {
  id: string;
  method: string;
  /** False for a point with a diverged or degenerate run: kept off every frontier. */
  honest: boolean;
}

/** One fine-tune's scores, and the base it was fine-tuned from. */
export type BoardRun = BaseRun;

/** An estimate with its 95% bootstrap interval. */
const Interval = { estimate: Measured, low: Measured, high: Measured };

/** A method's row: its hypervolume and rank, and the methods whose intervals overlap its own. */
export const LeaderboardRowSchema = z.strictObject({
  method: z.string(),
  ...Interval,
  /** Honest points on its curve. */
  points: z.int().nonnegative(),
  /** 1 for the largest hypervolume; a rank is an order of estimates, not a claim (see `tiesWith`). */
  rank: z.int().positive(),
  /** Methods whose 95% intervals overlap this one's: the data do not separate them. */
  tiesWith: z.array(z.string()),
});

/** The paired bootstrap interval of hypervolume(a) − hypervolume(b). */
export const MethodDifferenceSchema = z.strictObject({ a: z.string(), b: z.string(), ...Interval });

/** A leaderboard as written into a summary. */
export const LeaderboardSchema = z.strictObject({
  /** The naive fine-tune's point, which no method is credited for. */
  reference: z.strictObject({ method: z.string(), task: z.number(), alignment: Measured }),
  bases: z.int().nonnegative(),
  resamples: z.int().positive(),
  rows: z.array(LeaderboardRowSchema),
  differences: z.array(MethodDifferenceSchema),
});

/** A leaderboard. */
export type Leaderboard = z.output<typeof LeaderboardSchema>;
/** One method's row. */
export type LeaderboardRow = z.output<typeof LeaderboardRowSchema>;
/** The difference between two methods. */
export type MethodDifference = z.output<typeof MethodDifferenceSchema>;

/** Options of `leaderboard`: the reference method, and the resampling's. */
export interface LeaderboardOptions extends BootstrapOptions {
  /** The method whose (single) point is the reference: the naive, task-only fine-tune. */
  reference: string;
}

/**
 * Ranks every method but the reference by its frontier's hypervolume above the reference point.
 *
 * @example
 * ```ts
 * import { metrics } from "../../mod.ts";
 * const points = [
 *   { id: "naive", method: "task-only", honest: true },
 *   { id: "kl-1", method: "kl", honest: true },
 * ];
 * const runs = [1, 2, 3].flatMap((base) => [
 *   { point: "naive", base, task: 0.9, alignment: 0.2 },
 *   { point: "kl-1", base, task: 0.8, alignment: 0.5 + 0.01 * base },
 * ]);
 * const board = metrics.leaderboard(points, runs, { reference: "task-only" });
 * console.log(board.rows[0]); // kl: 0.8 × 0.32 ≈ 0.256, with its interval over the 3 bases
 * ```
 */
export function leaderboard(
  points: readonly BoardPoint[],
  runs: readonly BoardRun[],
  options: LeaderboardOptions,
): Leaderboard {
  const bases = [...new Set(runs.map((r) => r.base))].sort((a, b) => a - b);
  const referencePoints = points.filter((p) => p.method === options.reference);
  if (referencePoints.length !== 1) {
    throw new Error(
      `Cannot rank methods: the reference ${options.reference} has ${referencePoints.length} points`,
    );
  }
  const methods = [...new Set(points.map((p) => p.method))].filter((m) => m !== options.reference);
  const means = baseMeans(runs);
  const reference = (sample: readonly number[]) => ({
    task: 0,
    alignment: sampleMeans(means, sample).get(referencePoints[0]!.id)?.alignment ?? NaN,
  });
  const areas = (sample: readonly number[]) => {
    const ref = reference(sample), at = sampleMeans(means, sample);
    return methods.map((method) => {
      const honest = points.filter((p) => p.method === method && p.honest).flatMap((p) => at.get(p.id) ?? [])
        .filter((m) => Number.isFinite(m.task) && Number.isFinite(m.alignment));
      return Number.isFinite(ref.alignment) ? hypervolume(honest, ref) : NaN;
    });
  };
  const { estimate, draws } = bootstrapBases(bases, areas, options);
  const rows = methods.map((method, i) => ({
    method,
    ...percentileInterval(estimate[i]!, draws.map((d) => d[i]!)),
    points: points.filter((p) => p.method === method && p.honest).length,
  }));
  const ranked = rows.toSorted((a, b) => b.estimate - a.estimate).map((row, i) => ({
    ...row,
    rank: i + 1,
    // Without intervals (one base) nothing is separated.
    tiesWith: rows.filter((o) => o.method !== row.method && !(o.low > row.high || row.low > o.high)).map((
      o,
    ) => o.method),
  }));
  const differences = methods.flatMap((a, i) =>
    methods.slice(i + 1).map((b, k) => {
      const j = i + 1 + k;
      return { a, b, ...percentileInterval(estimate[i]! - estimate[j]!, draws.map((d) => d[i]! - d[j]!)) };
    })
  );
  return {
    reference: { method: options.reference, ...reference(bases) },
    bases: bases.length,
    resamples: options.resamples ?? 2000,
    rows: ranked,
    differences,
  };
}

/** The difference between two methods' hypervolumes, whichever order the board stored it in. */
export function methodDifference(board: Leaderboard, a: string, b: string): MethodDifference {
  const found = board.differences.find((d) => d.a === a && d.b === b);
  if (found) return found;
  const other = board.differences.find((d) => d.a === b && d.b === a);
  if (!other) throw new Error(`Cannot compare ${a} with ${b}: the leaderboard has no such pair`);
  return { a, b, estimate: -other.estimate, low: -other.high, high: -other.low };
}

/** A method against another on one leaderboard: its hypervolume, the paired difference, and what it says. */
export interface MethodAgainst {
  method: string;
  hypervolume: { estimate: number; low: number; high: number };
  /** hypervolume(method) − hypervolume(other), its paired 95% interval over the bases. */
  difference: { estimate: number; low: number; high: number };
  /** "beats" or "trails" when the whole interval of the difference is above or below 0, else "ties". */
  verdict: "beats" | "ties" | "trails";
}

/**
 * Each of `methods` that the board ranks (others are left out) against `other`, by the paired difference of
 * their hypervolumes.
 */
export function againstMethod(
  board: Leaderboard,
  methods: readonly string[],
  other: string,
): MethodAgainst[] {
  return methods.flatMap((method) => {
    const row = board.rows.find((r) => r.method === method);
    if (!row || method === other) return [];
    const { estimate, low, high } = methodDifference(board, method, other);
    const verdict = low > 0 ? "beats" : high < 0 ? "trails" : "ties";
    return [{
      method,
      hypervolume: { estimate: row.estimate, low: row.low, high: row.high },
      difference: { estimate, low, high },
      verdict,
    }];
  });
}
