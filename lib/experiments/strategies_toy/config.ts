/**
 * Config of the strategy comparison on the toy: the toy's settings, the alignment proxy, and a sweep of
 * strategies × hyper-parameter grids × seeds.
 *
 * @module
 */
import { z } from "zod";
import { ToyConfigSchema } from "../toy/config.ts";

/** One sweep entry: a strategy, fixed parameters, and a grid whose every combination is run. */
export const SweepEntrySchema = z.strictObject({
  strategy: z.string(),
  /** A label for figures (default: the strategy's name). */
  label: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Parameter → values; the sweep runs the Cartesian product. */
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
});

/** Schema of `data/configs/strategies-toy.yaml`. */
export const StrategiesToyConfigSchema = z.strictObject({
  /** Overrides of the toy config (the fine-tune steps, learning rate, LoRA, points …). */
  toy: ToyConfigSchema.prefault({}),
  /** The alignment proxy: how many train triggers of which categories, at their original labels. */
  proxy: z.record(z.string(), z.int().positive()).default({ objects: 2, negative_emotions: 2 }),
  strategies: z.array(SweepEntrySchema).min(1),
});

/** A validated strategies-on-toy config. */
export type StrategiesToyConfig = z.output<typeof StrategiesToyConfigSchema>;

/** The shipped default sweep. */
export const DEFAULT_STRATEGIES_TOY_CONFIG_PATH = new URL(
  "../../../data/configs/strategies-toy.yaml",
  import.meta.url,
);

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
export function expandSweep(entries: StrategiesToyConfig["strategies"]): SweepPoint[] {
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
