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
import { matMul } from "./matmul.ts";

/** LoRA settings. */
export const LoraSchema = z.strictObject({
  /** Rank r of the update B·A. */
  rank: z.int().positive().max(256).default(4),
  /** Multiplier of the adapter's output (α / r in the paper's notation). */
  scale: z.number().positive().max(1000).default(1),
});

/** Validated LoRA settings. */
export type LoraConfig = z.output<typeof LoraSchema>;

/** A low-rank adapter on one dense layer. */
export interface LoraAdapter {
  /** [in, r] */
  a: tf.Variable;
  /** [r, out], zero at the start */
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

/** Applies the layer to x: [n, in] → [n, out]; `useLora: false` gives the frozen base (the reference). */
export function applyDense(layer: DenseLayer, x: tf.Tensor2D, useLora = true): tf.Tensor2D {
  return tf.tidy(() => {
    let y = tf.add(matMul(x, layer.kernel), layer.bias) as tf.Tensor2D;
    if (useLora && layer.lora) {
      const update = matMul(matMul(x, layer.lora.a), layer.lora.b);
      y = tf.add(y, layer.lora.scale === 1 ? update : tf.mul(update, layer.lora.scale));
    }
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
