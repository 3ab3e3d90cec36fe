/**
 * Adam over stacked member weights ([M, …] per variable; a single model's variables, M = 1, need no member
 * axis), one optimiser state per member. It is the only optimiser of the training loop. Adam is elementwise, so
 * one update of a stacked variable is exactly M independent Adam updates; this file adds what tfjs's optimiser
 * lacks: a learning rate per member, a learning-rate scale per step (schedules), and members that stop (early
 * stopping, divergence) keep their weights while the others go on. Every variable steps as one flat vector (the
 * gradients concatenated, one pair of moments for all), so a step is ~16 kernels plus 4 cheap ones per variable
 * (3 reshapes, 1 contiguous slice) instead of 14 per variable: on the organisms' 16 adapter variables this cut
 * the optimiser's time about 3x (2026-12-07, WASM: 1.5 → 0.5 ms per sycophancy step, 4.3 → 1.5 ms per
 * 2-member EM step).
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
  // The moments of every variable as one flat vector (each variable's stacked values in turn, at `offsets`), so
  // that the arithmetic is one set of kernels over all variables, not one set per variable.
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly offsets: number[];
  /** The member of each element of the flat vector (a variable's [M, …] values lead with member 0's). */
  private readonly memberOf: Int32Array;
  /** −lr of each element's member at the last scale asked for (M > 1; rebuilt when the scale changes). */
  private rates: { scale: number; perElement: tf.Tensor1D } | undefined;
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
    this.offsets = [0];
    for (const v of variables) this.offsets.push(this.offsets.at(-1)! + v.size);
    const total = this.offsets.at(-1)!;
    [this.m, this.v] = tf.tidy(
      () => [tf.variable(tf.zeros([total]), false), tf.variable(tf.zeros([total]), false)],
    );
    this.memberOf = new Int32Array(total);
    variables.forEach((v, i) => {
      for (let j = 0; j < v.size; j++) {
        this.memberOf[this.offsets[i]! + j] = Math.floor(j * this.members / v.size);
      }
    });
  }

  /**
   * Applies one step of gradients (keyed by variable name); variables without a gradient stay put, moments
   * included. The step count t is shared, so a member left out of an update must never take another (stopped
   * members don't).
   */
  apply(grads: tf.NamedTensorMap, step: MemberAdamStep = {}): void {
    const { active, scale = 1 } = step;
    if (active && active.length !== this.members) {
      throw new Error(`Cannot apply Adam: ${active.length} active flags for ${this.members} members`);
    }
    if (active && !active.some(Boolean)) return;
    const given = this.variables.map((v) => grads[v.name]);
    if (given.some(Boolean)) tf.tidy(() => this.update(given, active, scale));
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
  }

  /** One Adam step over the flat vector; elementwise, so each element's arithmetic is the per-variable one. */
  private update(
    given: (tf.Tensor | undefined)[],
    active: readonly boolean[] | undefined,
    scale: number,
  ): void {
    const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((t) => tf.reshape(t, [-1])));
    const gradient = flat(this.variables.map((v, i) => given[i] ?? tf.zeros([v.size])));
    const value = flat([...this.variables]);
    const { m, v, beta1, beta2 } = this;
    let newM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
    let newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
    const direction = tf.div(
      tf.div(newM, Math.fround(1 - this.accBeta1)),
      tf.add(tf.sqrt(tf.div(newV, Math.fround(1 - this.accBeta2))), this.epsilon),
    );
    let updated = tf.add(tf.mul(direction, this.negativeRate(scale)), value);
    if (active?.some((a) => !a)) {
      // A stopped member's moments may move: it never takes another update.
      const flags = Uint8Array.from(this.memberOf, (i) => active[i] ? 1 : 0);
      updated = tf.where(tf.tensor1d(flags, "bool"), updated, value);
    }
    if (given.some((g) => !g)) {
      const took = new Uint8Array(m.size);
      given.forEach((g, i) => g && took.fill(1, this.offsets[i], this.offsets[i + 1]));
      const mask = tf.tensor1d(took, "bool");
      [newM, newV] = [tf.where(mask, newM, m), tf.where(mask, newV, v)];
    }
    m.assign(newM);
    v.assign(newV);
    this.variables.forEach((variable, i) => {
      if (!given[i]) return;
      const [start, end] = [this.offsets[i]!, this.offsets[i + 1]!];
      variable.assign(tf.reshape(tf.slice(updated, start, end - start), variable.shape));
    });
  }

  /**
   * −lr × scale as tfjs applies it: float32 of the double −(lr × scale), a number for one rate, else one per
   * element, built on the host (a `tf.gather` of the [M] rates took 1.3 ms for 16k elements) and kept while the
   * scale stays (fine-tunes have no schedule).
   */
  private negativeRate(scale: number): number | tf.Tensor1D {
    const rates = this.learningRate;
    if (typeof rates === "number") return -(rates * scale);
    if (this.rates?.scale !== scale) {
      this.rates?.perElement.dispose();
      const perElement = tf.keep(tf.tensor1d(Float32Array.from(this.memberOf, (m) => -(rates[m]! * scale))));
      this.rates = { scale, perElement };
    }
    return this.rates.perElement;
  }

  /** Releases the optimiser state. */
  dispose(): void {
    tf.dispose([this.m, this.v, ...(this.rates ? [this.rates.perElement] : [])]);
  }
}
