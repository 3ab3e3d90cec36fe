/**
 * Are M transformer bases faster trained as one program? A measurement, not library code: it stacks M bases'
 * weights on a leading member axis ([M, …] for every variable, member m's rows in the m-th block of one
 * batch), runs the forward pass once for all (LayerNorm, attention, GELU and the loss one kernel each for all
 * members; every product a member product, as `memberMatMul` runs it) and trains it with the library's loop
 * (`trainMembers`: member-wise Adam, clipping per member), beside the library's own one-base step
 * (`sequenceLoss`, as `trainLanguageModel` runs it) run M times. Member m's final loss must equal base m's
 * alone; the script says so or exits 1.
 *
 *   deno run -A bench/stacked_bases.ts [--context 16] [--steps 40] [--members 1,2,5]
 *
 * Shapes are the EM base's (d 64, 2 layers, 4 heads, batch 32, vocabulary 503; `--context 24` for
 * sycophancy's), on random token sequences of 13–16 tokens (context − 3 … context).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { matMul, transposeLast } from "../lib/models/matmul.ts";
import { memberMatMul } from "../lib/models/member_matmul.ts";
import { sequenceBatch, type SequenceExample } from "../lib/models/sequence_batch.ts";
import { createTransformer, type Transformer, transformerVariables } from "../lib/models/transformer.ts";
import { sequenceLoss } from "../lib/models/transformer_view.ts";
import { trainMembers } from "../lib/train/loop.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { context: { type: "string" }, steps: { type: "string" }, members: { type: "string" } },
});
const T = Number(args.context ?? 16), STEPS = Number(args.steps ?? 40);
const MEMBERS = (args.members ?? "1,2,5").split(",").map(Number);
const V = 503, B = 32, PAD = 0, D = 64, HEADS = 4;
const CONFIG = { dModel: D, layers: 2, heads: HEADS, context: T, mlpRatio: 4 };
const TRAIN = { learningRate: 1e-3, clipNorm: 1, beta2: 0.98, steps: STEPS };

/** Base `seed`'s batch: B random sequences. */
function examples(seed: number): SequenceExample[] {
  const rng = new Rng(seed, "data");
  return Array.from({ length: B }, () => {
    const tokens = Array.from({ length: T - rng.int(4) }, () => 1 + rng.int(V - 1));
    return { tokens, scored: tokens.map((_, i) => i > 0) };
  });
}

const newBase = (seed: number) => createTransformer(V, CONFIG, new Rng(seed, "model"));

/** The library's step on base `seed` alone: [milliseconds per step, final loss]. */
function alone(seed: number): [number, number] {
  const model = newBase(seed), data = examples(seed);
  const t0 = performance.now();
  const [result] = trainMembers({ members: 1, trainable: transformerVariables(model) }, {
    loss: () => ({ loss: tf.reshape(sequenceLoss(model, sequenceBatch(data, PAD, T)), [1]) }),
  }, TRAIN);
  const ms = (performance.now() - t0) / STEPS;
  tf.dispose(transformerVariables(model));
  return [ms, result!.finalLoss];
}

type Weights = Record<string, tf.Variable>;

/** Bases 0 … M − 1 stacked: each named weight [M, …]. */
function stacked(members: number): Weights {
  const bases = Array.from({ length: members }, (_, m) => newBase(m));
  const named = (t: Transformer): Record<string, tf.Tensor> => ({
    wte: t.tokenEmbedding,
    wpe: t.positionEmbedding,
    finalGain: t.finalNorm.gain,
    finalBias: t.finalNorm.bias,
    ...Object.fromEntries(t.blocks.flatMap((b, l) =>
      Object.entries({
        g1: b.norm1.gain,
        b1: b.norm1.bias,
        qkv: b.qkv.kernel,
        qkvB: b.qkv.bias,
        proj: b.projection.kernel,
        projB: b.projection.bias,
        g2: b.norm2.gain,
        b2: b.norm2.bias,
        up: b.up.kernel,
        upB: b.up.bias,
        down: b.down.kernel,
        downB: b.down.bias,
      }).map(([k, v]) => [`${k}${l}`, v])
    )),
  });
  const parts = bases.map(named);
  const weights = Object.fromEntries(
    Object.keys(parts[0]!).map((k) => [k, tf.tidy(() => tf.variable(tf.stack(parts.map((p) => p[k]!))))]),
  );
  bases.forEach((b) => tf.dispose(transformerVariables(b)));
  return weights;
}

/** [M, d] → [M, 1, d]: member m's vector for its rows. */
const perRow = (v: tf.Tensor) => tf.expandDims(v, 1);

function layerNorm(x: tf.Tensor3D, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
  const { mean, variance } = tf.moments(x, 2, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), perRow(gain)), perRow(bias));
}

const dense = (x: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor): tf.Tensor3D =>
  tf.add(memberMatMul(x, w as tf.Tensor3D), perRow(b));

/** [T, T]: 0 where a position may attend, −1e9 where it may not. */
function causalMask(): tf.Tensor2D {
  const values = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) values[i * T + j] = -1e9;
  return tf.tensor2d(values, [T, T]);
}

interface Batch {
  tokens: tf.Tensor2D;
  targets: tf.Tensor1D;
  mask: tf.Tensor1D;
  counts: tf.Tensor1D;
  causal: tf.Tensor2D;
}

/** Every member's mean cross-entropy, [M]: the transformer's forward pass with a member axis. */
function stackedLoss(w: Weights, batch: Batch, members: number): tf.Tensor1D {
  const rows = B * T, headSize = D / HEADS;
  const ids = tf.reshape(batch.tokens, [-1]) as tf.Tensor1D;
  const looked = memberMatMul(tf.reshape(tf.oneHot(ids, V), [members, rows, V]), w.wte as tf.Tensor3D);
  const positions = tf.expandDims(tf.slice(w.wpe!, [0, 0, 0], [members, T, D]), 1);
  let h = tf.reshape(tf.add(tf.reshape(looked, [members, B, T, D]), positions), [
    members,
    rows,
    D,
  ]) as tf.Tensor3D;
  const split = (x: tf.Tensor) =>
    tf.transpose(tf.reshape(x, [members * B, T, HEADS, headSize]), [0, 2, 1, 3]);
  for (let l = 0; l < CONFIG.layers; l++) {
    const at = (k: string) => w[`${k}${l}`]!;
    const [q, k, v] = tf.split(dense(layerNorm(h, at("g1"), at("b1")), at("qkv"), at("qkvB")), 3, 2);
    const scores = tf.add(
      tf.mul(matMul(split(q!), transposeLast(split(k!))), 1 / Math.sqrt(headSize)),
      batch.causal,
    );
    const attended = matMul(tf.softmax(scores), split(v!));
    const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [members, rows, D]) as tf.Tensor3D;
    h = tf.add(h, dense(merged, at("proj"), at("projB")));
    const up = dense(layerNorm(h, at("g2"), at("b2")), at("up"), at("upB"));
    h = tf.add(h, dense(tf.mul(up, tf.sigmoid(tf.mul(up, 1.702))), at("down"), at("downB")));
  }
  const normed = layerNorm(h, w.finalGain!, w.finalBias!);
  const logits = tf.reshape(memberMatMul(normed, transposeLast(w.wte!) as tf.Tensor3D), [members * rows, V]);
  const logProbs = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(batch.targets, V)), 1);
  const scored = tf.reshape(tf.mul(logProbs, batch.mask), [members, rows]);
  return tf.div(tf.neg(tf.sum(scored, 1)), batch.counts);
}

/** Bases 0 … M − 1 trained as one program: [milliseconds per step, each member's final loss]. */
function together(members: number): [number, number[]] {
  const weights = stacked(members);
  const batch = tf.tidy(() => {
    const parts = Array.from({ length: members }, (_, m) => sequenceBatch(examples(m), PAD, T));
    return {
      tokens: tf.concat(parts.map((p) => p.tokens)),
      targets: tf.concat(parts.map((p) => p.targets)),
      mask: tf.concat(parts.map((p) => p.mask)),
      counts: tf.stack(parts.map((p) => tf.sum(p.mask))),
      causal: causalMask(),
    };
  }) as unknown as Batch;
  const t0 = performance.now();
  const results = trainMembers({ members, trainable: Object.values(weights) }, {
    loss: () => ({ loss: stackedLoss(weights, batch, members) }),
  }, TRAIN);
  const ms = (performance.now() - t0) / STEPS;
  tf.dispose([...Object.values(weights), ...Object.values(batch)]);
  return [ms, results.map((r) => r.finalLoss)];
}

await initBackend();
console.log(`backend ${tf.getBackend()}, context ${T}, ${STEPS} steps; per base and step:`);
alone(9), together(2); // warm-up (and the library's per-context causal mask, kept for the process's life)
const tensors = tf.memory().numTensors;
let agree = true;
for (let round = 1; round <= 2; round++) {
  const single = alone(0)[0];
  const line = [`round ${round}: one base alone ${single.toFixed(1)} ms`];
  for (const members of MEMBERS) {
    const [ms, losses] = together(members);
    const expected = Array.from({ length: members }, (_, m) => alone(m)[1]);
    agree &&= losses.every((loss, m) => Math.abs(loss - expected[m]!) <= 1e-5 * Math.abs(expected[m]!));
    line.push(`${members} stacked ${(ms / members).toFixed(1)} ms (${(single * members / ms).toFixed(2)}x)`);
  }
  console.log(line.join(", "));
}
console.log(
  agree
    ? "every member's final loss equals its base's alone (to 1e-5)"
    : "a member's loss differs from alone",
);
console.log(`tensors not released: ${tf.memory().numTensors - tensors}`);
if (!agree) Deno.exit(1);
