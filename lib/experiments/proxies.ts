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
import type { PointRun } from "../eval/points.ts";
import { Measured } from "../eval/stats.ts";
import { labelledByProxy, ProxyComparisonSchema } from "../eval/proxy_quality.ts";
import type { SweepPoint } from "../strategies/sweep.ts";
import { RunInfoSchema } from "./experiment.ts";
import { shippedConfig } from "../config/load.ts";
import type { Vocabulary } from "../data/vocabulary.ts";
import type { FineTuneFields, OrganismConfig } from "../strategies/organism_model.ts";
import { baseSeconds, basesFromCache, type Organism, organismExperiment, sweepLine } from "./organism.ts";

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
 * A proxy-quality experiment: `organism` with another summary (and perhaps fewer variants), shipped as
 * `data/configs/<name>.yaml`; its line after a run is the sweep's size and time, then `note`.
 */
export function proxyExperiment<
  C extends OrganismConfig,
  W extends { vocabulary: Vocabulary },
  Sc,
  Run extends FineTuneFields & { id: string; configHash: string },
  S extends Parameters<typeof sweepLine>[0],
>(
  organism: Organism<C, W, Sc, Run, unknown>,
  spec: Pick<Organism<C, W, Sc, Run, S>, "summarize" | "summarySchema" | "findings" | "variants"> & {
    name: string;
    title: string;
    note?: (summary: S) => string;
  },
) {
  const { name, title, note, ...summary } = spec;
  const proxied: Organism<C, W, Sc, Run, S> = {
    ...organism,
    ...summary,
    describe: (s) => sweepLine(s) + (note?.(s) ?? ""),
  };
  return organismExperiment(proxied, { name, title, defaultConfig: shippedConfig(name) });
}
