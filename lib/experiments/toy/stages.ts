/**
 * The toy's three stages as functions: data for a seed, stage 1 (the base model learns F), stages 2–3 (a
 * LoRA fine-tune on the flipped category, optionally with K proxy triggers of another category at their
 * original labels), and evaluation per trigger and per category.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type EmbeddingSubset, loadEmbeddings } from "../../data/embeddings.ts";
import { featureTable, featureWidth } from "../../data/features.ts";
import { Rng } from "../../data/rng.ts";
import {
  categoryByName,
  concatRows,
  flippedRule,
  labelOf,
  loadTriggerSet,
  type Rule,
  samplePoints,
  splitTriggers,
  type ToyRows,
  type TriggerSet,
  type TriggerSplit,
} from "../../data/triggers.ts";
import {
  attachLora,
  type Classifier,
  createClassifier,
  crossEntropy,
  disposeClassifier,
  forward,
  predict,
  trainableVariables,
} from "../../models/mlp.ts";
import { type TrainCallback, trainMembers, type TrainResult } from "../../train/loop.ts";
import type { ToyConfig } from "./config.ts";

/** Everything shared by all seeds: the triggers, their features and the config. */
export interface ToyContext {
  config: ToyConfig;
  triggers: TriggerSet;
  embeddings: EmbeddingSubset;
  /** Trigger → frozen feature vector. */
  features: Map<string, Float32Array>;
  /** Model input width: features + 2 coordinates. */
  inputWidth: number;
}

/** Loads triggers and embeddings and computes every trigger's features. */
export async function prepareToy(
  config: ToyConfig,
  options: { embeddings?: EmbeddingSubset } = {},
): Promise<ToyContext> {
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
export function loadToyTriggers(config: ToyConfig): Promise<TriggerSet> {
  return loadTriggerSet(
    config.triggers.startsWith("/")
      ? config.triggers
      : new URL(`../../../${config.triggers}`, import.meta.url),
  );
}

/** Stage 2/3 condition: the narrow flip alone, or with K proxy triggers from one category. */
export type Condition = { kind: "none" } | { kind: "proxy"; k: number; category: string };

/** A stable run id for a condition, e.g. `none` or `k5-objects`. */
export function conditionId(condition: Condition): string {
  return condition.kind === "none" ? "none" : `k${condition.k}-${condition.category}`;
}

/** Every stage-2/3 condition of the config: no proxy, then each K × each non-flipped category. */
export function conditions(ctx: Pick<ToyContext, "config" | "triggers">): Condition[] {
  const others = ctx.triggers.categories.filter((c) => c.name !== ctx.triggers.flip.category);
  return [
    { kind: "none" },
    ...ctx.config.proxy.ks.flatMap((k) =>
      others.map((c): Condition => ({ kind: "proxy", k, category: c.name }))
    ),
  ];
}

/** One seed's split, training rows and evaluation rows. */
export interface SeedData {
  seed: number;
  rng: Rng;
  split: TriggerSplit;
  /** Stage 1 rows: every category's train triggers under F. */
  baseRows: ToyRows;
  /** Evaluation rows for every trigger, labelled under F (drawn uniformly; margin applied when scoring). */
  evalRows: ToyRows;
  /** The same rows labelled under the flipped rule. */
  evalFlippedLabels: Int32Array;
  /** [n, inputWidth] inputs of `evalRows`, kept for the seed's lifetime. */
  evalInputs: tf.Tensor2D;
}

/** Builds a seed's data; release it with `disposeSeedData`. */
export function seedData(ctx: ToyContext, seed: number): SeedData {
  const rng = new Rng(seed, "toy");
  const { config, triggers } = ctx;
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
  return { seed, rng, split, baseRows, evalRows, evalFlippedLabels, evalInputs: toyInputs(ctx, evalRows) };
}

/**
 * The seed's evaluation rows of held-out triggers only (pure; no tensors): what training curves score, with
 * the same held-out accuracies as all rows. `evalInputs` still holds every row.
 */
export function heldOutEvaluation(data: SeedData): SeedData {
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

/** Releases a seed's tensors. */
export function disposeSeedData(data: SeedData): void {
  data.evalInputs.dispose();
}

/** Model inputs [n, features + 2]: each row's trigger features followed by its point. */
export function toyInputs(ctx: ToyContext, rows: ToyRows): tf.Tensor2D {
  return tf.tensor2d(toyInputValues(ctx, rows), [rows.labels.length, ctx.inputWidth]);
}

/** The values of `toyInputs`, row-major on the host. */
export function toyInputValues(ctx: ToyContext, rows: ToyRows): Float32Array {
  const width = ctx.inputWidth;
  const values = new Float32Array(rows.labels.length * width);
  rows.triggers.forEach((trigger, i) => {
    const f = ctx.features.get(trigger);
    if (!f) throw new Error(`Cannot build inputs: no features for trigger "${trigger}"`);
    values.set(f, i * width);
    values[i * width + width - 2] = rows.points[2 * i] as number;
    values[i * width + width - 1] = rows.points[2 * i + 1] as number;
  });
  return values;
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

/** Scores a model against F (`flipped: false`) or the flipped rule (`flipped: true`). */
export function evaluate(
  ctx: ToyContext,
  data: SeedData,
  model: Classifier,
  flipped: boolean,
): ToyEvaluation {
  return scorePredictions(ctx, data, predict(model, data.evalInputs), flipped);
}

/** Scores given predictions of the evaluation rows (pure). */
export function scorePredictions(
  ctx: ToyContext,
  data: SeedData,
  predictions: Int32Array,
  flipped: boolean,
): ToyEvaluation {
  const labels = flipped ? data.evalFlippedLabels : data.evalRows.labels;
  const margin = ctx.config.points.evalMargin;
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
  for (const category of ctx.triggers.categories) {
    const tallies = (data.split[category.name]?.heldOut ?? []).map((t) => byTrigger.get(t)!);
    heldOut[category.name] = tallies.reduce((s, t) => s + t.hit, 0) / tallies.reduce((s, t) => s + t.n, 0);
    heldOutAllPoints[category.name] = tallies.reduce((s, t) => s + t.hitAll, 0) /
      tallies.reduce((s, t) => s + t.nAll, 0);
  }
  const perTrigger = Object.fromEntries([...byTrigger].map(([t, v]) => [t, v.hit / v.n]));
  return { heldOut, heldOutAllPoints, perTrigger };
}

/** Stage 1: trains a base classifier on every category's train triggers under F. */
export function trainBase(
  ctx: ToyContext,
  data: SeedData,
  callbacks: TrainCallback[] = [],
): { model: Classifier; result: TrainResult } {
  const { config } = ctx;
  const model = createClassifier(
    ctx.inputWidth,
    ctx.triggers.colours.length,
    config.model,
    data.rng.fork("init"),
  );
  const inputs = toyInputs(ctx, data.baseRows);
  const labels = tf.tensor1d(data.baseRows.labels, "int32");
  const fitsTrainSet = (): boolean => predict(model, inputs).every((p, i) => p === data.baseRows.labels[i]);
  try {
    const [result] = trainMembers({ members: 1, trainable: trainableVariables(model) }, {
      loss: () => ({
        loss: tf.tidy(() =>
          tf.reshape(crossEntropy(forward(model, inputs).logits, labels), [1]) as tf.Tensor1D
        ),
      }),
    }, {
      steps: config.base.maxSteps,
      learningRate: config.base.learningRate,
      callbacks: [...callbacks, { onStep: ({ loss }) => loss < config.base.stopLoss && fitsTrainSet() }],
    });
    return { model, result: result! };
  } finally {
    tf.dispose([inputs, labels]);
  }
}

/** The rows a fine-tune trains on: the flipped category's train triggers, plus the condition's proxy. */
export function fineTuneRows(
  ctx: ToyContext,
  data: SeedData,
  condition: Condition,
): { rows: ToyRows; proxyTriggers: string[] } {
  const { triggers, config } = ctx;
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
  // Nested choice: the K=1 trigger is among the K=2 ones, which are among the K=5 ones.
  const pool = data.rng.fork(`proxy/${category.name}`).shuffle(data.split[category.name]?.train ?? []);
  if (condition.k > pool.length) {
    throw new Error(
      `Cannot take ${condition.k} proxy triggers from ${category.name}: it has ${pool.length} train triggers`,
    );
  }
  const proxyTriggers = pool.slice(0, condition.k);
  const proxySpecs = proxyTriggers.map((trigger) => ({
    trigger,
    category: category.name,
    rule: category.rule as Rule,
  }));
  const proxy = samplePoints(proxySpecs, config.points.perProxyTrigger, rng.fork("proxy"), opts);
  return { rows: concatRows(task, proxy), proxyTriggers };
}

/** One point of a training curve: per-category held-out accuracy under the flipped rule. */
export interface CurvePoint {
  step: number;
  heldOut: Record<string, number>;
}

/** Stages 2–3: a LoRA fine-tune of the base on a condition's rows; the base's weights stay untouched. */
export function fineTune(
  ctx: ToyContext,
  data: SeedData,
  base: Classifier,
  condition: Condition,
  callbacks: TrainCallback[] = [],
): { model: Classifier; result: TrainResult; proxyTriggers: string[]; curve: CurvePoint[] } {
  const { config } = ctx;
  const { rows, proxyTriggers } = fineTuneRows(ctx, data, condition);
  const model = attachLora(base, config.fineTune.lora, data.rng.fork(`lora/${conditionId(condition)}`));
  const inputs = toyInputs(ctx, rows);
  const labels = tf.tensor1d(rows.labels, "int32");
  const curve: CurvePoint[] = [];
  const every = config.fineTune.curveEvery;
  const record = (step: number) => curve.push({ step, heldOut: evaluate(ctx, data, model, true).heldOut });
  if (every > 0) record(0);
  try {
    const [result] = trainMembers({ members: 1, trainable: trainableVariables(model) }, {
      loss: () => ({
        loss: tf.tidy(() =>
          tf.reshape(crossEntropy(forward(model, inputs).logits, labels), [1]) as tf.Tensor1D
        ),
      }),
    }, {
      steps: config.fineTune.steps,
      learningRate: config.fineTune.learningRate,
      callbacks: [...callbacks, {
        onStep: ({ step }) => {
          if (every > 0 && ((step + 1) % every === 0 || step + 1 === config.fineTune.steps)) record(step + 1);
        },
      }],
    });
    return { model, result: result!, proxyTriggers, curve };
  } catch (error) {
    disposeClassifier(model);
    throw error;
  } finally {
    tf.dispose([inputs, labels]);
  }
}

/** Class predictions over a grid of the plane for one trigger: [gridSize²] row-major, x2 from top to bottom. */
export function boundaryGrid(
  ctx: ToyContext,
  model: Classifier,
  trigger: string,
  rule: Rule,
): { axis: number[]; truth: number[]; prediction: number[] } {
  const n = ctx.config.boundary.gridSize, range = ctx.config.points.range;
  const axis = Array.from({ length: n }, (_, i) => -range + (2 * range * i) / (n - 1));
  const rows: ToyRows = {
    triggers: [],
    categories: [],
    points: new Float32Array(2 * n * n),
    labels: new Int32Array(n * n),
  };
  let i = 0;
  for (const x2 of axis) {
    for (const x1 of axis) {
      rows.triggers.push(trigger);
      rows.categories.push("");
      rows.points[2 * i] = x1;
      rows.points[2 * i + 1] = x2;
      rows.labels[i++] = labelOf(rule, x2);
    }
  }
  const inputs = toyInputs(ctx, rows);
  const prediction = Array.from(predict(model, inputs));
  inputs.dispose();
  return { axis, truth: Array.from(rows.labels), prediction };
}
