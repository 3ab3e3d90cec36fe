/**
 * The toy's stages one model at a time, the readable reference that the experiment's ensembles
 * (`toy_ensembles.ts`) reproduce member by member: stage 1 (the base model learns F), stages 2–3 (a LoRA
 * fine-tune on the flipped category, optionally with K proxy triggers of another category at their original
 * labels), and evaluation per trigger and per category.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { categoryByName, flippedRule, type Rule, type ToyRows } from "../data/triggers.ts";
import {
  type Condition,
  conditionId,
  fineTuneRows,
  gridRows,
  scorePredictions,
  type SeedRows,
  seedRows,
  type ToyEvaluation,
  toyInputValues,
  type ToyWorld,
  type ToyWorldConfig,
} from "../data/toy_world.ts";
import { LoraSchema } from "../models/lora.ts";
import {
  attachLora,
  type Classifier,
  createClassifier,
  crossEntropy,
  disposeClassifier,
  forward,
  type MlpConfig,
  predict,
  trainableVariables,
} from "../models/mlp.ts";
import { type TrainCallback, trainMembers, type TrainResult } from "./loop.ts";

/** Stage 1: full-batch Adam on all categories until the train set is fit. */
export const ToyBaseSchema = z.strictObject({
  learningRate: z.number().positive().default(1e-2),
  maxSteps: z.int().positive().max(1_000_000).default(450),
  /** Stop once the loss is below this and every train point is classified correctly. */
  stopLoss: z.number().positive().default(1e-3),
});

/** Stages 2–3: LoRA on every layer, full-batch Adam. */
export const ToyFineTuneSchema = z.strictObject({
  learningRate: z.number().positive().default(1e-2),
  steps: z.int().positive().max(1_000_000).default(300),
  lora: LoraSchema.prefault({}),
  /** Evaluate per-category accuracy every this many steps for the training curves (0: never). */
  curveEvery: z.int().nonnegative().default(10),
});

/** What the toy's training reads of a config. */
export interface ToyTrainConfig extends ToyWorldConfig {
  model: MlpConfig;
  base: z.output<typeof ToyBaseSchema>;
  fineTune: z.output<typeof ToyFineTuneSchema>;
}

/** The toy's world with its training settings. */
export type ToyContext = ToyWorld<ToyTrainConfig>;

/** One seed's rows, with the evaluation inputs as a tensor kept for the seed's lifetime. */
export interface SeedData extends SeedRows {
  /** [n, inputWidth] inputs of `evalRows`. */
  evalInputs: tf.Tensor2D;
}

/** Builds a seed's data; release it with `disposeSeedData`. */
export function seedData(world: ToyWorld, seed: number): SeedData {
  const rows = seedRows(world, seed);
  return { ...rows, evalInputs: toyInputs(world, rows.evalRows) };
}

/** Releases a seed's tensors. */
export function disposeSeedData(data: SeedData): void {
  data.evalInputs.dispose();
}

/** Model inputs [n, features + 2]: each row's trigger features followed by its point. */
export function toyInputs(world: ToyWorld, rows: ToyRows): tf.Tensor2D {
  return tf.tensor2d(toyInputValues(world, rows), [rows.labels.length, world.inputWidth]);
}

/** Scores a model against F (`flipped: false`) or the flipped rule (`flipped: true`). */
export function evaluate(
  world: ToyWorld,
  data: SeedData,
  model: Classifier,
  flipped: boolean,
): ToyEvaluation {
  return scorePredictions(world, data, predict(model, data.evalInputs), flipped);
}

/** One full-batch cross-entropy fit of `model` on `rows`. */
function fit(
  ctx: ToyContext,
  model: Classifier,
  rows: ToyRows,
  settings: { steps: number; learningRate: number; callbacks: TrainCallback[] },
): TrainResult {
  const inputs = toyInputs(ctx, rows);
  const labels = tf.tensor1d(rows.labels, "int32");
  try {
    const loss = () => tf.reshape(crossEntropy(forward(model, inputs).logits, labels), [1]) as tf.Tensor1D;
    const [result] = trainMembers(
      { members: 1, trainable: trainableVariables(model) },
      { loss: () => ({ loss: tf.tidy(loss) }) },
      settings,
    );
    return result!;
  } finally {
    tf.dispose([inputs, labels]);
  }
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
  const fitsTrainSet = (): boolean => predict(model, inputs).every((p, i) => p === data.baseRows.labels[i]);
  try {
    const result = fit(ctx, model, data.baseRows, {
      steps: config.base.maxSteps,
      learningRate: config.base.learningRate,
      callbacks: [...callbacks, { onStep: ({ loss }) => loss < config.base.stopLoss && fitsTrainSet() }],
    });
    return { model, result };
  } finally {
    inputs.dispose();
  }
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
  const curve: CurvePoint[] = [];
  const { curveEvery: every, steps } = config.fineTune;
  const record = (step: number) => curve.push({ step, heldOut: evaluate(ctx, data, model, true).heldOut });
  if (every > 0) record(0);
  try {
    const result = fit(ctx, model, rows, {
      steps,
      learningRate: config.fineTune.learningRate,
      callbacks: [...callbacks, {
        onStep: ({ step }) => {
          if (every > 0 && ((step + 1) % every === 0 || step + 1 === steps)) record(step + 1);
        },
      }],
    });
    return { model, result, proxyTriggers, curve };
  } catch (error) {
    disposeClassifier(model);
    throw error;
  }
}

/** Class predictions over a grid of the plane for one trigger: [gridSize²] row-major, x2 from top to bottom. */
export function boundaryGrid(
  world: ToyWorld,
  model: Classifier,
  trigger: string,
  rule: Rule,
): { axis: number[]; truth: number[]; prediction: number[] } {
  const { axis, rows } = gridRows(world, trigger, rule);
  const inputs = toyInputs(world, rows);
  const prediction = Array.from(predict(model, inputs));
  inputs.dispose();
  return { axis, truth: Array.from(rows.labels), prediction };
}

/** A trigger whose decision boundary is drawn, and its category. */
export interface BoundaryTrigger {
  trigger: string;
  category: string;
}

/**
 * The triggers to draw: the first held-out trigger of each of `categories` (default: the flipped category and
 * the first other one).
 */
export function boundaryTriggers(
  world: ToyWorld,
  heldOut: Record<string, readonly string[]>,
  categories?: readonly string[],
): BoundaryTrigger[] {
  const flip = world.triggers.flip.category;
  const firstOther = world.triggers.categories.find((c) => c.name !== flip)?.name;
  return (categories ?? [flip, ...(firstOther ? [firstOther] : [])]).map((category) => {
    const trigger = heldOut[categoryByName(world.triggers, category).name]?.[0];
    if (!trigger) throw new Error(`Cannot draw a boundary for ${category}: it has no held-out trigger`);
    return { trigger, category };
  });
}

/** `boundaryGrid` for each trigger, against the flipped rule for the flipped category when `flipped`. */
export function drawBoundaries(
  world: ToyWorld,
  model: Classifier,
  triggers: readonly BoundaryTrigger[],
  flipped: boolean,
) {
  return triggers.map(({ trigger, category }) => {
    const cat = categoryByName(world.triggers, category);
    const rule = flipped ? flippedRule(world.triggers, cat) : cat.rule;
    return { trigger, category, ...boundaryGrid(world, model, trigger, rule) };
  });
}
