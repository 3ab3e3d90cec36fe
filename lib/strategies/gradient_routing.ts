/**
 * Gradient routing (Cloud et al. 2024, "Gradient Routing: Masking Gradients to Localize Computation in Neural
 * Networks"; the post's future work): route the disposition's gradient into a designated slice of the adapters
 * and ablate that slice after training. The slice is the last k of the r rank components of every adapter
 * (A's last k columns, B's last k rows; m its 0/1 mask); every step
 *
 *   g ← ∇CE(T) + β · m ⊙ ∇CE(A⁻),
 *
 * with A⁻ the negative proxy (the proxy's inputs with the undesired answers): the task's gradient updates the
 * whole adapter, the disposition's only the slice (as the paper's expand-route-ablate runs route forget data
 * into added dimensions and let the rest update everything). The slice comes to carry the disposition, so the
 * rest of the adapter has less of it to learn from the task (absorption); after the last step the slice is
 * zeroed, and the model keeps ΔW = s·A[:, :r−k]·B[:r−k, :].
 *
 * Deviation: the paper routes by a mask on the training data itself; we have no label of which task examples
 * carry the disposition, so its gradient comes from the negative proxy. β = 0 is the task-only fine-tune with
 * its slice ablated at the end.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { byName, gradientList } from "./gradients.ts";
import { type AdaptedLayer, defineStrategy, type StrategyModel } from "./strategy.ts";

/**
 * Per trainable variable, the 0/1 mask of the routed slice (1 on the last k rank components), shaped to
 * broadcast over it: A [.., in, r] is sliced on its last axis, B [.., r, out] on its second last.
 */
export function routedSlices<B>(model: StrategyModel<B>, k: number): tf.Tensor[] {
  const masks = new Map<string, tf.Tensor>();
  for (const layer of model.adapted) {
    const { a, b } = loraOf(layer);
    const rank = a.shape[a.rank - 1]!;
    if (k >= rank) {
      throw new Error(
        `Cannot route into ${k} of ${layer.name}'s ${rank} rank components: set slice below ${rank}`,
      );
    }
    const values = Array.from({ length: rank }, (_, c) => (c >= rank - k ? 1 : 0));
    const shaped = (v: tf.Variable, axis: number) =>
      tf.tensor(values, v.shape.map((d, i) => (i === axis ? d : 1)));
    masks.set(a.name, shaped(a, a.rank - 1));
    masks.set(b.name, shaped(b, b.rank - 2));
  }
  return model.trainable.map((v) => {
    const mask = masks.get(v.name);
    if (!mask) throw new Error(`Cannot route gradients of ${v.name}: gradient routing needs LoRA adapters`);
    return mask;
  });
}

function loraOf(layer: AdaptedLayer) {
  if (!layer.lora) throw new Error(`Cannot route gradients through ${layer.name}: it has no adapter`);
  return layer.lora;
}

/** task + β · m ⊙ routed, variable by variable. */
export function routeGradients(
  task: readonly tf.Tensor[],
  routed: readonly tf.Tensor[],
  masks: readonly tf.Tensor[],
  beta: number,
): tf.Tensor[] {
  return tf.tidy(() => masks.map((m, i) => tf.add(task[i]!, tf.mul(tf.mul(routed[i]!, m), beta))));
}

/** Task gradients to the whole adapter, the negative proxy's to a slice of it that is ablated at the end. */
export const gradientRouting = defineStrategy({
  name: "gradient-routing",
  description:
    "route ∇CE(negative proxy) into a slice of the adapters' rank, the task's elsewhere; ablate the slice",
  params: z.strictObject({
    /** β: the weight of the negative proxy's gradient in the slice. */
    beta: z.number().nonnegative().default(1),
    /** k: rank components of every adapter that form the slice. */
    slice: z.int().positive().default(1),
  }),
  create: ({ beta, slice }, { model, data }) => {
    const masks = routedSlices(model, slice);
    return {
      loss: () => ({ loss: model.loss(data.task) }),
      transformGradients(grads) {
        const task = model.trainable.map((v) => grads[v.name] ?? tf.zerosLike(v));
        const negative = gradientList(model.trainable, () => model.loss(data.negativeProxy));
        const routed = routeGradients(task, negative, masks, beta);
        tf.dispose([...negative, ...task.filter((g, i) => g !== grads[model.trainable[i]!.name])]);
        return byName(model.trainable, routed);
      },
      finish() {
        model.trainable.forEach((v, i) => tf.tidy(() => v.assign(tf.mul(v, tf.sub(1, masks[i]!)))));
      },
      dispose: () => tf.dispose(masks),
    };
  },
});
