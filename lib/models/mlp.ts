/**
 * The toy's trigger classifier: a ReLU MLP over [trigger features ‖ x], e.g. 167 → 64 → 64 → 3
 * (~15k parameters, the design of our PyTorch prototype that reproduced the toy). Hidden activations are
 * returned for the representation constraint and concept ablation; `useLora: false` runs the frozen
 * reference.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type { Rng } from "../data/rng.ts";
import {
  adapterVariables,
  applyDense,
  baseVariables,
  createDense,
  type DenseLayer,
  disposeAdapters,
  type LoraConfig,
  withAdapter,
} from "./lora.ts";
import { matMul } from "./matmul.ts";

/** MLP shape. */
export const MlpSchema = z.strictObject({
  /** Widths of the hidden ReLU layers. */
  hidden: z.array(z.int().positive().max(4096)).min(1).max(16).default([64, 64]),
});

/** Validated MLP shape. */
export type MlpConfig = z.output<typeof MlpSchema>;

/** A classifier: dense layers, the last producing one logit per colour. */
export interface Classifier {
  layers: DenseLayer[];
  inputWidth: number;
  classes: number;
}

/** The outputs of a forward pass. */
export interface ForwardResult {
  /** [n, classes] */
  logits: tf.Tensor2D;
  /** One [n, width] activation per hidden layer (after ReLU). */
  hidden: tf.Tensor2D[];
}

/** A new classifier with He-normal weights drawn from `rng`. */
export function createClassifier(
  inputWidth: number,
  classes: number,
  config: MlpConfig,
  rng: Rng,
): Classifier {
  const widths = [inputWidth, ...config.hidden, classes];
  const layers = widths.slice(1).map((out, i) =>
    createDense(widths[i] as number, out, rng.fork(`layer${i}`), `mlp/${i}`)
  );
  return { layers, inputWidth, classes };
}

/** Forward-pass options. */
export interface ForwardOptions {
  /** false runs the frozen base without adapters: the reference model. Default true. */
  useLora?: boolean;
  /**
   * Per hidden layer, an orthonormal basis U [width, k] of directions to project out of the activation,
   * h ← h − (h·U)·Uᵀ (concept ablation); null or missing leaves a layer alone.
   */
  ablation?: readonly (tf.Tensor2D | null)[];
  /** Per hidden layer, a vector [1, width] added to the activation (after ReLU and any ablation). */
  steer?: readonly (tf.Tensor2D | null)[];
  /** Collects each layer's input [n, in], first layer first (to read what the adapters see). */
  inputs?: tf.Tensor2D[];
}

/** Runs the classifier on inputs [n, inputWidth]. Call inside `tf.tidy` or dispose the result. */
export function forward(model: Classifier, inputs: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
  const hidden: tf.Tensor2D[] = [];
  let h = inputs;
  model.layers.forEach((layer, i) => {
    options.inputs?.push(h);
    h = applyDense(layer, h, options.useLora ?? true);
    if (i < model.layers.length - 1) {
      h = tf.relu(h);
      const basis = options.ablation?.[i], shift = options.steer?.[i];
      if (basis) h = tf.sub(h, matMul(matMul(h, basis), tf.transpose(basis)));
      if (shift) h = tf.add(h, shift);
      hidden.push(h);
    }
  });
  return { logits: h, hidden };
}

/** Predicted colours for inputs [n, inputWidth]. */
export function predict(
  model: Classifier,
  inputs: tf.Tensor2D,
  options: ForwardOptions = {},
): Int32Array {
  const predicted = tf.tidy(() => tf.argMax(forward(model, inputs, options).logits, 1));
  const out = predicted.dataSync() as Int32Array;
  predicted.dispose();
  return out;
}

/** A model sharing this one's (frozen) base weights with fresh LoRA adapters on every layer. */
export function attachLora(model: Classifier, config: LoraConfig, rng: Rng): Classifier {
  return { ...model, layers: model.layers.map((l, i) => withAdapter(l, config, rng.fork(`lora${i}`))) };
}

/** The variables to train: the adapters if any, else every base weight. */
export function trainableVariables(model: Classifier): tf.Variable[] {
  const adapters = adapterVariables(model.layers);
  return adapters.length ? adapters : baseVariables(model.layers);
}

/** Releases the model's adapters, or its base weights when it has none. */
export function disposeClassifier(model: Classifier): void {
  if (model.layers.some((l) => l.lora)) disposeAdapters(model.layers);
  else for (const v of baseVariables(model.layers)) v.dispose();
}

/** Mean softmax cross-entropy of logits [n, classes] against integer labels [n]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
