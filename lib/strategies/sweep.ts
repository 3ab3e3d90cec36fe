/**
 * Strategy sweeps shared by every experiment: a YAML entry (strategy, fixed parameters, a grid) expands into
 * points, one per combination of grid values.
 *
 * @module
 */
import { z } from "zod";

/** One sweep entry: a strategy, fixed parameters, and a grid whose every combination is run. */
export const SweepEntrySchema = z.strictObject({
  strategy: z.string(),
  /** A label for figures (default: the strategy's name). */
  label: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Parameter → values; the sweep runs the Cartesian product. */
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
});

/** One sweep entry, validated. */
export type SweepEntry = z.output<typeof SweepEntrySchema>;

/** One point of the sweep: a strategy with concrete parameters. */
export interface SweepPoint {
  /** Stable id for run records, e.g. `kl-beta=30`. */
  id: string;
  strategy: string;
  label: string;
  params: Record<string, unknown>;
  /** The grid's parameters and their values at this point (what traces the curve). */
  swept: Record<string, unknown>;
}

/** Expands every entry's grid into points (Cartesian product, in file order). */
export function expandSweep(entries: readonly z.output<typeof SweepEntrySchema>[]): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const entry of entries) {
    let combos: Record<string, unknown>[] = [{}];
    for (const [key, values] of Object.entries(entry.grid)) {
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    }
    for (const swept of combos) {
      const params = { ...entry.params, ...swept };
      const suffix = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(",");
      points.push({
        id: suffix ? `${entry.strategy}-${suffix}` : entry.strategy,
        strategy: entry.strategy,
        label: entry.label ?? entry.strategy,
        params,
        swept,
      });
    }
  }
  const seen = new Set<string>();
  for (const p of points) {
    if (seen.has(p.id)) {
      throw new Error(`Cannot run the sweep: point ${p.id} appears twice; remove the duplicate entry`);
    }
    seen.add(p.id);
  }
  return points;
}

/**
 * The naive fine-tune's point: task-only, run by every organism experiment.
 *
 * @example
 * ```ts
 * import { fineTunePoint, loadOrTrainBase, loadYamlConfig, NAIVE_POINT } from "../../mod.ts";
 * import { sycophancyOrganism } from "../../mod.ts";
 * const config = await loadYamlConfig(sycophancyOrganism.configSchema, sycophancyOrganism.defaultConfig);
 * const base = await loadOrTrainBase(sycophancyOrganism, config);
 * const naive = fineTunePoint(sycophancyOrganism, base, NAIVE_POINT, 1); // task-only, fine-tune seed 1
 * console.log(`GCD capability ${naive.task.toFixed(2)}, 1 − sycophancy ${naive.alignment.toFixed(2)}`);
 * ```
 */
export const NAIVE_POINT: SweepPoint = {
  id: "naive",
  strategy: "task-only",
  label: "naive (task-only)",
  params: {},
  swept: {},
};
