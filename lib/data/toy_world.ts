/**
 * The trigger toy's world on the host: the triggers and their frozen features, one seed's split and rows
 * (stage 1's training rows, the evaluation rows under F and under the flipped rule), a fine-tune's rows for
 * each stage-2/3 condition, the strategies' proxy rows, and how predictions of the evaluation rows are scored.
 * Pure apart from `prepareToy`, which reads the trigger and embedding files.
 *
 * @module
 */
import { z } from "zod";
import { InputError } from "../config/input_error.ts";
import { type EmbeddingSubset, loadEmbeddings } from "./embeddings.ts";
import { type FeatureConfig, featureTable, featureWidth } from "./features.ts";
import { Rng } from "./rng.ts";
import {
  categoryByName,
  concatRows,
  flippedRule,
  labelOf,
  loadTriggerSet,
  type Rule,
  samplePoints,
  type SplitSchema,
  splitTriggers,
  type ToyRows,
  type TriggerSet,
  type TriggerSplit,
} from "./triggers.ts";

/** How many points each trigger gets, where they lie, and which count when scoring. */
export const ToyPointsSchema = z.strictObject({
  /** Points per train trigger in stage 1 and per flipped-task trigger in stages 2–3. */
  perTrainTrigger: z.int().positive().max(10_000).default(20),
  /** Points per trigger when evaluating. */
  perTestTrigger: z.int().positive().max(10_000).default(30),
  /** Points per proxy trigger in stage 3. */
  perProxyTrigger: z.int().positive().max(10_000).default(20),
  /** x is uniform in [−range, range]². */
  range: z.number().positive().max(1000).default(3),
  /** Headline accuracies count only evaluation points with |x2| ≥ evalMargin (both are reported). */
  evalMargin: z.number().nonnegative().default(0.1),
}).refine((p) => p.evalMargin < p.range, {
  path: ["evalMargin"],
  message: "must be below range (no evaluation point would count); e.g. 0.1 with range 3",
});

/** What the toy's world reads of a config. */
export interface ToyWorldConfig {
  /** The trigger file, relative to the repository root or absolute. */
  triggers: string;
  split: z.output<typeof SplitSchema>;
  points: z.output<typeof ToyPointsSchema>;
  features: FeatureConfig;
  proxy: { ks: number[] };
  boundary: { gridSize: number };
}

/** Everything shared by all seeds: the triggers, their features and the config. */
export interface ToyWorld<C extends ToyWorldConfig = ToyWorldConfig> {
  config: C;
  triggers: TriggerSet;
  embeddings: EmbeddingSubset;
  /** Trigger → frozen feature vector. */
  features: Map<string, Float32Array>;
  /** Model input width: features + 2 coordinates. */
  inputWidth: number;
}

/** Loads triggers and embeddings and computes every trigger's features. */
export async function prepareToy<C extends ToyWorldConfig>(
  config: C,
  options: { embeddings?: EmbeddingSubset } = {},
): Promise<ToyWorld<C>> {
  const triggers = await loadToyTriggers(config);
  const embeddings = options.embeddings ?? await loadEmbeddings();
  const features = featureTable(embeddings, config.features, triggers.categories.flatMap((c) => c.triggers));
  return {
    config,
    triggers,
    embeddings,
    features,
    inputWidth: featureWidth(embeddings, config.features) + 2,
  };
}

/** The config's trigger file (relative to the repository root, or absolute). */
export function loadToyTriggers(config: Pick<ToyWorldConfig, "triggers">): Promise<TriggerSet> {
  return loadTriggerSet(
    config.triggers.startsWith("/") ? config.triggers : new URL(`../../${config.triggers}`, import.meta.url),
  );
}

/** A category a config names, where it names it, and how many of its train triggers it takes. */
export interface CategoryUse {
  path: string;
  category: string;
  count?: number;
}

/**
 * What in a toy config does not fit its trigger file, one line per problem (empty when all is well): the
 * split must fit every category, named categories must exist (a proxy's must not be the flipped one), and a
 * proxy takes at most the category's train triggers.
 */
export async function toyConfigIssues(
  config: Pick<ToyWorldConfig, "triggers" | "split">,
  uses: readonly CategoryUse[],
): Promise<string[]> {
  let triggers: TriggerSet;
  try {
    triggers = await loadToyTriggers(config);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return [`triggers: cannot use ${config.triggers}: ${error.issues.join("; ")}`];
  }
  const { trainTriggers, heldOutTriggers } = config.split;
  const known = triggers.categories.map((c) => c.name);
  const issues = triggers.categories.filter((c) => c.triggers.length < trainTriggers + heldOutTriggers).map(
    (c) =>
      `split: trainTriggers + heldOutTriggers = ${trainTriggers + heldOutTriggers}, ` +
      `but ${c.name} has ${c.triggers.length} triggers; lower them`,
  );
  for (const { path, category, count } of uses) {
    if (!known.includes(category)) {
      issues.push(`${path}: unknown category "${category}"; known: ${known.join(", ")}`);
    } else if (count !== undefined && category === triggers.flip.category) {
      issues.push(`${path}: ${category} is the flipped task's category; a proxy takes another`);
    } else if (count !== undefined && count > trainTriggers) {
      issues.push(`${path}: ${count} proxy triggers, but a category has ${trainTriggers} train triggers`);
    }
  }
  return issues;
}

/** Stage 2/3 condition: the narrow flip alone, or with K proxy triggers from one category. */
export type Condition = { kind: "none" } | { kind: "proxy"; k: number; category: string };

/** A stable run id for a condition, e.g. `none` or `k5-objects`. */
export function conditionId(condition: Condition): string {
  return condition.kind === "none" ? "none" : `k${condition.k}-${condition.category}`;
}

/** Every stage-2/3 condition of the config: no proxy, then each K × each non-flipped category. */
export function conditions(world: Pick<ToyWorld, "config" | "triggers">): Condition[] {
  const others = world.triggers.categories.filter((c) => c.name !== world.triggers.flip.category);
  return [
    { kind: "none" },
    ...world.config.proxy.ks.flatMap((k) =>
      others.map((c): Condition => ({ kind: "proxy", k, category: c.name }))
    ),
  ];
}

/** One seed's split, training rows and evaluation rows. */
export interface SeedRows {
  seed: number;
  rng: Rng;
  split: TriggerSplit;
  /** Stage 1 rows: every category's train triggers under F. */
  baseRows: ToyRows;
  /** Evaluation rows for every trigger, labelled under F (drawn uniformly; margin applied when scoring). */
  evalRows: ToyRows;
  /** The same rows labelled under the flipped rule. */
  evalFlippedLabels: Int32Array;
}

/** Draws a seed's split and rows. */
export function seedRows(world: ToyWorld, seed: number): SeedRows {
  const rng = new Rng(seed, "toy");
  const { config, triggers } = world;
  const split = splitTriggers(triggers, config.split, rng.fork("split"));
  const trainSpecs = triggers.categories.flatMap((c) =>
    (split[c.name]?.train ?? []).map((trigger) => ({ trigger, category: c.name, rule: c.rule }))
  );
  const opts = { range: config.points.range, margin: 0 };
  const baseRows = samplePoints(trainSpecs, config.points.perTrainTrigger, rng.fork("base-points"), opts);
  const evalSpecs = triggers.categories.flatMap((c) =>
    c.triggers.map((trigger) => ({ trigger, category: c.name, rule: c.rule }))
  );
  const evalRows = samplePoints(evalSpecs, config.points.perTestTrigger, rng.fork("eval-points"), opts);
  const evalFlippedLabels = evalRows.labels.map((_, i) =>
    labelOf(
      flippedRule(triggers, categoryByName(triggers, evalRows.categories[i] as string)),
      evalRows.points[2 * i + 1] as number,
    )
  );
  return { seed, rng, split, baseRows, evalRows, evalFlippedLabels };
}

/**
 * The seed's evaluation rows of held-out triggers only: what training curves score, with the same held-out
 * accuracies as all rows.
 */
export function heldOutRows<D extends SeedRows>(data: D): D {
  const heldOut = new Set(Object.values(data.split).flatMap((s) => s.heldOut));
  const keep = data.evalRows.triggers.flatMap((t, i) => (heldOut.has(t) ? [i] : []));
  const rows = data.evalRows;
  return {
    ...data,
    evalRows: {
      triggers: keep.map((i) => rows.triggers[i]!),
      categories: keep.map((i) => rows.categories[i]!),
      points: Float32Array.from(keep.flatMap((i) => [rows.points[2 * i]!, rows.points[2 * i + 1]!])),
      labels: Int32Array.from(keep.map((i) => rows.labels[i]!)),
    },
    evalFlippedLabels: Int32Array.from(keep.map((i) => data.evalFlippedLabels[i]!)),
  };
}

/** Model inputs, row-major [n, features + 2]: each row's trigger features followed by its point. */
export function toyInputValues(world: ToyWorld, rows: ToyRows): Float32Array {
  const width = world.inputWidth;
  const values = new Float32Array(rows.labels.length * width);
  rows.triggers.forEach((trigger, i) => {
    const f = world.features.get(trigger);
    if (!f) throw new Error(`Cannot build inputs: no features for trigger "${trigger}"`);
    values.set(f, i * width);
    values[i * width + width - 2] = rows.points[2 * i] as number;
    values[i * width + width - 1] = rows.points[2 * i + 1] as number;
  });
  return values;
}

/** The seed's first `k` proxy triggers of `category`: a nested choice (K=1's is among K=2's, …). */
function proxyPool(data: SeedRows, category: string, k: number): string[] {
  const pool = data.rng.fork(`proxy/${category}`).shuffle(data.split[category]?.train ?? []);
  if (k > pool.length) {
    throw new Error(`Cannot take ${k} proxy triggers from ${category}: it has ${pool.length} train triggers`);
  }
  return pool.slice(0, k);
}

/** The rows a fine-tune trains on: the flipped category's train triggers, plus the condition's proxy. */
export function fineTuneRows(
  world: ToyWorld,
  data: SeedRows,
  condition: Condition,
): { rows: ToyRows; proxyTriggers: string[] } {
  const { triggers, config } = world;
  const flipCategory = categoryByName(triggers, triggers.flip.category);
  const rng = data.rng.fork(`finetune/${conditionId(condition)}`);
  const opts = { range: config.points.range, margin: 0 };
  const taskSpecs = (data.split[flipCategory.name]?.train ?? []).map((trigger) => ({
    trigger,
    category: flipCategory.name,
    rule: triggers.flip.rule,
  }));
  const task = samplePoints(taskSpecs, config.points.perTrainTrigger, rng.fork("task"), opts);
  if (condition.kind === "none") return { rows: task, proxyTriggers: [] };
  const category = categoryByName(triggers, condition.category);
  const proxyTriggers = proxyPool(data, category.name, condition.k);
  const proxySpecs = proxyTriggers.map((trigger) => ({
    trigger,
    category: category.name,
    rule: category.rule,
  }));
  const proxy = samplePoints(proxySpecs, config.points.perProxyTrigger, rng.fork("proxy"), opts);
  return { rows: concatRows(task, proxy), proxyTriggers };
}

/** One seed's strategy data: the task, the alignment proxy, its undesired labels, unlabeled inputs. */
export interface StrategyRows {
  task: ToyRows;
  proxy: ToyRows;
  /** The proxy's rows labelled by the flipped rule (the negative proxy). */
  undesired: Int32Array;
  unlabeled: ToyRows;
  proxyTriggers: string[];
}

/** The strategies' rows: the narrow flip, and `proxy[category]` train triggers per category under F. */
export function strategyRows(world: ToyWorld, data: SeedRows, proxy: Record<string, number>): StrategyRows {
  const { config, triggers } = world;
  const specs = Object.entries(proxy).flatMap(([category, n]) => {
    const { rule } = categoryByName(triggers, category); // a clear error for a misspelt name
    return proxyPool(data, category, n).map((trigger) => ({ trigger, category, rule }));
  });
  const proxyRows = samplePoints(specs, config.points.perProxyTrigger, data.rng.fork("strategy-proxy"), {
    range: config.points.range,
    margin: 0,
  });
  return {
    task: fineTuneRows(world, data, { kind: "none" }).rows,
    proxy: proxyRows,
    undesired: proxyRows.labels.map((_, i) => labelOf(triggers.flip.rule, proxyRows.points[2 * i + 1]!)),
    unlabeled: data.baseRows,
    proxyTriggers: specs.map((s) => s.trigger),
  };
}

/** A grid over the plane for one trigger, labelled by `rule`: [gridSize²] rows, x2 from top to bottom. */
export function gridRows(world: ToyWorld, trigger: string, rule: Rule): { axis: number[]; rows: ToyRows } {
  const n = world.config.boundary.gridSize, range = world.config.points.range;
  const axis = Array.from({ length: n }, (_, i) => -range + (2 * range * i) / (n - 1));
  const x2s = axis.flatMap((x2) => axis.map(() => x2));
  return {
    axis,
    rows: {
      triggers: x2s.map(() => trigger),
      categories: x2s.map(() => ""),
      points: Float32Array.from(axis.flatMap((x2) => axis.flatMap((x1) => [x1, x2]))),
      labels: Int32Array.from(x2s, (x2) => labelOf(rule, x2)),
    },
  };
}

/** Accuracies of a model on a seed's evaluation rows. */
export interface ToyEvaluation {
  /** Per category, over its held-out triggers, points with |x2| ≥ evalMargin. */
  heldOut: Record<string, number>;
  /** The same over all points. */
  heldOutAllPoints: Record<string, number>;
  /** Per trigger (every trigger, seen or not), points with |x2| ≥ evalMargin. */
  perTrigger: Record<string, number>;
}

/** Scores predictions of the evaluation rows against F (`flipped: false`) or the flipped rule. */
export function scorePredictions(
  world: ToyWorld,
  data: SeedRows,
  predictions: Int32Array,
  flipped: boolean,
): ToyEvaluation {
  const labels = flipped ? data.evalFlippedLabels : data.evalRows.labels;
  const margin = world.config.points.evalMargin;
  const byTrigger = new Map<string, { hit: number; n: number; hitAll: number; nAll: number }>();
  data.evalRows.triggers.forEach((trigger, i) => {
    const tally = byTrigger.get(trigger) ?? { hit: 0, n: 0, hitAll: 0, nAll: 0 };
    const correct = predictions[i] === labels[i] ? 1 : 0;
    tally.hitAll += correct;
    tally.nAll++;
    if (Math.abs(data.evalRows.points[2 * i + 1] as number) >= margin) {
      tally.hit += correct;
      tally.n++;
    }
    byTrigger.set(trigger, tally);
  });
  const heldOut: Record<string, number> = {};
  const heldOutAllPoints: Record<string, number> = {};
  for (const category of world.triggers.categories) {
    const tallies = (data.split[category.name]?.heldOut ?? []).map((t) => byTrigger.get(t)!);
    const sum = (f: (t: { hit: number; n: number; hitAll: number; nAll: number }) => number) =>
      tallies.reduce((s, t) => s + f(t), 0);
    heldOut[category.name] = sum((t) => t.hit) / sum((t) => t.n);
    heldOutAllPoints[category.name] = sum((t) => t.hitAll) / sum((t) => t.nAll);
  }
  const perTrigger = Object.fromEntries([...byTrigger].map(([t, v]) => [t, v.hit / v.n]));
  return { heldOut, heldOutAllPoints, perTrigger };
}
