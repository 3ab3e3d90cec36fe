/**
 * The toy classifier seen through the strategy interface: a batch is (inputs, labels) and every row is one
 * scored position, so response log-probability is the log-probability of the row's label.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { StrategyModel, ViewOptions } from "../strategies/strategy.ts";
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

function pass(model: Classifier, batch: ClassifierBatch, options: ViewOptions) {
  return forward(model, batch.inputs, {
    useLora: !options.reference,
    ...(options.ablation ? { ablation: options.ablation } : {}),
  });
}

/** The strategy view of a classifier (with its LoRA adapters, if any). */
export function classifierView(model: Classifier): StrategyModel<ClassifierBatch> {
  return {
    trainable: trainableVariables(model),
    adapted: model.layers.filter((l) => l.lora),
    loss: (batch, options = {}) =>
      tf.tidy(() => crossEntropy(pass(model, batch, options).logits, batch.labels)),
    outputLogProbs: (batch, options = {}) => tf.tidy(() => tf.logSoftmax(pass(model, batch, options).logits)),
    responseLogProb: (batch, options = {}) =>
      tf.tidy(() => {
        const logProbs = tf.logSoftmax(pass(model, batch, options).logits);
        return tf.sum(tf.mul(logProbs, tf.oneHot(batch.labels, model.classes)), 1) as tf.Tensor1D;
      }),
    hidden: (batch, options = {}) => tf.tidy(() => pass(model, batch, options).hidden),
    size: (batch) => batch.labels.shape[0],
  };
}
