/**
 * Early stopping, a baseline (the published observation that misalignment appears after the task has
 * converged): train on the task alone, keep a checkpoint before every step and the final one, and restore,
 * per member, the checkpoint that scores best on the proxy among those that have learnt nearly all of the task:
 *
 *   eligible(t) ⇔ L_task(t) − min_s L_task(s) ≤ tolerance · (L_task(0) − min_s L_task(s)),
 *   chosen = argmin over eligible t of L_proxy(t)   (the proxy's cross-entropy: its aligned answers).
 *
 * tolerance 0 keeps the checkpoint with the lowest task loss (the naive fine-tune, or nearly); 1 admits the
 * start. Deviation: the task loss of a checkpoint is the one the loop measured at that step, on that step's
 * mini-batch (exact for a full batch, noisy for the sycophancy organism's mini-batches); the final one's is
 * measured after training on the batch then current.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineStrategy } from "./strategy.ts";

/** A checkpoint: every trainable variable's value and each member's task and proxy loss there. */
interface Checkpoint {
  values: tf.Tensor[];
  task: Float32Array;
  proxy: Float32Array;
}

/** Per member, the chosen checkpoint's index (see the module's rule). Pure. */
export function chooseCheckpoints(
  task: readonly (readonly number[])[],
  proxy: readonly (readonly number[])[],
  tolerance: number,
): number[] {
  const members = task[0]?.length ?? 0;
  return Array.from({ length: members }, (_, m) => {
    const losses = task.map((t) => t[m]!).map((l) => Number.isFinite(l) ? l : Infinity);
    const best = Math.min(...losses);
    const allowed = best + tolerance * Math.max(0, losses[0]! - best);
    let chosen = losses.indexOf(best);
    losses.forEach((l, t) => {
      if (l <= allowed && proxy[t]![m]! < proxy[chosen]![m]!) chosen = t;
    });
    return chosen;
  });
}

/** Each variable's value with member m taken from checkpoint `chosen[m]` (a single model: the chosen one's). */
function restore(variables: readonly tf.Variable[], checkpoints: readonly Checkpoint[], chosen: number[]) {
  variables.forEach((v, i) =>
    tf.tidy(() => {
      const value = (c: number) => checkpoints[c]!.values[i]!;
      if (chosen.length === 1) return v.assign(value(chosen[0]!)); // no member axis
      const rest = v.shape.slice(1);
      v.assign(
        tf.concat(chosen.map((c, m) => tf.slice(value(c), [m, ...rest.map(() => 0)], [1, ...rest])), 0),
      );
    })
  );
}

/** Task-only training, then the best-on-the-proxy checkpoint among those that learnt nearly all the task. */
export const earlyStopping = defineStrategy({
  name: "early-stopping",
  description:
    "task only; restore the checkpoint best on the proxy among those within a tolerance of the task",
  params: z.strictObject({
    /** Share of the task-loss drop a checkpoint may leave unlearnt and still be chosen. */
    tolerance: z.number().min(0).max(1).default(0.1),
  }),
  create: ({ tolerance }, { model, data }) => {
    const checkpoints: Checkpoint[] = [];
    let task: tf.Tensor1D | undefined;
    const proxyLoss = () => tf.tidy(() => model.loss(data.proxy).dataSync() as Float32Array);
    const keep = (taskLoss: Float32Array) =>
      checkpoints.push({
        values: model.trainable.map((v) => tf.clone(v)),
        task: taskLoss,
        proxy: proxyLoss(),
      });
    return {
      loss: () => {
        const loss = model.loss(data.task);
        if (task && !task.isDisposed) task.dispose(); // a step no member took (every one had stopped)
        task = tf.keep(tf.clone(loss));
        return { loss };
      },
      // Called before each step's update: the variables still hold the checkpoint the step's loss measured.
      transformGradients: (grads) => {
        keep(task!.dataSync() as Float32Array);
        tf.dispose(task);
        return grads;
      },
      finish: () => {
        keep(tf.tidy(() => model.loss(data.task).dataSync() as Float32Array));
        const chosen = chooseCheckpoints(
          checkpoints.map((c) => Array.from(c.task)),
          checkpoints.map((c) => Array.from(c.proxy)),
          tolerance,
        );
        restore(model.trainable, checkpoints, chosen);
        return chosen.map((c) => ({ "early-stopping/checkpoint": c }));
      },
      dispose: () => {
        tf.dispose([...checkpoints.flatMap((c) => c.values), ...(task && !task.isDisposed ? [task] : [])]);
      },
    };
  },
});
