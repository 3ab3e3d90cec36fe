/**
 * Adam over stacked member weights ([M, …] per variable), one optimiser state per member. Adam is elementwise,
 * so one update of a stacked variable is exactly M independent Adam updates; this file adds what tfjs's
 * optimiser lacks: a learning rate per member, and members that stop (early stopping, divergence) keep their
 * weights while the others go on. The arithmetic mirrors `tf.train.adam` step for step (float32 bias
 * corrections, ε = the backend's epsilon) so a member matches the same model trained alone:
 *
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Adam with a member axis: `learningRate` is one number for all members or one per member. */
export class MemberAdam {
  private readonly moments: { m: tf.Variable; v: tf.Variable }[];
  private readonly negativeRate: tf.Tensor | number;
  private accBeta1: number;
  private accBeta2: number;
  private readonly epsilon = tf.backend().epsilon();

  constructor(
    private readonly variables: readonly tf.Variable[],
    learningRate: number | readonly number[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
  ) {
    this.moments = variables.map((v) =>
      tf.tidy(() => ({ m: tf.variable(tf.zerosLike(v), false), v: tf.variable(tf.zerosLike(v), false) }))
    );
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
    if (typeof learningRate === "number") this.negativeRate = -learningRate;
    else {
      const members = variables[0]?.shape[0] ?? 0;
      if (learningRate.length !== members) {
        throw new Error(`Cannot set learning rates: ${learningRate.length} given for ${members} members`);
      }
      this.negativeRate = tf.keep(tf.tensor1d(learningRate.map((r) => -r)));
    }
  }

  /** Applies one step of gradients (keyed by variable name); members with `active[m] === false` stay put. */
  apply(grads: tf.NamedTensorMap, active?: readonly boolean[]): void {
    const mask = active && active.some((a) => !a) ? tf.tensor1d(active.map(Number), "bool") : undefined;
    tf.tidy(() => {
      const oneMinusAcc1 = Math.fround(1 - this.accBeta1);
      const oneMinusAcc2 = Math.fround(1 - this.accBeta2);
      this.variables.forEach((value, i) => {
        const gradient = grads[value.name];
        if (!gradient) return;
        const { m, v } = this.moments[i]!;
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const step = tf.div(
          tf.div(newM, oneMinusAcc1),
          tf.add(tf.sqrt(tf.div(newV, oneMinusAcc2)), this.epsilon),
        );
        const rate = typeof this.negativeRate === "number"
          ? this.negativeRate
          : tf.reshape(this.negativeRate, [-1, ...Array(value.rank - 1).fill(1)]);
        const updated = tf.add(tf.mul(step, rate), value);
        m.assign(newM);
        v.assign(newV);
        value.assign(
          mask ? tf.where(tf.reshape(mask, [-1, ...Array(value.rank - 1).fill(1)]), updated, value) : updated,
        );
      });
    });
    mask?.dispose();
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
  }

  /** Releases the optimiser state. */
  dispose(): void {
    for (const { m, v } of this.moments) tf.dispose([m, v]);
    if (typeof this.negativeRate !== "number") this.negativeRate.dispose();
  }
}
