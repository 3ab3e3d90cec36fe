/**
 * Proxy quality: the same method at the same strength trained with different alignment proxies of equal size,
 * compared on one score over independent bases (the post's Appendix 2: which proxy data protects best). For
 * each method and strength, every proxy's score (mean over each base's seeds, then a 95% t-interval over the
 * bases), the best proxy, and the claimed proxy's margin over the best of the others as a paired difference by
 * base: every proxy fine-tunes the same bases, so pairing removes the spread between bases; and the findings
 * on the claimed proxy, per strength and per curve. Pure.
 *
 * @module
 */
import { z } from "zod";
import { compareInterval, compareMean, type Finding } from "./findings.ts";
import { type Leaderboard, methodDifference } from "./leaderboard.ts";
import type { PointSpec } from "./points.ts";
import { mean, type MeanCi, meanCi, MeanCiSchema } from "./stats.ts";

/** One method at one strength under every proxy. */
export const ProxyRowSchema = z.strictObject({
  /** The method's label, its strategy and the swept parameters' values at this strength. */
  method: z.string(),
  strategy: z.string(),
  swept: z.record(z.string(), z.unknown()),
  /** Proxy name → the point's id and its score over the bases. */
  cells: z.record(
    z.string(),
    z.strictObject({
      point: z.string(),
      score: MeanCiSchema,
      /** The comparison's companion score (e.g. the task beside alignment), when it has one. */
      companion: MeanCiSchema.optional(),
      /** False when the point diverged, gave up the task or is degenerate: its score protects nothing. */
      honest: z.boolean(),
    }),
  ),
  /** The proxy with the best mean among the honest ones (a dishonest one only where none is honest). */
  best: z.string(),
  /** The best proxy other than the claimed one, by the same rule. */
  bestOther: z.string(),
  /** The claimed proxy's score minus `bestOther`'s, paired by base, signed so that positive is better. */
  claimedMargin: MeanCiSchema,
});

/** One row of a proxy comparison. */
export type ProxyRow = z.output<typeof ProxyRowSchema>;

/** A comparison of proxies on one score. */
export const ProxyComparisonSchema = z.strictObject({
  /** What is compared, e.g. `gcd/sycophancy`, and which way is better. */
  score: z.string(),
  better: z.enum(["higher", "lower"]),
  /** The proxy claimed to protect best (the post's claim, checked by each row's `claimedMargin`). */
  claimed: z.string(),
  /** What each cell's `companion` is (e.g. `task`), if the comparison reports one. */
  companion: z.string().optional(),
  /** The bases' own score and the naive fine-tune's, over the bases. */
  base: MeanCiSchema,
  naive: MeanCiSchema,
  rows: z.array(ProxyRowSchema),
});

/** A comparison of proxies. */
export type ProxyComparison = z.output<typeof ProxyComparisonSchema>;

/** A sweep point as the comparison reads it: its named proxy, if any. */
export type ComparedPoint = PointSpec & { proxy?: string };

/** A finished run as the comparison reads it. */
export interface ComparedRun {
  point: string;
  base: number;
  diverged: boolean;
}

/** Options of `compareProxies`: the score of a run or a base, its name, and which way is better. */
export interface CompareOptions<R, B> {
  score: string;
  better: "higher" | "lower";
  ofRun: (run: R) => number;
  ofBase: (base: B) => number;
  /** The naive (task-only) point's id. */
  naive: string;
  /** The proxy claimed to protect best. */
  claimed: string;
  /** Points that diverged, gave up the task or are degenerate (their cells are marked). */
  dishonest?: readonly string[];
  /** A second score reported beside the first in every cell, never ranked (e.g. the task a proxy costs). */
  companion?: { name: string; ofRun: (run: R) => number };
}

/** Per base, the mean over its finished seeds of a point's score. */
function perBase<R extends ComparedRun>(runs: readonly R[], point: string, ofRun: (r: R) => number) {
  const mine = runs.filter((r) => r.point === point && !r.diverged);
  return new Map(
    [...new Set(mine.map((r) => r.base))].map((b) => [b, mean(mine.filter((r) => r.base === b).map(ofRun))]),
  );
}

/**
 * Compares the proxies of every method and strength that was run with the claimed proxy and another.
 *
 * @example
 * ```ts
 * import { metrics } from "../../mod.ts";
 * const point = (proxy: string) => ({ id: `kl@${proxy}`, strategy: "kl", label: "kl", params: {}, swept: {}, proxy });
 * const runs = [0, 1, 2].flatMap((base) => [
 *   { point: "naive", base, diverged: false, gcd: 0.6 },
 *   { point: "kl@gcd", base, diverged: false, gcd: 0.2 + 0.01 * base },
 *   { point: "kl@capitals", base, diverged: false, gcd: 0.5 },
 * ]);
 * const bases = [0, 1, 2].map(() => ({ gcd: 0.1 }));
 * const naive = { id: "naive", strategy: "task-only", label: "naive", params: {}, swept: {} };
 * const compared = metrics.compareProxies([naive, point("gcd"), point("capitals")], runs, bases, {
 *   score: "gcd/sycophancy", better: "lower", ofRun: (r) => r.gcd, ofBase: (b) => b.gcd, naive: "naive",
 *   claimed: "gcd",
 * });
 * console.log(compared.rows[0]?.best, compared.rows[0]?.claimedMargin.mean); // gcd ≈ 0.29
 * ```
 */
export function compareProxies<R extends ComparedRun, B>(
  points: readonly ComparedPoint[],
  runs: readonly R[],
  bases: readonly B[],
  options: CompareOptions<R, B>,
): ProxyComparison {
  const groups = new Map<string, ComparedPoint[]>();
  for (const p of points) {
    if (p.proxy === undefined) continue;
    const key = JSON.stringify([p.label, p.strategy, p.params]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const rows = [...groups.values()].filter((g) => g.some((p) => p.proxy === options.claimed) && g.length >= 2)
    .map((group) => proxyRow(group, runs, options));
  return {
    score: options.score,
    better: options.better,
    claimed: options.claimed,
    ...(options.companion ? { companion: options.companion.name } : {}),
    base: meanCi(bases.map(options.ofBase)),
    naive: meanCi([...perBase(runs, options.naive, options.ofRun).values()]),
    rows,
  };
}

/**
 * One method and strength's row. Proxies are ranked honest cells first, then by score (a NaN score last), so
 * that neither the best proxy nor the one the claimed proxy is measured against is a degenerate point.
 */
function proxyRow<R extends ComparedRun, B>(
  group: readonly ComparedPoint[],
  runs: readonly R[],
  options: CompareOptions<R, B>,
): ProxyRow {
  const sign = options.better === "higher" ? 1 : -1;
  const values = new Map(group.map((p) => [p.proxy!, perBase(runs, p.id, options.ofRun)]));
  const cell = (p: ComparedPoint) => ({
    point: p.id,
    score: meanCi([...values.get(p.proxy!)!.values()]),
    ...(options.companion
      ? { companion: meanCi([...perBase(runs, p.id, options.companion.ofRun).values()]) }
      : {}),
    honest: !(options.dishonest ?? []).includes(p.id),
  });
  const cells = Object.fromEntries(group.map((p) => [p.proxy!, cell(p)]));
  const rank = (name: string) => {
    const c = cells[name]!;
    return [c.honest ? 0 : 1, Number.isFinite(c.score.mean) ? -sign * c.score.mean : Infinity];
  };
  const ranked = Object.keys(cells).sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0]! - rb[0]! || ra[1]! - rb[1]!;
  });
  const bestOther = ranked.find((p) => p !== options.claimed)!;
  return {
    method: group[0]!.label,
    strategy: group[0]!.strategy,
    swept: group[0]!.swept,
    cells,
    best: ranked[0]!,
    bestOther,
    claimedMargin: pairedDifference(values.get(options.claimed)!, values.get(bestOther)!, sign),
  };
}

/** A row's method and strength as a reader writes it: `kl beta=10`. */
export function rowName(row: Pick<ProxyRow, "method" | "swept">): string {
  return `${row.method} ${Object.entries(row.swept).map(([k, v]) => `${k}=${v}`).join(", ")}`;
}

/** sign·(a − b) over the bases both have. */
function pairedDifference(a: Map<number, number>, b: Map<number, number>, sign: number): MeanCi {
  return meanCi([...a].flatMap(([base, v]) => b.has(base) ? [sign * (v - b.get(base)!)] : []));
}

/** Points with their proxy in the label (`kl@gcd`), so that each method@proxy is its own curve. */
export function labelledByProxy(points: readonly ComparedPoint[]): PointSpec[] {
  return points.map((p) => p.proxy === undefined ? p : { ...p, label: `${p.label}@${p.proxy}` });
}

/**
 * A finding per method and strength: the claimed proxy beats the best of the others on the score (their
 * paired difference's interval above 0). A dishonest claimed point (gave up the task, degenerate) never holds.
 */
export function proxyFindings(compared: ProxyComparison): Finding[] {
  return compared.rows.map((row) => {
    const claim = `${rowName(row)}: the ${compared.claimed} proxy ${
      compared.better === "lower" ? "lowers" : "raises"
    } ${compared.score} more than the best other (${row.bestOther})`;
    const finding = compareMean(claim, row.claimedMargin, "≥", 0);
    return row.cells[compared.claimed]?.honest ? finding : { ...finding, holds: false, tie: false };
  });
}

/**
 * A finding per method: the claimed proxy's curve has a larger hypervolume than the best other proxy's curve
 * of the same method (their paired bootstrap difference's interval above 0). Curves, not single strengths:
 * a proxy that keeps more alignment at one strength may do it by costing more task.
 */
export function curveFindings(board: Leaderboard, claimed: string): Finding[] {
  const methods = [...new Set(board.rows.map((r) => r.method.split("@")[0]!))];
  return methods.flatMap((method) => {
    const mine = board.rows.filter((r) => r.method.startsWith(`${method}@`));
    const best = mine.filter((r) => r.method !== `${method}@${claimed}` && Number.isFinite(r.estimate))
      .sort((a, b) => b.estimate - a.estimate)[0];
    if (!best || !mine.some((r) => r.method === `${method}@${claimed}`)) return [];
    const difference = methodDifference(board, `${method}@${claimed}`, best.method);
    const claim =
      `${method}: the ${claimed} proxy's curve above the best other's (${best.method}), hypervolume`;
    return [compareInterval(claim, difference, "≥", 0)];
  });
}
