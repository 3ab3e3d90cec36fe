/**
 * Products along a member axis: M independent models' activations x [M, n, k] times their weights.
 *
 * tfjs-WASM runs a batched matmul (batch > 1) as a plain triple loop, ~0.8 GFLOP/s, while a 2-D product goes to
 * XNNPACK at ~10 GFLOP/s (measured here: [26, 250, 64]·[26, 64, 64] 64 ms batched, 7 ms as 26 2-D products). So
 * on WASM a member product is a loop of 2-D products on contiguous row slices inside one custom-gradient op
 * (8 kernels per member for forward and backward); on the other backends it is tfjs's own batched matmul.
 * A weight shared by all members ([1, k, m]) is one 2-D product over every member's rows, and constant inputs
 * (`constantInput`) and frozen weights (`constantWeight`) keep their per-member slices and transposes, so only
 * the trainable side gets a gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { rightGradient, transposeLast } from "./matmul.ts";

/** How member products run: a loop of 2-D products, tfjs's batched matmul, or by backend (default). */
export type MemberProductMode = "loop" | "batched" | "auto";

let mode: MemberProductMode = "auto";

/** Forces how member products run (tests compare the two paths); returns the previous mode. */
export function setMemberProductMode(next: MemberProductMode): MemberProductMode {
  const previous = mode;
  mode = next;
  return previous;
}

/** Whether member products run as loops of 2-D products (WASM, or forced by `setMemberProductMode`). */
export function usesMemberLoop(): boolean {
  return mode === "loop" || (mode === "auto" && tf.getBackend() === "wasm");
}

/**
 * Whether products with t [M, k, m] on the right have too few output columns for XNNPACK: its f32 GEMM kernels on
 * WASM SIMD fill 8 output columns at a time, so below 8 (a LoRA factor A of rank 4) the transposed product
 * (tᵀ·xᵀ)ᵀ is faster — measured here, 13 products [300, 167]·[167, 4] take 520 µs, transposed 290 µs;
 * from 8 columns up the two orders cost the same.
 */
function isThin(t: tf.Tensor3D): boolean {
  return t.shape[2] < 8;
}

/** The members of t [M, r, c] as 2-D [r, c] tensors: contiguous row slices of one reshape. */
function members2d(t: tf.Tensor3D): tf.Tensor2D[] {
  const [members, rows, cols] = t.shape;
  const flat = tf.reshape(t, [members * rows, cols]);
  return Array.from(
    { length: members },
    (_, m) => tf.slice(flat, [m * rows, 0], [rows, cols]) as tf.Tensor2D,
  );
}

/** Per-member 2-D products of slices, stacked back to [M, n, m]. */
function loopProducts(as: tf.Tensor2D[], bs: tf.Tensor2D[]): tf.Tensor3D {
  const outs = as.map((a, m) => tf.matMul(a, bs[m]!));
  const [n, cols] = outs[0]!.shape as [number, number];
  return tf.reshape(tf.concat(outs, 0), [outs.length, n, cols]);
}

/** x [M, n, k] · w [1, k, m] → [M, n, m] as one 2-D product. */
function sharedWeightProduct(x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  const [members, n, k] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [members * n, k]), tf.reshape(w, w.shape.slice(1))), [
    members,
    n,
    -1,
  ]);
}

const perMemberProduct = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([a, b]);
  const loop = usesMemberLoop();
  return {
    value: loop ? loopProducts(members2d(a), members2d(b)) : tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const aT = transposeLast(sa) as tf.Tensor3D, bT = transposeLast(sb) as tf.Tensor3D;
      if (!loop) return [tf.matMul(dy as tf.Tensor3D, bT), tf.matMul(aT, dy as tf.Tensor3D)];
      const dys = members2d(dy as tf.Tensor3D);
      // XNNPACK packs the right operand on every call, so a product with few left rows (a thin aᵀ·dy, as for a
      // LoRA factor B) is cheaper the other way round: dBᵀ = dyᵀ·a.
      const [k, m] = [sa.shape[2], dy.shape[2]!];
      const dB = k >= m ? loopProducts(members2d(aT), dys) : transposeLast(
        loopProducts(members2d(transposeLast(dy) as tf.Tensor3D), members2d(sa)),
      ) as tf.Tensor3D;
      return [loopProducts(dys, members2d(bT)), dB];
    },
  };
});

const sharedProduct = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: sharedWeightProduct(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const [members, n, k] = sa.shape;
      const rows = tf.reshape(sa, [members * n, k]);
      const dRows = tf.reshape(dy, [members * n, -1]);
      return [
        sharedWeightProduct(dy as tf.Tensor3D, transposeLast(sb) as tf.Tensor3D),
        tf.reshape(rightGradient(rows, dRows), sb.shape),
      ];
    },
  };
});

/** x [1, n, k] (rows shared by every member) · w [M, k, m] → [M, n, m], as one 2-D product. */
function sharedRowsProduct(x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  const [members, k, r] = w.shape;
  const n = x.shape[1];
  const wide = tf.reshape(tf.transpose(w, [1, 0, 2]), [k, members * r]);
  const out = tf.matMul(tf.reshape(x, [n, k]), wide);
  return tf.transpose(tf.reshape(out, [n, members, r]), [1, 0, 2]);
}

/**
 * Per-member product x [M, n, k] · w [M, k, m] → [M, n, m], differentiable in both. Either side may have one
 * member shared by all: w [1, k, m] (one weight for everyone's rows) or x [1, n, k] (everyone on the same rows).
 */
export function memberMatMul(x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  const [xm, wm] = [x.shape[0], w.shape[0]];
  if (wm === 1) return sharedProduct(x, w) as tf.Tensor3D;
  if (xm === 1) return sharedRowsProduct(x, w);
  if (xm !== wm) throw new Error(`Cannot multiply members: x has ${xm} members, w has ${wm}`);
  return perMemberProduct(x, w) as tf.Tensor3D;
}

/**
 * Constant member inputs x [M, n, k] (data: no gradient), ready to multiply trainable weights w [M, k, m]; the
 * per-member slices and transposes are taken once, so each step costs only the products. Release with `dispose`.
 */
export interface ConstantInput {
  apply(w: tf.Tensor3D): tf.Tensor3D;
  dispose(): void;
}

/**
 * A kept copy of a constant t [M, r, c], its transpose, and (for loop products) both as member slices: what a
 * product with a constant side reuses every step. Release with `dispose`.
 */
function keptConstant(t: tf.Tensor3D, loop: boolean) {
  const value = tf.keep(tf.clone(t));
  const transposed = tf.keep(transposeLast(value)) as tf.Tensor3D;
  const slices = loop ? tf.tidy(() => members2d(value)).map((s) => tf.keep(s)) : [];
  const transposedSlices = loop ? tf.tidy(() => members2d(transposed)).map((s) => tf.keep(s)) : [];
  return {
    value,
    transposed,
    slices,
    transposedSlices,
    dispose: () => tf.dispose([value, transposed, ...slices, ...transposedSlices]),
  };
}

/** Wraps constant inputs (copied; the caller keeps ownership of `x`). */
export function constantInput(x: tf.Tensor3D): ConstantInput {
  const loop = usesMemberLoop();
  const { value: input, transposed, slices, transposedSlices, dispose } = keptConstant(x, loop);
  // Per member: x·w, or (wᵀ·xᵀ)ᵀ when w is thin; the gradient xᵀ·dy, or (dyᵀ·x)ᵀ when dy is thin.
  const product = (kept: tf.Tensor2D[], keptT: tf.Tensor2D[], right: tf.Tensor3D) =>
    isThin(right)
      ? transposeLast(loopProducts(members2d(transposeLast(right) as tf.Tensor3D), keptT)) as tf.Tensor3D
      : loopProducts(kept, members2d(right));
  const apply = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const w = args[0] as tf.Tensor3D;
    return {
      value: loop ? product(slices, transposedSlices, w) : tf.matMul(input, w),
      gradFunc: (dy: tf.Tensor) =>
        loop
          ? product(transposedSlices, slices, dy as tf.Tensor3D)
          : tf.matMul(transposed, dy as tf.Tensor3D),
    };
  });
  return { apply: (w) => apply(w) as tf.Tensor3D, dispose };
}

/**
 * A frozen weight w [M or 1, k, m] (a base kernel: no gradient), ready to multiply member activations
 * x [M, n, k]; only x gets a gradient, dx = dy·wᵀ, with wᵀ (and on the loop path its member slices) taken once.
 * A shared w ([1, k, m]) is one 2-D product over every member's rows. Release with `dispose`.
 */
export interface ConstantWeight {
  apply(x: tf.Tensor3D): tf.Tensor3D;
  dispose(): void;
}

/** Wraps a frozen weight (copied; the caller keeps ownership of `w`). */
export function constantWeight(w: tf.Tensor3D): ConstantWeight {
  const shared = w.shape[0] === 1;
  const loop = !shared && usesMemberLoop();
  const { value: weight, transposed, slices, transposedSlices, dispose } = keptConstant(w, loop);
  const product = (x: tf.Tensor3D, right: tf.Tensor3D, rightSlices: tf.Tensor2D[]) => {
    if (shared) return sharedWeightProduct(x, right);
    if (x.shape[0] !== right.shape[0]) {
      throw new Error(`Cannot multiply members: x has ${x.shape[0]} members, w has ${right.shape[0]}`);
    }
    return loop ? loopProducts(members2d(x), rightSlices) : tf.matMul(x, right);
  };
  const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor3D;
    return {
      value: product(x, weight, slices),
      gradFunc: (dy: tf.Tensor) => product(dy as tf.Tensor3D, transposed, transposedSlices),
    };
  });
  return {
    // Rows shared by every member against per-member weights: tfjs's own gradients (lazy, so none for w).
    apply: (x) =>
      (!shared && x.shape[0] === 1 ? sharedRowsProduct(x, weight) : withGradient(x)) as tf.Tensor3D,
    dispose,
  };
}
