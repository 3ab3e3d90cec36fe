/**
 * A classifier ensemble seen through the strategy interface: M members (one per seed, say) fine-tuned by any
 * strategy as one program. A batch holds each member's own rows; every output leads with the member axis, and
 * member m's outputs are what `classifierView` gives for the same model alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { StrategyModel, ViewOptions } from "./view.ts";
import {
  type ClassifierEnsemble,
  type EnsembleBatch,
  ensembleForward,
  ensembleVariables,
  memberCrossEntropy,
} from "./ensemble.ts";

function pass(
  ensemble: ClassifierEnsemble,
  batch: EnsembleBatch,
  options: ViewOptions,
  inputs?: tf.Tensor3D[],
) {
  return ensembleForward(ensemble, batch, {
    useLora: !options.reference,
    ...(options.ablation ? { ablation: options.ablation as (tf.Tensor3D | tf.Tensor2D | null)[] } : {}),
    ...(options.steer ? { steer: options.steer as (tf.Tensor2D | null)[] } : {}),
    ...(inputs ? { inputs } : {}),
  });
}

/** The batch's targets, checked: position-wise outputs need every member to have the same rows (no padding). */
function targetsOf(batch: EnsembleBatch): tf.Tensor3D {
  if (!batch.targets) throw new Error("Cannot score an ensemble batch without targets");
  if (batch.sizes.some((n) => n !== batch.targets!.shape[1])) {
    throw new Error(
      `Cannot read positions of a padded ensemble batch (members have ${batch.sizes.join(", ")} rows): ` +
        "give every member the same number of rows",
    );
  }
  return batch.targets;
}

/** The strategy view of an ensemble (adapted by `adaptEnsemble`, or trained whole). */
export function ensembleView(ensemble: ClassifierEnsemble): StrategyModel<EnsembleBatch> {
  return {
    members: ensemble.members,
    trainable: ensembleVariables(ensemble),
    adapted: ensemble.layers.flatMap((l, i) => (l.lora ? [{ name: `layer${i}`, lora: l.lora }] : [])),
    loss: (batch, options = {}) =>
      tf.tidy(() => {
        if (!batch.targets) throw new Error("Cannot score an ensemble batch without targets");
        return memberCrossEntropy(pass(ensemble, batch, options).logits, batch.targets);
      }),
    outputLogProbs: (batch, options = {}) =>
      tf.tidy(() => {
        targetsOf(batch);
        return tf.logSoftmax(pass(ensemble, batch, options).logits);
      }),
    responseLogProb: (batch, options = {}) =>
      tf.tidy(() => {
        // Targets are one-hot rows scaled by 1/n; their support is the one-hot label.
        const labels = tf.cast(tf.greater(targetsOf(batch), 0), "float32");
        return tf.sum(tf.mul(tf.logSoftmax(pass(ensemble, batch, options).logits), labels), 2) as tf.Tensor2D;
      }),
    hidden: (batch, options = {}) =>
      tf.tidy(() => {
        targetsOf(batch);
        return pass(ensemble, batch, options).hidden;
      }),
    responseHidden: (batch, options = {}) =>
      tf.tidy(() => {
        targetsOf(batch);
        return pass(ensemble, batch, options).hidden;
      }),
    adaptedInputs: (batch, options = {}) =>
      tf.tidy(() => {
        if (!batch.targets) throw new Error("Cannot read an ensemble batch's inputs without targets");
        const real = tf.cast(tf.greater(tf.sum(batch.targets, 2, true), 0), "float32"); // [M, n, 1]
        const inputs: tf.Tensor3D[] = [];
        pass(ensemble, batch, options, inputs);
        return inputs.filter((_, i) => ensemble.layers[i]!.lora).map((x) => tf.mul(x, real) as tf.Tensor3D);
      }),
    size: (batch) => batch.sizes[0] ?? 0,
  };
}
