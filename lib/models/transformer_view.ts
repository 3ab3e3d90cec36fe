/**
 * The transformer seen through the strategy interface, and its LoRA and training helpers. Scored positions are
 * the answer tokens: KL, hidden-state constraints and CE use exactly those (a masked mean, never padding).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { StrategyModel, ViewOptions } from "./view.ts";
import type { Rng } from "../data/rng.ts";
import {
  adapterVariables,
  type DenseLayer,
  type LoraConfig,
  withAdapter,
  withStackedAdapters,
} from "./lora.ts";
import { constantLeftMatMul } from "./matmul.ts";
import type { SequenceBatch } from "./sequence_batch.ts";
import {
  type Transformer,
  transformerDenseLayers,
  transformerForward,
  transformerVariables,
} from "./transformer.ts";

/**
 * A model sharing the base's (frozen) weights with fresh LoRA adapters on every projection. Given one random
 * stream per member, the adapters are stacked (member m's initialised as with `rngs[m]` alone): the model then
 * runs M members at once on batches of M contiguous row blocks (`transformer_members.ts`).
 */
export function attachTransformerLora(
  model: Transformer,
  config: LoraConfig,
  rng: Rng | readonly Rng[],
): Transformer {
  const adapt = (layer: DenseLayer, i: number) =>
    Array.isArray(rng)
      ? withStackedAdapters(layer, config, rng.map((r) => r.fork(`lora${i}`)))
      : withAdapter(layer, config, (rng as Rng).fork(`lora${i}`));
  let i = 0;
  return {
    ...model,
    blocks: model.blocks.map((b) => ({
      ...b,
      qkv: adapt(b.qkv, i++),
      projection: adapt(b.projection, i++),
      up: adapt(b.up, i++),
      down: adapt(b.down, i++),
    })),
  };
}

/** The variables to train: the adapters if any, else every weight. */
export function transformerTrainable(model: Transformer): tf.Variable[] {
  const adapters = adapterVariables(transformerDenseLayers(model));
  return adapters.length ? adapters : transformerVariables(model);
}

/** Releases a model's adapters (its base is shared). */
export function disposeTransformerAdapters(model: Transformer): void {
  for (const v of adapterVariables(transformerDenseLayers(model))) v.dispose();
}

/** The forward pass a view's options ask for: the frozen reference, or the adapters, with any ablation. */
export function run(
  model: Transformer,
  batch: { tokens: tf.Tensor2D },
  options: ViewOptions,
  inputs?: tf.Tensor2D[],
) {
  return transformerForward(model, batch.tokens, {
    useLora: !options.reference,
    ...(options.ablation ? { ablation: options.ablation as (tf.Tensor2D | tf.Tensor3D | null)[] } : {}),
    ...(options.steer ? { steer: options.steer as (tf.Tensor2D | null)[] } : {}),
    ...(inputs ? { inputs } : {}),
  });
}

/**
 * Each row's successor, [B·T, d] → [B·T, d] with row j holding row j + 1 (the last row 0): the state at the
 * token an output position predicts. A scored output is never a sequence's last position, so selecting scored
 * outputs from the shifted rows never reads across sequences.
 */
export function atPredictedTokens(h: tf.Tensor2D): tf.Tensor2D {
  const [rows, d] = h.shape;
  return tf.concat([tf.slice(h, [1, 0], [rows - 1, d]), tf.zeros([1, d])]) as tf.Tensor2D;
}

/** Every adapted dense layer's input [B·T, in] on a batch, in the order of the view's `adapted`. */
export function adaptedLayerInputs(
  model: Transformer,
  batch: { tokens: tf.Tensor2D },
  options: ViewOptions,
): tf.Tensor2D[] {
  const inputs: tf.Tensor2D[] = [];
  run(model, batch, options, inputs);
  const layers = transformerDenseLayers(model);
  return inputs.filter((_, i) => layers[i]!.lora);
}

/** t as the only member: [1, …]. */
function one<R extends tf.Rank>(t: tf.Tensor): tf.Tensor<R> {
  return tf.expandDims(t, 0);
}

/** log p(target) at every output position, [B·T] (meaningful where the batch's mask is 1). */
export function targetLogProbs(
  model: Transformer,
  batch: { tokens: tf.Tensor2D; targets: tf.Tensor1D },
  options: ViewOptions,
): tf.Tensor1D {
  const logProbs = tf.logSoftmax(run(model, batch, options).logits);
  return tf.sum(tf.mul(logProbs, tf.oneHot(batch.targets, model.vocabSize)), 1) as tf.Tensor1D;
}

/** Mean cross-entropy over a batch's scored tokens (a masked mean: padding never counts). */
export function sequenceLoss(model: Transformer, batch: SequenceBatch, options: ViewOptions = {}): tf.Scalar {
  return tf.tidy(() =>
    tf.div(
      tf.neg(tf.sum(tf.mul(targetLogProbs(model, batch, options), batch.mask))),
      tf.sum(batch.mask),
    ) as tf.Scalar
  );
}

/**
 * The strategy view of a transformer with adapters. Positions are the scored tokens; a response's
 * log-probability is the mean log-probability of its scored tokens.
 */
export function transformerView(model: Transformer): StrategyModel<SequenceBatch> {
  return {
    members: 1,
    trainable: transformerTrainable(model),
    adapted: transformerDenseLayers(model).filter((l) => l.lora),
    loss: (batch, options = {}) => tf.tidy(() => one<tf.Rank.R1>(sequenceLoss(model, batch, options))),
    outputLogProbs: (batch, options = {}) =>
      tf.tidy(() =>
        one<tf.Rank.R3>(constantLeftMatMul(batch.selection, tf.logSoftmax(run(model, batch, options).logits)))
      ),
    responseLogProb: (batch, options = {}) =>
      tf.tidy(() =>
        tf.reshape(
          constantLeftMatMul(batch.exampleMeans, tf.reshape(targetLogProbs(model, batch, options), [-1, 1])),
          [1, -1],
        ) as tf.Tensor2D
      ),
    hidden: (batch, options = {}) =>
      tf.tidy(() =>
        run(model, batch, options).hidden.map((h) => one<tf.Rank.R3>(constantLeftMatMul(batch.selection, h)))
      ),
    responseHidden: (batch, options = {}) =>
      tf.tidy(() =>
        run(model, batch, options).hidden.map((h) =>
          one<tf.Rank.R3>(constantLeftMatMul(batch.exampleMeans, atPredictedTokens(h)))
        )
      ),
    adaptedInputs: (batch, options = {}) =>
      tf.tidy(() =>
        adaptedLayerInputs(model, batch, options).map((x) =>
          one<tf.Rank.R3>(constantLeftMatMul(batch.selection, x))
        )
      ),
    size: (batch) => batch.examples,
  };
}

/**
 * `f` of the logits at each prompt's last position, [B, V] (prompts of equal length: one batch; `what` names the
 * use in the error), computed in a `tf.tidy`; undefined for no prompts.
 */
function atLastPosition<T extends tf.Tensor>(
  model: Transformer,
  prompts: readonly number[][],
  options: { useLora?: boolean },
  what: string,
  f: (logits: tf.Tensor2D) => T,
): T | undefined {
  const length = prompts[0]?.length ?? 0;
  if (prompts.some((p) => p.length !== length)) {
    throw new Error(`Cannot ${what} prompts of different lengths in one batch`);
  }
  if (prompts.length === 0) return undefined;
  return tf.tidy(() => {
    const tokens = tf.tensor2d(prompts.flat(), [prompts.length, length], "int32");
    return f(transformerForward(model, tokens, { ...options, lastPosition: true }).logits);
  });
}

/** A [B, V] tensor's rows as arrays, the tensor released. */
function rowsOf(values: tf.Tensor2D | undefined): Float32Array[] {
  if (!values) return [];
  const [rows, width] = values.shape;
  const data = values.dataSync() as Float32Array;
  values.dispose();
  return Array.from({ length: rows }, (_, b) => data.slice(b * width, (b + 1) * width));
}

/** Greedy next token after each prompt (prompts of equal length), [B]. */
export function greedyNext(
  model: Transformer,
  prompts: readonly number[][],
  options: { useLora?: boolean } = {},
): number[] {
  const next = atLastPosition(model, prompts, options, "decode", (logits) => tf.argMax(logits, 1));
  const out = next ? Array.from(next.dataSync()) : [];
  next?.dispose();
  return out;
}

/** Logits of the next token after each prompt (prompts of equal length), [B][V]. */
export function nextLogits(
  model: Transformer,
  prompts: readonly number[][],
  options: { useLora?: boolean } = {},
): Float32Array[] {
  return rowsOf(atLastPosition(model, prompts, options, "score", (logits) => logits));
}

/**
 * The next token's distribution after each prompt (prompts of equal length), [B][V]: softmax of the logits, the
 * chance that an answer sampled at temperature 1 is each token.
 */
export function nextProbabilities(
  model: Transformer,
  prompts: readonly number[][],
  options: { useLora?: boolean } = {},
): Float32Array[] {
  return rowsOf(atLastPosition(model, prompts, options, "score", (logits) => tf.softmax(logits)));
}

/**
 * Greedy continuations of equal-length prompts, each up to `maxNew` tokens and cut after `stopId`. Each step
 * runs only the sequences not yet stopped (a row's logits do not depend on the other rows of its batch).
 */
export function greedyBatch(
  model: Transformer,
  prompts: readonly number[][],
  maxNew: number,
  stopId: number,
): number[][] {
  const sequences = prompts.map((p) => [...p]);
  let active = prompts.map((_, b) => b);
  const length = prompts[0]?.length ?? 0;
  for (let i = 0; i < maxNew && length + i < model.config.context && active.length; i++) {
    const next = greedyNext(model, active.map((b) => sequences[b]!));
    active.forEach((b, j) => sequences[b]!.push(next[j]!));
    active = active.filter((_, j) => next[j] !== stopId);
  }
  return sequences.map((s, b) => s.slice(prompts[b]!.length));
}

/** Greedy generation of up to `maxNew` tokens after one prompt, stopping at `stopId`. */
export function generate(
  model: Transformer,
  prompt: readonly number[],
  maxNew: number,
  stopId: number,
): number[] {
  const out = [...prompt];
  for (let i = 0; i < maxNew && out.length < model.config.context; i++) {
    const [token] = greedyNext(model, [out]);
    out.push(token!);
    if (token === stopId) break;
  }
  return out.slice(prompt.length);
}
