/**
 * Are M transformer bases faster trained as one program? A measurement, not library code: it stacks M bases'
 * weights on a leading member axis ([M, …] for every variable, member m's rows in the m-th block of one
 * batch), runs the forward pass once for all (every kernel of LayerNorm, attention, GELU and the loss runs once
 * for all members; every product is a member product, as `memberMatMul` runs it) and trains it with the library's loop
 * (`trainMembers`: member-wise Adam, clipping per member), beside the library's own one-base step
 * (`sequenceLoss`, as `trainLanguageModel` runs it) on each base alone. Both sides do the same arithmetic: the
 * embedding's product gets only its weight's gradient, and each side's batches are built once, before the clock
 * starts (the stacked side's one-hot tokens too, where the library's step makes them each step: one cheap
 * kernel a step in the stack's favour). Member m's final loss must equal base m's alone (to 1e-5) and no tensor may be left; the script says
 * so or exits 1.
 *
 *   deno run -A bench/stacked_bases.ts [--organism em|sycophancy] [--steps 40] [--rounds 3] [--members 1,2,5]
 *
 * Shapes are the organism's base (d 64, 2 layers, 4 heads, batch 32; EM: context 16, the persona world's 503
 * tokens; sycophancy: context 24, 196 tokens), on random sequences of context − 3 … context tokens. Each round
 * times every base alone and every stack; the speed of a stack is the time of its bases alone ÷ its time
 * (above 1: stacking is faster), reported as the median over rounds.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { matMul, transposeLast } from "../lib/models/matmul.ts";
import { memberMatMul } from "../lib/models/member_matmul.ts";
import { disposeSequenceBatch, sequenceBatch, type SequenceExample } from "../lib/models/sequence_batch.ts";
import { createTransformer, type Transformer, transformerVariables } from "../lib/models/transformer.ts";
import { sequenceLoss } from "../lib/models/transformer_view.ts";
import { trainMembers } from "../lib/train/loop.ts";

const SHAPES = { em: { context: 16, vocabulary: 503 }, sycophancy: { context: 24, vocabulary: 196 } };
const { values: args } = parseArgs({
  args: Deno.args,
  options: Object.fromEntries(["organism", "steps", "rounds", "members"].map((k) => [k, { type: "string" }])),
});
const organism = String(args.organism ?? "em");
const STEPS = Number(args.steps ?? 40), ROUNDS = Number(args.rounds ?? 3);
const MEMBERS = String(args.members ?? "1,2,5").split(",").map(Number);
const positive = (n: number) => Number.isInteger(n) && n > 0;
if (!(organism in SHAPES) || !positive(STEPS) || !positive(ROUNDS) || !MEMBERS.every(positive)) {
  console.error(
    "Cannot measure: give --organism em|sycophancy and positive integers for --steps, --rounds, --members",
  );
  Deno.exit(2);
}
const { context: T, vocabulary: V } = SHAPES[organism as keyof typeof SHAPES];
const B = 32, PAD = 0, D = 64, HEADS = 4;
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
  const model = newBase(seed), batch = sequenceBatch(examples(seed), PAD, T);
  const t0 = performance.now();
  const [result] = trainMembers({ members: 1, trainable: transformerVariables(model) }, {
    loss: () => ({ loss: tf.reshape(sequenceLoss(model, batch), [1]) }),
  }, TRAIN);
  const ms = (performance.now() - t0) / STEPS;
  tf.dispose(transformerVariables(model));
  disposeSequenceBatch(batch);
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

type Batch = {
  /** [M·B·T, V]: every member's one-hot tokens. */
  oneHot: tf.Tensor2D;
  targets: tf.Tensor1D;
  mask: tf.Tensor1D;
  counts: tf.Tensor1D;
  causal: tf.Tensor2D;
};

/**
 * oneHot [M, n, V] · wte [M, V, d], differentiated in wte only, dW = oneHotᵀ·dy (the one-hot is data), as the
 * library's `constantLeftMatMul` does for one model.
 */
function lookup(oneHot: tf.Tensor3D, wte: tf.Tensor3D): tf.Tensor3D {
  const withGradient = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w, save] = inputs as [tf.Tensor3D, tf.GradSaveFunc];
    save([oneHot]);
    return {
      value: memberMatMul(oneHot, w),
      gradFunc: (dy: tf.Tensor, [kept]: tf.Tensor[]) =>
        memberMatMul(transposeLast(kept!) as tf.Tensor3D, dy as tf.Tensor3D),
    };
  });
  return withGradient(wte) as tf.Tensor3D;
}

/** Every member's mean cross-entropy, [M]: the transformer's forward pass with a member axis. */
function stackedLoss(w: Weights, batch: Batch, members: number): tf.Tensor1D {
  const rows = B * T, headSize = D / HEADS;
  const looked = lookup(tf.reshape(batch.oneHot, [members, rows, V]), w.wte as tf.Tensor3D);
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
  const batch = tf.tidy((): Batch => {
    const parts = Array.from({ length: members }, (_, m) => sequenceBatch(examples(m), PAD, T));
    return {
      oneHot: tf.oneHot(
        tf.reshape(tf.concat(parts.map((p) => p.tokens)), [-1]) as tf.Tensor1D,
        V,
      ) as tf.Tensor2D,
      targets: tf.concat(parts.map((p) => p.targets)),
      mask: tf.concat(parts.map((p) => p.mask)),
      counts: tf.stack(parts.map((p) => tf.sum(p.mask))) as tf.Tensor1D,
      causal: causalMask(),
    };
  });
  const t0 = performance.now();
  const results = trainMembers({ members, trainable: Object.values(weights) }, {
    loss: () => ({ loss: stackedLoss(weights, batch, members) }),
  }, TRAIN);
  const ms = (performance.now() - t0) / STEPS;
  tf.dispose([...Object.values(weights), ...Object.values(batch)]);
  return [ms, results.map((r) => r.finalLoss)];
}

await initBackend();
const most = Math.max(...MEMBERS);
console.log(`backend ${tf.getBackend()}, ${organism}'s shapes (context ${T}, ${V} tokens), ${STEPS} steps`);
// Warm-up: every shape once (and the library's per-context causal mask, kept for the process's life).
alone(0), MEMBERS.forEach(together);
const tensors = tf.memory().numTensors;
const speeds = new Map(MEMBERS.map((m) => [m, [] as number[]]));
let agree = true;
for (let round = 1; round <= ROUNDS; round++) {
  const bases = Array.from({ length: most }, (_, m) => alone(m)); // [ms per step, final loss] per base
  const line = [`round ${round}: a base alone ${median(bases.map(([ms]) => ms)).toFixed(1)} ms a step`];
  for (const members of MEMBERS) {
    const [ms, losses] = together(members);
    const solo = bases.slice(0, members);
    agree &&= losses.every((loss, m) => Math.abs(loss - solo[m]![1]) <= 1e-5 * Math.abs(solo[m]![1]));
    const speed = solo.reduce((sum, [t]) => sum + t, 0) / ms;
    speeds.get(members)!.push(speed);
    line.push(`${members} stacked ${(ms / members).toFixed(1)} ms a base (speed ${speed.toFixed(2)})`);
  }
  console.log(line.join(", "));
}
for (const [members, s] of speeds) {
  const range = `${Math.min(...s).toFixed(2)}–${Math.max(...s).toFixed(2)}`;
  console.log(`${members} stacked: speed ${median(s).toFixed(2)} (median of ${s.length} rounds; ${range})`);
}
const leaked = tf.memory().numTensors - tensors;
console.log(
  agree
    ? "every member's final loss equals its base's alone (to 1e-5)"
    : "a member's loss differs from alone",
);
console.log(`tensors not released: ${leaked}`);
if (!agree || leaked !== 0) Deno.exit(1);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b), mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
