/**
 * The toy classifier seen through the strategy interface: a batch is (inputs, labels) and every row is one
 * scored position, so response log-probability is the log-probability of the row's label. One model: every
 * output has a member axis of 1.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { StrategyModel, ViewOptions } from "./view.ts";
import { type Classifier, crossEntropy, forward, trainableVariables } from "./mlp.ts";

/** Rows for the classifier: inputs [n, inputWidth] and integer labels [n]. */
export interface ClassifierBatch {
  inputs: tf.Tensor2D;
  labels: tf.Tensor1D;
}

/** A batch from host arrays (release with `disposeBatch`). */
export function classifierBatch(inputs: tf.Tensor2D, labels: Int32Array): ClassifierBatch {
  return { inputs, labels: tf.tensor1d(labels, "int32") };
}

/** Releases a batch's tensors. */
export function disposeBatch(batch: ClassifierBatch): void {
  tf.dispose([batch.inputs, batch.labels]);
}

function pass(model: Classifier, batch: ClassifierBatch, options: ViewOptions, inputs?: tf.Tensor2D[]) {
  return forward(model, batch.inputs, {
    useLora: !options.reference,
    ...(options.ablation ? { ablation: options.ablation as (tf.Tensor2D | null)[] } : {}),
    ...(options.steer ? { steer: options.steer as (tf.Tensor2D | null)[] } : {}),
    ...(inputs ? { inputs } : {}),
  });
}

/** t as the only member: [1, …]. */
function one<R extends tf.Rank>(t: tf.Tensor): tf.Tensor<R> {
  return tf.expandDims(t, 0);
}

/** The strategy view of a classifier (with its LoRA adapters, if any). */
export function classifierView(model: Classifier): StrategyModel<ClassifierBatch> {
  return {
    members: 1,
    trainable: trainableVariables(model),
    adapted: model.layers.filter((l) => l.lora),
    loss: (batch, options = {}) =>
      tf.tidy(() => one<tf.Rank.R1>(crossEntropy(pass(model, batch, options).logits, batch.labels))),
    outputLogProbs: (batch, options = {}) =>
      tf.tidy(() => one<tf.Rank.R3>(tf.logSoftmax(pass(model, batch, options).logits))),
    responseLogProb: (batch, options = {}) =>
      tf.tidy(() => {
        const logProbs = tf.logSoftmax(pass(model, batch, options).logits);
        return one<tf.Rank.R2>(tf.sum(tf.mul(logProbs, tf.oneHot(batch.labels, model.classes)), 1));
      }),
    hidden: (batch, options = {}) =>
      tf.tidy(() => pass(model, batch, options).hidden.map((h) => one<tf.Rank.R3>(h))),
    responseHidden: (batch, options = {}) =>
      tf.tidy(() => pass(model, batch, options).hidden.map((h) => one<tf.Rank.R3>(h))),
    adaptedInputs: (batch, options = {}) =>
      tf.tidy(() => {
        const inputs: tf.Tensor2D[] = [];
        pass(model, batch, options, inputs);
        return inputs.filter((_, i) => model.layers[i]!.lora).map((x) => one<tf.Rank.R3>(x));
      }),
    size: (batch) => batch.labels.shape[0],
  };
}
