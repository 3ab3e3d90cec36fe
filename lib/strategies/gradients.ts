/**
 * Gradient arithmetic shared by strategies: gradients as lists aligned with `model.trainable`, per-tensor
 * projection, and the mean gradient of a loss while a copy of the model trains on it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { trainMembers } from "../train/loop.ts";
import { memberSum, perMember } from "./members.ts";
import type { StrategyModel } from "./strategy.ts";

/**
 * The gradient of `loss` with respect to each of `variables`, in their order (zeros where unused). Per-member
 * losses [M] are summed: members share no weights, so each member's slice is its own loss's gradient.
 */
export function gradientList(variables: tf.Variable[], loss: () => tf.Tensor): tf.Tensor[] {
  const { value, grads } = tf.variableGrads(() => tf.sum(loss()) as tf.Scalar, variables);
  value.dispose();
  return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
}

/** Re-keys a list aligned with `variables` by variable name, as the training loop expects. */
export function byName(variables: tf.Variable[], tensors: tf.Tensor[]): tf.NamedTensorMap {
  return Object.fromEntries(variables.map((v, i) => [v.name, tensors[i]!]));
}

/**
 * The gradients with each variable's in `bases` (by name) mapped through `project(g, basis)` and the others
 * copied (the loop releases what a transform returns); a variable without a gradient gets 0. GRASP and
 * null-space updates project their adapters' gradients with it.
 */
export function projectedGradients(
  trainable: readonly tf.Variable[],
  grads: tf.NamedTensorMap,
  bases: ReadonlyMap<string, tf.Tensor>,
  project: (g: tf.Tensor, basis: tf.Tensor) => tf.Tensor,
): tf.NamedTensorMap {
  return Object.fromEntries(trainable.map((v) => {
    const given = grads[v.name], basis = bases.get(v.name);
    const g = given ?? tf.zerosLike(v);
    return [v.name, basis ? project(g, basis) : g === given ? tf.clone(g) : g];
  }));
}

/**
 * Removes from g its component along a (one tensor at a time, and for stacked tensors one member at a time):
 *   g ← g − γ · (⟨g, a⟩ / (‖a‖² + 1e-16)) · a,
 * with γ = `strength` (1: the whole component; 0: g unchanged; above 1 the step turns against a), or, with
 * `conflictOnly`, only when ⟨g, a⟩ < 0 (the update would increase the proxy loss).
 */
export function projectOut(
  g: tf.Tensor,
  a: tf.Tensor,
  conflictOnly = false,
  members = 1,
  strength = 1,
): tf.Tensor {
  return tf.tidy(() => {
    const dot = memberSum(tf.mul(g, a), members);
    const full = tf.div(dot, tf.add(memberSum(tf.square(a), members), 1e-16)) as tf.Tensor1D;
    // γ = 1 multiplies by nothing, so the original projection stays bit for bit what it was.
    const coefficient = strength === 1 ? full : tf.mul(full, strength) as tf.Tensor1D;
    const projected = tf.sub(g, tf.mul(perMember(coefficient, g, members), a));
    if (!conflictOnly) return projected;
    const conflict = tf.less(dot, 0) as tf.Tensor1D;
    return tf.where(tf.broadcastTo(perMember(conflict, g, members), g.shape), projected, g);
  });
}

/**
 * Trains `copy` on `loss` for `steps` Adam steps and returns the mean of the gradients it saw, aligned with
 * `copy.trainable` (the "precomputed" proxy gradient of the original code: one epoch of proxy training).
 */
export function meanGradientWhileTraining<B>(
  copy: StrategyModel<B>,
  loss: () => tf.Tensor1D,
  steps: number,
  learningRate: number,
): tf.Tensor[] {
  const sums: tf.Tensor[] = copy.trainable.map((v) => tf.zerosLike(v));
  trainMembers(copy, {
    loss: () => ({ loss: loss() }),
    transformGradients(grads) {
      copy.trainable.forEach((v, i) => {
        const g = grads[v.name];
        if (!g) return;
        const next = tf.add(sums[i]!, g);
        sums[i]!.dispose();
        sums[i] = next;
      });
      return grads;
    },
  }, { steps, learningRate });
  return sums.map((s) => {
    const m = tf.div(s, steps);
    s.dispose();
    return m;
  });
}

const blockGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** x in the forward pass, no gradient in the backward pass (tfjs has no stop-gradient op of its own). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return blockGradient(x) as T;
}
