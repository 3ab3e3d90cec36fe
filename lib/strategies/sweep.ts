/**
 * Strategy sweeps shared by every experiment: a YAML entry (strategy, fixed parameters, a grid) expands into
 * points, one per combination of grid values.
 *
 * @module
 */
import { z } from "zod";
import { STRATEGIES } from "./registry.ts";

/** One sweep entry: a strategy, fixed parameters, and a grid whose every combination is run. */
export const SweepEntrySchema = z.strictObject({
  strategy: z.string(),
  /** A label for figures (default: the strategy's name). */
  label: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /**
   * The name of one of the config's `proxies` to train with instead of the organism's own proxy (for
   * experiments on proxy quality); its points' ids end in `@name`.
   */
  proxy: z.string().optional(),
  /** Parameter → values; the sweep runs the Cartesian product. */
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
});

/**
 * A sweep: its entries, each checked against its strategy before anything runs — the name must be known and
 * every grid combination's parameters must pass the strategy's schema (each problem names the entry, the
 * parameter and the value); no two entries may expand to the same point.
 */
export const SweepSchema = z.array(SweepEntrySchema).superRefine((entries, ctx) => {
  entries.forEach((entry, i) => {
    const strategy = STRATEGIES.find((s) => s.name === entry.strategy);
    if (!strategy) {
      const known = STRATEGIES.map((s) => s.name).join(", ");
      ctx.addIssue({
        code: "custom",
        path: [i, "strategy"],
        message: `unknown "${entry.strategy}"; known: ${known}`,
      });
      return;
    }
    const reported = new Set<string>();
    for (const point of expandEntry(entry)) {
      const parsed = strategy.params.safeParse(point.params);
      for (const issue of parsed.success ? [] : parsed.error.issues) {
        const key = String(issue.path[0] ?? "");
        const where = key in entry.grid ? ["grid", key] : key ? ["params", key] : ["params"];
        const value = key in point.params ? ` = ${JSON.stringify(point.params[key])}` : "";
        const message = issue.code === "unrecognized_keys"
          ? `${entry.strategy} has no parameter ${issue.keys.join(", ")}; its parameters: ${
            paramNames(strategy.params)
          }`
          : `${entry.strategy}${value}: ${issue.message}`;
        if (!reported.has(message)) ctx.addIssue({ code: "custom", path: [i, ...where], message });
        reported.add(message);
      }
    }
  });
  const ids = entries.flatMap((entry) => expandEntry(entry).map((p) => p.id));
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: `point ${twice[0]} appears twice; remove the duplicate entry`,
    });
  }
});

function paramNames(schema: z.ZodType): string {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).join(", ") || "none" : "see its file";
}

/**
 * Reports each entry whose `proxy` is not one of the config's proxy names (`names`; empty where the experiment
 * has none), for a config schema's `superRefine`.
 */
export function checkProxyNames(
  entries: readonly SweepEntry[],
  names: readonly string[],
  ctx: z.RefinementCtx,
  path: (string | number)[] = ["strategies"],
): void {
  entries.forEach((entry, i) => {
    if (entry.proxy === undefined || names.includes(entry.proxy)) return;
    const fix = names.length
      ? `use one of ${names.join(", ")}`
      : "this experiment names no proxies (a config's `proxies`); remove it";
    ctx.addIssue({
      code: "custom",
      path: [...path, i, "proxy"],
      message: `unknown "${entry.proxy}": ${fix}`,
    });
  });
}

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
  /** The named proxy it trains with (absent: the organism's own). */
  proxy?: string;
}

/**
 * The points of a sweep with the task-only fine-tune among them: as listed, or first when the entries leave
 * it out (it is what every method is measured from).
 */
export function sweepWithTaskOnly(entries: readonly SweepEntry[]): SweepPoint[] {
  const points = expandSweep(entries);
  if (points.some((p) => p.strategy === "task-only")) return points;
  return [{ id: "task-only", strategy: "task-only", label: "task-only", params: {}, swept: {} }, ...points];
}

/** Expands every entry's grid into points (Cartesian product, in file order). */
export function expandSweep(entries: readonly SweepEntry[]): SweepPoint[] {
  const points = entries.flatMap(expandEntry);
  const seen = new Set<string>();
  for (const p of points) {
    if (seen.has(p.id)) {
      throw new Error(`Cannot run the sweep: point ${p.id} appears twice; remove the duplicate entry`);
    }
    seen.add(p.id);
  }
  return points;
}

/** One entry's points: the Cartesian product of its grid. */
function expandEntry(entry: SweepEntry): SweepPoint[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(entry.grid)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos.map((swept) => {
    const params = { ...entry.params, ...swept };
    const suffix = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(",");
    const id = suffix ? `${entry.strategy}-${suffix}` : entry.strategy;
    const point = { strategy: entry.strategy, label: entry.label ?? entry.strategy, params, swept };
    return entry.proxy === undefined
      ? { id, ...point }
      : { id: `${id}@${entry.proxy}`, ...point, proxy: entry.proxy };
  });
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
