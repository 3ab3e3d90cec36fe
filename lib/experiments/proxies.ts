/**
 * Proxy-quality experiments on an organism: the same bases, the same methods at the same strengths, each run
 * with several named proxies of equal size (a config's `proxies`, and `proxy:` on its sweep entries), and the
 * proxies compared on the score the post's claim is about. Each is its organism with another summary, run on
 * the organism's first variant only (`em/proxies.ts`, `sycophancy/proxies.ts`); this file holds what they
 * share.
 *
 * @module
 */
import { z } from "zod";
import { type BaseScore, benchmark, BenchmarkFields } from "../eval/benchmark.ts";
import type { PointRun, PointSpec } from "../eval/points.ts";
import { Measured } from "../eval/stats.ts";
import { compareInterval, compareMean, type Finding } from "../eval/findings.ts";
import { type Leaderboard, methodDifference } from "../eval/leaderboard.ts";
import { type ProxyComparison, ProxyComparisonSchema, rowName } from "../eval/proxy_quality.ts";
import type { SweepPoint } from "../strategies/sweep.ts";
import { RunInfoSchema } from "./experiment.ts";
import { baseSeconds, basesFromCache } from "./organism.ts";

/** The fields every proxy-quality summary has. */
export const ProxyQualityFields = {
  ...RunInfoSchema.shape,
  /** Seconds spent training the bases in this run (0 when they came from the cache), and whether all were cached. */
  baseSeconds: Measured,
  baseFromCache: z.boolean(),
  /** Each named proxy's size in items (equal: the comparison is of what the proxy says, not how much). */
  proxySizes: z.record(z.string(), z.int()),
  /** The bases and every point over the bases; methods are `label@proxy` (e.g. `kl@gcd`). */
  base: BenchmarkFields.base,
  points: BenchmarkFields.points,
  gaveUp: BenchmarkFields.gaveUp,
  frontier: BenchmarkFields.frontier,
  /** Each method@proxy curve ranked by hypervolume above the naive fine-tune's alignment. */
  leaderboard: BenchmarkFields.leaderboard,
  /** The proxies compared at each method and strength on the claim's score. */
  compared: ProxyComparisonSchema,
};

/** Points with their proxy in the label (`kl@gcd`), so that each method@proxy is its own curve. */
export function labelledByProxy(points: readonly SweepPoint[]): PointSpec[] {
  return points.map((p) => p.proxy === undefined ? p : { ...p, label: `${p.label}@${p.proxy}` });
}

/**
 * The fields a proxy sweep's summary shares (its bases' provenance; the benchmark of its `label@proxy` curves),
 * and its dishonest points: gave up the task, diverged, or flagged by the organism (`degenerate`).
 */
export function proxyBenchmark(
  points: readonly SweepPoint[],
  runs: readonly PointRun[],
  bases: readonly (BaseScore & { trainedSeconds: number; fromCache: boolean })[],
  degenerate: readonly string[] = [],
) {
  const scored = benchmark(labelledByProxy(points), runs, bases, { degenerate });
  const diverged = scored.points.filter((p) => p.divergedSeeds.length).map((p) => p.id);
  const { base, points: aggregated, gaveUp, frontier, leaderboard } = scored;
  return {
    fields: {
      baseSeconds: baseSeconds(bases),
      baseFromCache: basesFromCache(bases),
      base,
      points: aggregated,
      gaveUp,
      frontier,
      leaderboard,
    },
    dishonest: [...new Set([...gaveUp, ...degenerate, ...diverged])],
  };
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
