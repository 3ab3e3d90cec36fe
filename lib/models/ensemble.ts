/**
 * An ensemble of M toy classifiers trained as one program: every weight carries a leading member axis, so
 * M independent models (seeds, proxy conditions, hyper-parameters) train by member products instead of M
 * separate loops. Member m of an ensemble computes exactly what the same model computes alone: rows never mix
 * across members, and each member's loss is its own mean over its own rows (padding rows weigh zero).
 *
 * Two kinds: `createEnsemble` trains every weight (stage 1: one base per seed); `adaptEnsemble` freezes a base
 * (shared by all members, or one per member) and trains stacked LoRA adapters on it (stages 2–3). With a frozen
 * first layer and constant inputs, x·W₁ + b₁ is computed once per batch (`prepareBatch`) instead of every step.
 * Later frozen layers that are wide run their adapter apart, x·W + s·(x·A)·B, so the base's product needs no
 * weight gradient and, with a shared base, is one 2-D product over every member's rows (`splitsAdapter`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../data/rng.ts";
import { adapterInit, type DenseLayer, heNormal, type LoraConfig, uniqueName, variableFrom } from "./lora.ts";
import { transposeLast } from "./matmul.ts";
import {
  type ConstantInput,
  constantInput,
  type ConstantWeight,
  constantWeight,
  memberMatMul,
} from "./member_matmul.ts";
import type { Classifier, MlpConfig } from "./mlp.ts";

/** One layer of the ensemble. */
export interface EnsembleLayer {
  /**
   * Trainable [M, in, out] kernels (stage 1), or frozen base kernels ([1, in, out] shared, or [M, in, out]) with
   * their product ready (`constantWeight`: no gradient for the base).
   */
  kernel: { variable: tf.Variable<tf.Rank.R3> } | { frozen: tf.Tensor3D; product: ConstantWeight };
  /** [M or 1, 1, out]: a variable when the kernel is trainable. */
  bias: tf.Tensor3D;
  /** Stacked adapters A [M, in, r], B [M, r, out]. */
  lora?: { a: tf.Variable<tf.Rank.R3>; b: tf.Variable<tf.Rank.R3>; scale: number };
}

/** M classifiers with stacked weights. */
export interface ClassifierEnsemble {
  members: number;
  inputWidth: number;
  classes: number;
  layers: EnsembleLayer[];
}

/** M new classifiers, member m initialised exactly as `createClassifier(…, rngs[m])` would. */
export function createEnsemble(
  inputWidth: number,
  classes: number,
  config: MlpConfig,
  rngs: readonly Rng[],
): ClassifierEnsemble {
  const widths = [inputWidth, ...config.hidden, classes];
  const layers = widths.slice(1).map((out, i): EnsembleLayer => {
    const inputs = widths[i]!;
    const values = stackValues(rngs.map((rng) => heNormal(rng.fork(`layer${i}`), inputs, inputs * out)));
    const id = uniqueName(`ensemble/${i}`);
    return {
      kernel: {
        variable: variableFrom(values, [rngs.length, inputs, out], `${id}/kernel`) as tf.Variable<tf.Rank.R3>,
      },
      bias: variableFrom(
        new Float32Array(rngs.length * out),
        [rngs.length, 1, out],
        `${id}/bias`,
      ) as tf.Variable<
        tf.Rank.R3
      >,
    };
  });
  return { members: rngs.length, inputWidth, classes, layers };
}

/**
 * LoRA fine-tunes as an ensemble: the bases' weights frozen (one base shared by every member, or one base per
 * member), member m's adapters initialised exactly as `attachLora(base, config, rngs[m])` would.
 */
export function adaptEnsemble(
  bases: readonly Classifier[],
  config: LoraConfig,
  rngs: readonly Rng[],
): ClassifierEnsemble {
  const first = bases[0];
  if (!first || (bases.length !== 1 && bases.length !== rngs.length)) {
    throw new Error(
      `Cannot adapt: give one shared base or one base per member (${rngs.length}), not ${bases.length}`,
    );
  }
  const layers = first.layers.map((layer, i): EnsembleLayer => {
    const [inputs, outputs] = layer.kernel.shape as [number, number];
    const id = uniqueName(`ensemble/${layer.name}/lora`);
    const frozen = tf.tidy(() => tf.stack(bases.map((b) => b.layers[i]!.kernel)) as tf.Tensor3D);
    const a = stackValues(rngs.map((rng) => adapterInit(inputs, config.rank, rng.fork(`lora${i}`))));
    return {
      kernel: { frozen, product: constantWeight(frozen) },
      bias: tf.tidy(() =>
        tf.reshape(tf.stack(bases.map((b) => b.layers[i]!.bias)), [bases.length, 1, outputs])
      ),
      lora: {
        a: variableFrom(a, [rngs.length, inputs, config.rank], `${id}/a`) as tf.Variable<tf.Rank.R3>,
        b: variableFrom(
          new Float32Array(rngs.length * config.rank * outputs),
          [rngs.length, config.rank, outputs],
          `${id}/b`,
        ) as tf.Variable<tf.Rank.R3>,
        scale: config.scale,
      },
    };
  });
  return { members: rngs.length, inputWidth: first.inputWidth, classes: first.classes, layers };
}

/** The variables to train: the adapters if any, else every kernel and bias. */
export function ensembleVariables(ensemble: ClassifierEnsemble): tf.Variable[] {
  return ensemble.layers.flatMap((l) => {
    if (l.lora) return [l.lora.a, l.lora.b];
    return "variable" in l.kernel ? [l.kernel.variable, l.bias as tf.Variable] : [];
  });
}

/** Releases everything the ensemble owns (adapted ensembles own copies of their frozen base). */
export function disposeEnsemble(ensemble: ClassifierEnsemble): void {
  for (const l of ensemble.layers) {
    if ("variable" in l.kernel) l.kernel.variable.dispose();
    else {
      l.kernel.frozen.dispose();
      l.kernel.product.dispose();
    }
    l.bias.dispose();
    if (l.lora) tf.dispose([l.lora.a, l.lora.b]);
  }
}

/** Rows for an ensemble: inputs for every member (or [1, n, in] shared by all) and optional targets. */
export interface EnsembleBatch {
  /** [M or 1, n, in] */
  inputs: tf.Tensor3D;
  /** [M, n, classes]: one-hot labels divided by the member's row count; zero rows are padding. */
  targets?: tf.Tensor3D;
  /** Real rows per member. */
  sizes: number[];
  /** The frozen first layer applied once, x·W₁ + b₁ (adapted ensembles). */
  firstBase?: tf.Tensor3D;
  /** Per-member inputs wrapped as constants: the first layer's trainable weights multiply them. */
  constant?: ConstantInput;
}

/**
 * A batch from per-member host rows (`inputs[m]`: n_m × inputWidth values, `labels[m]`: n_m labels), padded to
 * the longest member, with the first layer prepared for `ensemble`. Release with `disposeEnsembleBatch`.
 */
export function memberBatch(
  ensemble: ClassifierEnsemble,
  inputs: readonly Float32Array[],
  labels: readonly Int32Array[],
): EnsembleBatch {
  const { members, inputWidth: width, classes } = ensemble;
  if (inputs.length !== members || labels.length !== members) {
    throw new Error(
      `Cannot batch: ${inputs.length} inputs and ${labels.length} labels for ${members} members`,
    );
  }
  const sizes = labels.map((l) => l.length);
  const n = Math.max(...sizes);
  const x = new Float32Array(members * n * width);
  const t = new Float32Array(members * n * classes);
  for (let m = 0; m < members; m++) {
    if (inputs[m]!.length !== sizes[m]! * width) {
      throw new Error(`Cannot batch member ${m}: ${inputs[m]!.length} input values for ${sizes[m]} rows`);
    }
    x.set(inputs[m]!, m * n * width);
    labels[m]!.forEach((label, i) => t[(m * n + i) * classes + label] = 1 / sizes[m]!);
  }
  return prepareBatch(ensemble, {
    inputs: tf.tensor3d(x, [members, n, width]),
    targets: tf.tensor3d(t, [members, n, classes]),
    sizes,
  });
}

/** Rows shared by every member (evaluation): inputs [n, in] become [1, n, in]; the batch takes ownership. */
export function sharedBatch(ensemble: ClassifierEnsemble, inputs: tf.Tensor2D): EnsembleBatch {
  const n = inputs.shape[0];
  const batch = { inputs: tf.reshape(inputs, [1, n, inputs.shape[1]]) as tf.Tensor3D, sizes: [n] };
  inputs.dispose();
  return prepareBatch(ensemble, batch);
}

function prepareBatch(ensemble: ClassifierEnsemble, batch: EnsembleBatch): EnsembleBatch {
  const first = ensemble.layers[0]!;
  if ("frozen" in first.kernel) {
    const frozen = first.kernel.frozen;
    batch.firstBase = tf.tidy(() => tf.add(memberMatMul(batch.inputs, frozen), first.bias) as tf.Tensor3D);
  }
  if (batch.inputs.shape[0] === ensemble.members) batch.constant = constantInput(batch.inputs);
  return batch;
}

/** Releases a batch's tensors. */
export function disposeEnsembleBatch(batch: EnsembleBatch): void {
  tf.dispose([
    batch.inputs,
    ...(batch.targets ? [batch.targets] : []),
    ...(batch.firstBase ? [batch.firstBase] : []),
  ]);
  batch.constant?.dispose();
}

/** The outputs of an ensemble's forward pass. */
export interface EnsembleForward {
  /** [M, n, classes] */
  logits: tf.Tensor3D;
  /** One [M, n, width] activation per hidden layer (after ReLU). */
  hidden: tf.Tensor3D[];
}

/** Options of `ensembleForward`. */
export interface EnsembleForwardOptions {
  /** false runs the frozen bases without adapters (the reference). Default true. */
  useLora?: boolean;
  /**
   * Per hidden layer, an orthonormal basis U projected out of the activations, h ← h − (h·U)·Uᵀ (concept
   * ablation): [M, width, k], one per member, or [width, k] shared by all; null or missing leaves a layer alone.
   */
  ablation?: readonly (tf.Tensor3D | tf.Tensor2D | null)[];
  /** Per hidden layer, a vector per member [M, width] added to the activation (after ReLU and any ablation). */
  steer?: readonly (tf.Tensor2D | null)[];
  /** Collects each layer's input [M or 1, n, in], first layer first (to read what the adapters see). */
  inputs?: tf.Tensor3D[];
}

/** Runs every member on its rows. `useLora: false` runs the frozen bases. Call inside `tf.tidy`. */
export function ensembleForward(
  ensemble: ClassifierEnsemble,
  batch: EnsembleBatch,
  options: EnsembleForwardOptions = {},
): EnsembleForward {
  const hidden: tf.Tensor3D[] = [];
  let h = batch.inputs;
  const useLora = options.useLora ?? true;
  ensemble.layers.forEach((layer, i) => {
    options.inputs?.push(h);
    const lora = useLora ? layer.lora : undefined;
    let y: tf.Tensor3D;
    if ("variable" in layer.kernel) {
      const kernel = layer.kernel.variable;
      y = tf.add(
        i === 0 && batch.constant ? batch.constant.apply(kernel) : memberMatMul(h, kernel),
        layer.bias,
      );
    } else if (i === 0 && batch.firstBase) {
      // x·W₁ + b₁ is constant: only the adapter's path, s·(x·A)·B, is computed per step.
      y = batch.firstBase;
      if (lora) {
        const xa = batch.constant ? batch.constant.apply(lora.a) : memberMatMul(h, lora.a);
        y = tf.add(y, scaled(memberMatMul(xa, lora.b), lora.scale));
      }
    } else if (!lora) {
      y = tf.add(layer.kernel.product.apply(h), layer.bias);
    } else if (splitsAdapter(layer.kernel.frozen, lora.a)) {
      // x·W + s·(x·A)·B: the base's product needs no weight gradient (and is one 2-D product over every
      // member's rows when the base is shared); only the thin adapter products are per member.
      const adapter = scaled(memberMatMul(memberMatMul(h, lora.a), lora.b), lora.scale);
      y = tf.add(tf.add(layer.kernel.product.apply(h), adapter), layer.bias);
    } else {
      // A narrow layer: one product per member with the merged weight W + s·A·B is fewer kernels.
      const weight = tf.add(
        layer.kernel.frozen,
        scaled(tf.matMul(lora.a, lora.b), lora.scale),
      ) as tf.Tensor3D;
      y = tf.add(memberMatMul(h, weight), layer.bias);
    }
    if (i < ensemble.layers.length - 1) {
      y = tf.relu(y);
      const given = options.ablation?.[i];
      if (given) {
        const basis = (given.rank === 2 ? tf.expandDims(given, 0) : given) as tf.Tensor3D;
        y = tf.sub(y, memberMatMul(memberMatMul(y, basis), transposeLast(basis) as tf.Tensor3D));
      }
      const shift = options.steer?.[i];
      if (shift) y = tf.add(y, tf.expandDims(shift, 1));
      hidden.push(y);
    }
    h = y;
  });
  return { logits: h, hidden };
}

/**
 * Whether a frozen layer runs its adapter apart (x·W + s·(x·A)·B) rather than merged (x·(W + s·A·B)): the merged
 * weight's gradient costs n·in·out multiply-adds per member, the split path's extra rank-r products about
 * 2·n·r·(in + out), so wide layers split and narrow ones (a 3-class head) merge.
 */
function splitsAdapter(frozen: tf.Tensor3D, a: tf.Tensor3D): boolean {
  const [inputs, outputs] = [frozen.shape[1], frozen.shape[2]];
  return inputs * outputs > 2 * a.shape[2] * (inputs + outputs);
}

function scaled<T extends tf.Tensor>(x: T, scale: number): T {
  return scale === 1 ? x : tf.mul(x, scale);
}

/** Per-member mean cross-entropy [M] of logits against a batch's weighted one-hot targets. */
export function memberCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), [1, 2])) as tf.Tensor1D);
}

/** Per member, how many real rows the logits classify correctly [M] (targets mark the real rows). */
export function memberCorrect(logits: tf.Tensor3D, targets: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const predicted = tf.oneHot(tf.argMax(logits, -1), logits.shape[2]);
    return tf.sum(tf.mul(predicted, tf.cast(tf.greater(targets, 0), "float32")), [1, 2]) as tf.Tensor1D;
  });
}

/** Predicted classes of every member on a batch's rows: one Int32Array of n per member. */
export function ensemblePredict(ensemble: ClassifierEnsemble, batch: EnsembleBatch): Int32Array[] {
  const predicted = tf.tidy(() => tf.argMax(ensembleForward(ensemble, batch).logits, -1));
  const values = predicted.dataSync() as Int32Array;
  const [members, n] = predicted.shape as [number, number];
  predicted.dispose();
  return Array.from({ length: members }, (_, m) => values.slice(m * n, (m + 1) * n));
}

/**
 * Member m as a standalone classifier (new variables holding its values). For adapted ensembles pass the base
 * it was adapted from: the result shares that base's variables and owns fresh adapters.
 */
export function memberClassifier(ensemble: ClassifierEnsemble, m: number, base?: Classifier): Classifier {
  const slice = (t: tf.Tensor3D) => tf.tidy(() => tf.squeeze(tf.slice(t, [m, 0, 0], [1, -1, -1]), [0]));
  const layers = ensemble.layers.map((layer, i): DenseLayer => {
    if ("variable" in layer.kernel) {
      const name = `mlp/${i}`, id = uniqueName(name);
      const kernel = layer.kernel.variable, bias = layer.bias;
      return {
        name,
        kernel: tf.tidy(() => tf.variable(slice(kernel), true, `${id}/kernel`)),
        bias: tf.tidy(() => tf.variable(tf.reshape(slice(bias), [-1]), true, `${id}/bias`)),
      };
    }
    const baseLayer = base?.layers[i];
    if (!baseLayer || !layer.lora) throw new Error("Cannot extract an adapted member without its base");
    const id = uniqueName(`${baseLayer.name}/lora`);
    const a = slice(layer.lora.a), b = slice(layer.lora.b);
    const out: DenseLayer = {
      ...baseLayer,
      lora: {
        a: tf.variable(a, true, `${id}/a`),
        b: tf.variable(b, true, `${id}/b`),
        scale: layer.lora.scale,
      },
    };
    tf.dispose([a, b]);
    return out;
  });
  return { layers, inputWidth: ensemble.inputWidth, classes: ensemble.classes };
}

function stackValues(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
