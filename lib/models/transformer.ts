/**
 * A tiny decoder-only transformer (GPT-2 style): pre-LayerNorm blocks, learned positions, tied input/output
 * embeddings, GELU MLP (sigmoid form), causal multi-head attention. d ≈ 64, 2 layers, 4 heads, context 16–24: ~120k
 * parameters, small enough to train on a laptop CPU. Every projection is a `DenseLayer`, so LoRA adapters
 * attach to all of them; the residual stream after each block is returned for hidden-state strategies.
 *
 * Shapes: B batch, T positions, d model width, H heads, V vocabulary. Activations are kept 2-D
 * ([B·T, d]) between blocks so that dense layers and LoRA stay plain matmuls.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type { Rng } from "../data/rng.ts";
import { applyDense, type DenseLayer, uniqueName, variableFrom } from "./lora.ts";
import { constantLeftMatMul, frozenMatMul, matMul, transposeLast } from "./matmul.ts";
import { memberMatMul } from "./member_matmul.ts";

/** Transformer shape. */
export const TransformerSchema = z.strictObject({
  dModel: z.int().positive().max(4096).default(64),
  layers: z.int().positive().max(64).default(2),
  heads: z.int().positive().max(64).default(4),
  /** Longest sequence (learned positions). */
  context: z.int().positive().max(4096).default(16),
  /** MLP width as a multiple of dModel. */
  mlpRatio: z.int().positive().max(16).default(4),
}).refine((c) => c.dModel % c.heads === 0, { message: "dModel must be divisible by heads", path: ["heads"] });

/** Validated transformer shape. */
export type TransformerConfig = z.output<typeof TransformerSchema>;

/** LayerNorm's learned gain and bias, each [d]. */
export interface LayerNorm {
  gain: tf.Variable;
  bias: tf.Variable;
}

/** One pre-LN block: x + attn(LN(x)), then x + MLP(LN(x)). */
export interface Block {
  norm1: LayerNorm;
  /** [d, 3d]: queries, keys and values in one matmul. */
  qkv: DenseLayer;
  /** [d, d] */
  projection: DenseLayer;
  norm2: LayerNorm;
  /** [d, mlpRatio·d] */
  up: DenseLayer;
  /** [mlpRatio·d, d] */
  down: DenseLayer;
}

/** The model's parameters. */
export interface Transformer {
  config: TransformerConfig;
  vocabSize: number;
  /** [V, d], also the output projection (tied). */
  tokenEmbedding: tf.Variable;
  /** [context, d] */
  positionEmbedding: tf.Variable;
  blocks: Block[];
  finalNorm: LayerNorm;
}

/** Forward-pass options (as for the toy classifier). */
export interface TransformerForwardOptions {
  /** false runs the frozen base without adapters (the reference). Default true. */
  useLora?: boolean;
  /**
   * Per block, an orthonormal basis [d, k] projected out of the residual stream after it (concept ablation);
   * [M, d, k] gives each member of stacked adapters its own.
   */
  ablation?: readonly (tf.Tensor2D | tf.Tensor3D | null)[];
  /**
   * Per block, a vector [M, d] added to the residual stream after it (after any ablation), member m's to its
   * rows (M = 1 for a single model).
   */
  steer?: readonly (tf.Tensor2D | null)[];
  /** Collects every dense layer's input [B·T, in], in the order of `transformerDenseLayers`. */
  inputs?: tf.Tensor2D[];
  /**
   * Logits at each sequence's last position only, [B, V] (scoring a next token): the final norm and the
   * unembedding run on B rows instead of B·T. `hidden` is unchanged.
   */
  lastPosition?: boolean;
}

function normal(rng: Rng, size: number, std: number): Float32Array {
  return Float32Array.from({ length: size }, () => std * rng.normal());
}

function dense(rng: Rng, inputs: number, outputs: number, std: number, name: string): DenseLayer {
  const id = uniqueName(name);
  return {
    name,
    kernel: variableFrom(normal(rng, inputs * outputs, std), [inputs, outputs], `${id}/kernel`),
    bias: variableFrom(new Float32Array(outputs), [outputs], `${id}/bias`),
  };
}

function layerNormParams(d: number, name: string): LayerNorm {
  const id = uniqueName(name);
  return {
    gain: variableFrom(new Float32Array(d).fill(1), [d], `${id}/gain`),
    bias: variableFrom(new Float32Array(d), [d], `${id}/bias`),
  };
}

/** A new transformer; weights N(0, 0.02), residual projections scaled by 1/√(2·layers) as in GPT-2. */
export function createTransformer(vocabSize: number, config: TransformerConfig, rng: Rng): Transformer {
  const d = config.dModel, std = 0.02, residualStd = std / Math.sqrt(2 * config.layers);
  const id = uniqueName("transformer");
  return {
    config,
    vocabSize,
    tokenEmbedding: variableFrom(normal(rng.fork("wte"), vocabSize * d, std), [vocabSize, d], `${id}/wte`),
    positionEmbedding: variableFrom(
      normal(rng.fork("wpe"), config.context * d, std),
      [config.context, d],
      `${id}/wpe`,
    ),
    blocks: Array.from({ length: config.layers }, (_, l) => {
      const r = rng.fork(`block${l}`);
      return {
        norm1: layerNormParams(d, `block${l}/norm1`),
        qkv: dense(r.fork("qkv"), d, 3 * d, std, `block${l}/qkv`),
        projection: dense(r.fork("proj"), d, d, residualStd, `block${l}/projection`),
        norm2: layerNormParams(d, `block${l}/norm2`),
        up: dense(r.fork("up"), d, config.mlpRatio * d, std, `block${l}/up`),
        down: dense(r.fork("down"), config.mlpRatio * d, d, residualStd, `block${l}/down`),
      };
    }),
    finalNorm: layerNormParams(d, "final-norm"),
  };
}

/** The dense layers of a transformer (where LoRA adapters go), block by block. */
export function transformerDenseLayers(model: Transformer): DenseLayer[] {
  return model.blocks.flatMap((b) => [b.qkv, b.projection, b.up, b.down]);
}

/** Every base variable of a transformer. */
export function transformerVariables(model: Transformer): tf.Variable[] {
  const norms = [...model.blocks.flatMap((b) => [b.norm1, b.norm2]), model.finalNorm];
  return [
    model.tokenEmbedding,
    model.positionEmbedding,
    ...transformerDenseLayers(model).flatMap((l) => [l.kernel, l.bias]),
    ...norms.flatMap((n) => [n.gain, n.bias]),
  ];
}

/** How many parameters the base has. */
export function parameterCount(model: Transformer): number {
  return transformerVariables(model).reduce((s, v) => s + v.size, 0);
}

function layerNorm(x: tf.Tensor2D, p: LayerNorm): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(
    tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), p.gain),
    p.bias,
  ) as tf.Tensor2D;
}

/**
 * GELU in its sigmoid form, x·σ(1.702·x) (Hendrycks & Gimpel 2016, §2; "quick GELU"). The tanh form is 14x
 * slower on the WASM backend (tanh and pow are not vectorised there: 16 ms vs 1.2 ms for [1024, 256]).
 */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

const causalMasks = new Map<string, tf.Tensor2D>();
/**
 * [T, T] with 0 where a position may attend and −1e9 where it may not (kept for the process's life), one
 * per backend: a tensor made on WebGPU cannot be read synchronously when another backend takes it.
 */
function causalMask(t: number): tf.Tensor2D {
  const key = `${tf.getBackend()}/${t}`;
  let mask = causalMasks.get(key);
  if (!mask) {
    const values = new Float32Array(t * t);
    for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) values[i * t + j] = -1e9;
    mask = tf.keep(tf.tensor2d(values, [t, t]));
    causalMasks.set(key, mask);
  }
  return mask;
}

/** (h·U)·Uᵀ for a basis U [d, k], or member by member over h's row blocks for bases [M, d, k]. */
function projectionOnto(h: tf.Tensor2D, basis: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
  if (basis.rank === 2) return matMul(matMul(h, basis), tf.transpose(basis));
  const members = basis.shape[0], [rows, d] = h.shape;
  const perMember = tf.reshape(h, [members, rows / members, d]) as tf.Tensor3D;
  const coordinates = memberMatMul(perMember, basis as tf.Tensor3D);
  return tf.reshape(memberMatMul(coordinates, transposeLast(basis) as tf.Tensor3D), [rows, d]);
}

/** h + v for h's row blocks [M·rows, d], member m's rows shifted by v[m] ([M, d]). */
function shifted(h: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
  if (v.shape[0] === 1) return tf.add(h, v);
  const [rows, d] = h.shape;
  const perMember = tf.reshape(h, [v.shape[0], rows / v.shape[0], d]);
  return tf.reshape(tf.add(perMember, tf.expandDims(v, 1)), [rows, d]);
}

/** The outputs of a forward pass. */
export interface TransformerOutput {
  /** [B·T, V]: row b·T + t predicts the token at t + 1 of sequence b ([B, V] with `lastPosition`). */
  logits: tf.Tensor2D;
  /** The residual stream after each block, [B·T, d]. */
  hidden: tf.Tensor2D[];
}

/** Runs the model on token ids [B, T]. Call inside `tf.tidy` or dispose the result. */
export function transformerForward(
  model: Transformer,
  tokens: tf.Tensor2D,
  options: TransformerForwardOptions = {},
): TransformerOutput {
  const [batch, length] = tokens.shape;
  const { dModel: d, heads } = model.config;
  if (length > model.config.context) {
    throw new Error(`Cannot run ${length} positions: the model's context is ${model.config.context}`);
  }
  const headSize = d / heads, useLora = options.useLora ?? true;
  const positions = tf.slice(model.positionEmbedding, [0, 0], [length, d]);
  // Embedding lookup as one-hot · E: tf.gather's gradient needs UnsortedSegmentSum, which WASM lacks (and its
  // forward is slower there: 2.9 ms for 480 rows of 64).
  const ids = tf.reshape(tokens, [-1]) as tf.Tensor1D;
  const looked = constantLeftMatMul(tf.oneHot(ids, model.vocabSize), model.tokenEmbedding);
  const embedded = tf.reshape(looked, [batch, length, d]);
  let h = tf.reshape(tf.add(embedded, positions), [batch * length, d]) as tf.Tensor2D; // broadcast: tf.tile is slow
  const split = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, length, heads, headSize]), [0, 2, 1, 3]);
  const hidden: tf.Tensor2D[] = [];
  const dense = (layer: DenseLayer, x: tf.Tensor2D) => {
    options.inputs?.push(x);
    return applyDense(layer, x, useLora);
  };
  model.blocks.forEach((block, l) => {
    const [q, k, v] = tf.split(dense(block.qkv, layerNorm(h, block.norm1)), 3, 1);
    const scores = tf.add(
      tf.mul(matMul(split(q!), transposeLast(split(k!))), 1 / Math.sqrt(headSize)),
      causalMask(length),
    );
    const attended = matMul(tf.softmax(scores), split(v!)); // [B, H, T, headSize]
    const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * length, d]) as tf.Tensor2D;
    h = tf.add(h, dense(block.projection, merged));
    h = tf.add(h, dense(block.down, gelu(dense(block.up, layerNorm(h, block.norm2))) as tf.Tensor2D));
    const basis = options.ablation?.[l], shift = options.steer?.[l];
    if (basis) h = tf.sub(h, projectionOnto(h, basis));
    if (shift) h = shifted(h, shift);
    hidden.push(h);
  });
  // Under LoRA the tied embedding is frozen: no weight gradient, and its transpose back is itself.
  const last = options.lastPosition
    ? tf.reshape(tf.slice(tf.reshape(h, [batch, length, d]), [0, length - 1, 0], [batch, 1, d]), [batch, d])
    : h;
  const normed = layerNorm(last as tf.Tensor2D, model.finalNorm), embedding = model.tokenEmbedding;
  const logits = model.blocks.some((b) => b.qkv.lora)
    ? frozenMatMul(normed, tf.transpose(embedding), embedding)
    : matMul(normed, tf.transpose(embedding));
  return { logits, hidden };
}

/** Releases every base variable. */
export function disposeTransformer(model: Transformer): void {
  for (const v of transformerVariables(model)) v.dispose();
}
