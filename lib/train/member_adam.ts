/**
 * Adam over stacked member weights ([M, …] per variable; a single model's variables, M = 1, need no member
 * axis), one optimiser state per member. It is the only optimiser of the training loop. Adam is elementwise, so
 * one update of a stacked variable is exactly M independent Adam updates; this file adds what tfjs's optimiser
 * lacks: a learning rate per member, a learning-rate scale per step (schedules), and members that stop (early
 * stopping, divergence) keep their weights while the others go on.
 *
 * The arithmetic is `tf.train.adam`'s (tfjs-core 4.22, `src/optimizers/adam_optimizer.ts`), op for op and in
 * the same order, so a member's numbers are bit for bit those of the same model trained with `tf.train.adam`
 * (a test checks it). Step t = 1, 2, …, with β₁ᵗ and β₂ᵗ accumulated in float32 (×β after every step):
 *
 *   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²,
 *   θ ← θ + (−lr) · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε),   ε = the backend's epsilon (1e-7 in float32).
 *
 * That is Kingma & Ba (2015) Algorithm 1 with ε added to the bias-corrected √v̂, not the paper's cheaper form
 * lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε), whose ε acts √(1−β₂ᵗ) times larger early on.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Settings of `MemberAdam`; the defaults are `tf.train.adam`'s. */
export interface MemberAdamOptions {
  /** One learning rate for every member, or one per member. */
  learningRate: number | readonly number[];
  /**
   * How many members the variables stack on their leading axis; default: the number of learning rates given,
   * else 1 (a single model, whose variables have no member axis).
   */
  members?: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999; transformers here use 0.98). */
  beta2?: number;
  /** Added to √v̂ (default the backend's epsilon, as `tf.train.adam`: 1e-7 on float32 backends). */
  epsilon?: number;
}

/** What one update applies besides the gradients. */
export interface MemberAdamStep {
  /** Which members take this update (default all); the others keep their weights. */
  active?: readonly boolean[];
  /** Multiplies every learning rate for this update (a schedule's value; default 1). */
  scale?: number;
}

/** Adam with a member axis. */
export class MemberAdam {
  /** How many members the variables stack (1: a single model). */
  readonly members: number;
  private readonly moments: { m: tf.Variable; v: tf.Variable }[];
  private readonly learningRate: number | readonly number[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  // β₁ᵗ and β₂ᵗ as float32, as tfjs keeps them in scalar variables (Math.fround of a double product of two
  // float32 values is the float32 product).
  private accBeta1: number;
  private accBeta2: number;

  constructor(private readonly variables: readonly tf.Variable[], options: MemberAdamOptions) {
    const { learningRate } = options;
    this.members = options.members ?? (typeof learningRate === "number" ? 1 : learningRate.length);
    if (!Number.isInteger(this.members) || this.members < 1) {
      throw new Error(`Cannot create MemberAdam: ${this.members} members`);
    }
    if (typeof learningRate !== "number" && learningRate.length !== this.members) {
      throw new Error(`Cannot set learning rates: ${learningRate.length} given for ${this.members} members`);
    }
    if (this.members > 1 && variables.some((v) => v.shape[0] !== this.members)) {
      throw new Error(
        `Cannot create MemberAdam: every variable needs a leading member axis of ${this.members}`,
      );
    }
    // One member's rates are a number: its variables need not lead with a member axis.
    this.learningRate = typeof learningRate !== "number" && this.members === 1
      ? learningRate[0]!
      : learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? tf.backend().epsilon();
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
    this.moments = variables.map((v) =>
      tf.tidy(() => ({ m: tf.variable(tf.zerosLike(v), false), v: tf.variable(tf.zerosLike(v), false) }))
    );
  }

  /**
   * Applies one step of gradients (keyed by variable name); variables without a gradient stay put. The step
   * count t is shared, so a member left out of an update must never take another (stopped members don't).
   */
  apply(grads: tf.NamedTensorMap, step: MemberAdamStep = {}): void {
    const { active, scale = 1 } = step;
    if (active && active.length !== this.members) {
      throw new Error(`Cannot apply Adam: ${active.length} active flags for ${this.members} members`);
    }
    if (active && !active.some(Boolean)) return;
    tf.tidy(() => {
      const oneMinusAcc1 = Math.fround(1 - this.accBeta1);
      const oneMinusAcc2 = Math.fround(1 - this.accBeta2);
      // tfjs multiplies by −lr (a JS number, so float32 of the double −(lr × scale)); so do we.
      const negativeRate = typeof this.learningRate === "number"
        ? -(this.learningRate * scale)
        : tf.tensor1d(this.learningRate.map((r) => -(r * scale)));
      const mask = active?.some((a) => !a) ? tf.tensor1d(active.map(Number), "bool") : undefined;
      // [M, 1, …] to broadcast an [M] factor over a stacked variable (a scalar variable: one member, shape []).
      const memberShape = (rank: number) => rank === 0 ? [] : [-1, ...Array<number>(rank - 1).fill(1)];
      this.variables.forEach((value, i) => {
        const gradient = grads[value.name];
        if (!gradient) return;
        const { m, v } = this.moments[i]!;
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const direction = tf.div(
          tf.div(newM, oneMinusAcc1),
          tf.add(tf.sqrt(tf.div(newV, oneMinusAcc2)), this.epsilon),
        );
        const rate = typeof negativeRate === "number"
          ? negativeRate
          : tf.reshape(negativeRate, memberShape(value.rank));
        const updated = tf.add(tf.mul(direction, rate), value);
        // A stopped member's moments may move: it never takes another update.
        m.assign(newM);
        v.assign(newV);
        value.assign(mask ? tf.where(tf.reshape(mask, memberShape(value.rank)), updated, value) : updated);
      });
    });
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
  }

  /** Releases the optimiser state. */
  dispose(): void {
    for (const { m, v } of this.moments) tf.dispose([m, v]);
  }
}
