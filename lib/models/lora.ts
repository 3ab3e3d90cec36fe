/**
 * Dense layers with optional LoRA adapters (Hu et al. 2021):
 *
 *   y = x·W + b + scale · (x·A)·B,   W: [in, out] frozen, A: [in, r], B: [r, out], B = 0 at the start,
 *
 * so a freshly attached adapter leaves the layer's function unchanged and fine-tuning trains only A and B.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type { Rng } from "../data/rng.ts";
import { frozenMatMul, matMul } from "./matmul.ts";
import { memberMatMul } from "./member_matmul.ts";

/** LoRA settings. */
export const LoraSchema = z.strictObject({
  /** Rank r of the update B·A. */
  rank: z.int().positive().max(256).default(4),
  /** Multiplier of the adapter's output (α / r in the paper's notation). */
  scale: z.number().positive().max(1000).default(1),
});

/** Validated LoRA settings. */
export type LoraConfig = z.output<typeof LoraSchema>;

/**
 * A low-rank adapter on one dense layer, or M members' adapters stacked (an ensemble on one frozen base: the
 * layer's input rows are then M contiguous blocks, member m's rows in block m).
 */
export interface LoraAdapter {
  /** [in, r], or [M, in, r] stacked */
  a: tf.Variable;
  /** [r, out], or [M, r, out] stacked; zero at the start */
  b: tf.Variable;
  scale: number;
}

/** A dense layer: frozen or trainable base weights, optionally an adapter. */
export interface DenseLayer {
  name: string;
  /** [in, out] */
  kernel: tf.Variable;
  /** [out] */
  bias: tf.Variable;
  lora?: LoraAdapter;
}

/** A variable from host values, without leaking the initialiser (`tf.variable(t)` leaves `t` allocated). */
export function variableFrom(values: Float32Array, shape: number[], name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, "float32"), true, name));
}

/** He-normal initial weights from a seeded RNG, so the same seed gives the same model on every backend. */
export function heNormal(rng: Rng, fanIn: number, size: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * rng.normal();
  return out;
}

let layerCounter = 0;
/** A process-unique suffix for variable names (tfjs variable names are global). */
export function uniqueName(prefix: string): string {
  return `${prefix}#${layerCounter++}`;
}

/** A new dense layer with He-normal kernel and zero bias. */
export function createDense(inputs: number, outputs: number, rng: Rng, name: string): DenseLayer {
  const id = uniqueName(name);
  return {
    name,
    kernel: variableFrom(heNormal(rng, inputs, inputs * outputs), [inputs, outputs], `${id}/kernel`),
    bias: variableFrom(new Float32Array(outputs), [outputs], `${id}/bias`),
  };
}

/** Initial values of an adapter's A [in, r]: uniform in ±1/√in (B starts at zero). */
export function adapterInit(inputs: number, rank: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(inputs);
  return new Float32Array(inputs * rank).map(() => rng.uniform(-bound, bound));
}

/**
 * A copy of the layer (sharing its base variables) with a fresh adapter: A uniform in ±1/√in (the usual
 * Kaiming-uniform bound), B = 0.
 */
export function withAdapter(layer: DenseLayer, config: LoraConfig, rng: Rng): DenseLayer {
  const [inputs, outputs] = layer.kernel.shape as [number, number];
  const a = adapterInit(inputs, config.rank, rng);
  const id = uniqueName(`${layer.name}/lora`);
  return {
    ...layer,
    lora: {
      a: variableFrom(a, [inputs, config.rank], `${id}/a`),
      b: variableFrom(new Float32Array(config.rank * outputs), [config.rank, outputs], `${id}/b`),
      scale: config.scale,
    },
  };
}

/**
 * The layer with M members' adapters stacked on its frozen base: member m's A and B initialised exactly as
 * `withAdapter(layer, config, rngs[m])` would.
 */
export function withStackedAdapters(layer: DenseLayer, config: LoraConfig, rngs: readonly Rng[]): DenseLayer {
  const [inputs, outputs] = layer.kernel.shape as [number, number];
  const members = rngs.length, rank = config.rank;
  const a = new Float32Array(members * inputs * rank);
  rngs.forEach((rng, m) => a.set(adapterInit(inputs, rank, rng), m * inputs * rank));
  const id = uniqueName(`${layer.name}/lora`);
  return {
    ...layer,
    lora: {
      a: variableFrom(a, [members, inputs, rank], `${id}/a`),
      b: variableFrom(new Float32Array(members * rank * outputs), [members, rank, outputs], `${id}/b`),
      scale: config.scale,
    },
  };
}

/** s·(x·A)·B for one adapter, or member by member over x's contiguous row blocks for stacked ones. */
function adapterUpdate(lora: LoraAdapter, x: tf.Tensor2D): tf.Tensor2D {
  let update: tf.Tensor2D;
  if (lora.a.rank === 2) update = matMul(matMul(x, lora.a), lora.b);
  else {
    const members = lora.a.shape[0]!, [rows, inputs] = x.shape;
    const perMember = tf.reshape(x, [members, rows / members, inputs]) as tf.Tensor3D;
    const product = memberMatMul(memberMatMul(perMember, lora.a as tf.Tensor3D), lora.b as tf.Tensor3D);
    update = tf.reshape(product, [rows, -1]);
  }
  return lora.scale === 1 ? update : tf.mul(update, lora.scale);
}

/**
 * Applies the layer to x: [n, in] → [n, out]; `useLora: false` gives the frozen base (the reference). A layer
 * with an adapter has a frozen base, so its product gets no weight gradient.
 */
export function applyDense(layer: DenseLayer, x: tf.Tensor2D, useLora = true): tf.Tensor2D {
  return tf.tidy(() => {
    const base = layer.lora ? frozenMatMul(x, layer.kernel) : matMul(x, layer.kernel);
    let y = tf.add(base, layer.bias) as tf.Tensor2D;
    if (useLora && layer.lora) y = tf.add(y, adapterUpdate(layer.lora, x));
    return y;
  });
}

/** The adapter variables of some layers (A then B per layer). */
export function adapterVariables(layers: readonly DenseLayer[]): tf.Variable[] {
  return layers.flatMap((l) => (l.lora ? [l.lora.a, l.lora.b] : []));
}

/** The base variables of some layers (kernel then bias per layer). */
export function baseVariables(layers: readonly DenseLayer[]): tf.Variable[] {
  return layers.flatMap((l) => [l.kernel, l.bias]);
}

/** Releases the adapters only (the base is shared with the model they were attached to). */
export function disposeAdapters(layers: readonly DenseLayer[]): void {
  for (const v of adapterVariables(layers)) v.dispose();
}
