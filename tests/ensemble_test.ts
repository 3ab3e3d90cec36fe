import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { fineTuneConditions, trainBases } from "../lib/train/toy_ensembles.ts";
import { conditions, prepareToy } from "../lib/data/toy_world.ts";
import { disposeSeedData, evaluate, fineTune, seedData, trainBase } from "../lib/train/toy_stages.ts";
import {
  constantInput,
  constantWeight,
  memberMatMul,
  setMemberProductMode,
} from "../lib/models/member_matmul.ts";
import { disposeClassifier } from "../lib/models/mlp.ts";
import { trainMembers } from "../lib/train/loop.ts";
import { MemberAdam } from "../lib/train/member_adam.ts";
import { tinyToyConfig } from "./_tiny.ts";

const random = (rng: Rng, shape: number[]) =>
  tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);

const r3 = (t: tf.Tensor) => t as tf.Tensor3D;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

Deno.test("a member product's values and gradients are the same as a loop, batched, shared or per member", async () => {
  await initBackend("cpu");
  const rng = new Rng(11);
  const x = tf.variable(random(rng, [3, 5, 4]), true, "mm-x");
  const w = tf.variable(random(rng, [3, 4, 2]), true, "mm-w");
  const shared = tf.variable(random(rng, [1, 4, 2]), true, "mm-shared");
  const grads = (mode: "loop" | "batched") => {
    const previous = setMemberProductMode(mode);
    try {
      return tf.variableGrads(
        () =>
          tf.sum(tf.square(tf.add(memberMatMul(r3(x), r3(w)), memberMatMul(r3(x), r3(shared))))) as tf.Scalar,
        [x, w, shared],
      );
    } finally {
      setMemberProductMode(previous);
    }
  };
  const loop = grads("loop"), batched = grads("batched");
  // Reference: each member on its own with tf.matMul.
  const reference = tf.variableGrads(() => {
    const outs = [0, 1, 2].map((m) => {
      const xm = tf.squeeze(tf.slice(x, [m, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      const wm = tf.squeeze(tf.slice(w, [m, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      return tf.add(tf.matMul(xm, wm), tf.matMul(xm, tf.squeeze(shared, [0]) as tf.Tensor2D));
    });
    return tf.sum(tf.square(tf.stack(outs))) as tf.Scalar;
  }, [x, w, shared]);
  for (const name of ["mm-x", "mm-w", "mm-shared"]) {
    assert.ok(maxDiff(loop.grads[name]!, reference.grads[name]!) < 1e-4, `${name} (loop)`);
    assert.ok(maxDiff(batched.grads[name]!, reference.grads[name]!) < 1e-4, `${name} (batched)`);
  }
  assert.ok(Math.abs(loop.value.dataSync()[0]! - reference.value.dataSync()[0]!) < 1e-3);
  tf.dispose([
    x,
    w,
    shared,
    loop.value,
    batched.value,
    reference.value,
    loop.grads,
    batched.grads,
    reference.grads,
  ]);
});

Deno.test("a frozen weight's product and its gradient equal a plain product's, shared or per member, on both paths", async () => {
  await initBackend("cpu");
  const rng = new Rng(12);
  const x = tf.variable(random(rng, [3, 5, 4]), true, "cw-x");
  const shared = random(rng, [1, 4, 2]), own = random(rng, [3, 4, 2]);
  for (const mode of ["loop", "batched"] as const) {
    const previous = setMemberProductMode(mode);
    for (const w of [shared, own]) {
      const product = constantWeight(r3(w));
      const ours = tf.variableGrads(() => tf.sum(tf.square(product.apply(r3(x)))) as tf.Scalar, [x]);
      const plain = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar, [x]);
      assert.ok(maxDiff(ours.grads["cw-x"]!, plain.grads["cw-x"]!) < 1e-4, `${mode}, ${w.shape[0]} weights`);
      assert.ok(Math.abs(ours.value.dataSync()[0]! - plain.value.dataSync()[0]!) < 1e-3);
      // Rows shared by every member against per-member weights.
      const rows = tf.slice(x, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D;
      assert.ok(maxDiff(product.apply(rows), tf.matMul(rows, w)) < 1e-5, `${mode}, shared rows`);
      product.dispose();
      tf.dispose([ours.value, ours.grads, plain.value, plain.grads, rows]);
    }
    setMemberProductMode(previous);
  }
  tf.dispose([x, shared, own]);
});

Deno.test("a constant input's product and its gradient equal a plain product's, thin or wide weights, on both paths", async () => {
  await initBackend("cpu");
  const rng = new Rng(13);
  const x = random(rng, [3, 5, 6]);
  for (const width of [3, 9]) {
    const w = tf.variable(random(rng, [3, 6, width]), true, `ci-w${width}`);
    for (const mode of ["loop", "batched"] as const) {
      const previous = setMemberProductMode(mode);
      const input = constantInput(r3(x));
      const ours = tf.variableGrads(() => tf.sum(tf.square(input.apply(r3(w)))) as tf.Scalar, [w]);
      const plain = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar, [w]);
      assert.ok(maxDiff(ours.grads[w.name]!, plain.grads[w.name]!) < 1e-4, `${mode}, width ${width}`);
      assert.ok(Math.abs(ours.value.dataSync()[0]! - plain.value.dataSync()[0]!) < 1e-3);
      input.dispose();
      tf.dispose([ours.value, ours.grads, plain.value, plain.grads]);
      setMemberProductMode(previous);
    }
    w.dispose();
  }
  x.dispose();
});

Deno.test("MemberAdam steps each member exactly as tf.train.adam steps it alone, and frozen members stay put", async () => {
  await initBackend("cpu");
  const rng = new Rng(4);
  // Two variables of different shapes: the update runs over both as one flat vector. The second gets no
  // gradient at steps 2 and 3 (it and its moments stay put; tf.train.adam agrees only because it is the last
  // variable: tfjs numbers its moments by position among the gradients given), member 1 stops after step 2, and
  // the rate's scale changes at steps 2 and 4 (a schedule's).
  const starts = [random(rng, [2, 3, 2]), random(rng, [2, 4])];
  const stacked = starts.map((s, i) => tf.variable(s.clone(), true, `adam-stacked-${i}`));
  const memberOf = (t: tf.Tensor, m: number) => tf.squeeze(tf.slice(t, m, 1), [0]);
  const alone = [0, 1].map((m) => starts.map((s) => tf.variable(memberOf(s, m), true)));
  const targets = starts.map((s) => random(rng, s.shape));
  const loss = (vars: tf.Tensor[], member?: number) =>
    tf.addN(vars.map((v, i) => {
      const target = member === undefined ? targets[i]! : memberOf(targets[i]!, member);
      return tf.sum(tf.mul(tf.square(tf.sub(v, target)), i + 1));
    })) as tf.Scalar;
  const rates = [0.1, 0.01];
  const ours = new MemberAdam(stacked, { learningRate: rates });
  const theirs = rates.map((r) => tf.train.adam(r));
  for (let step = 0; step < 5; step++) {
    const [missing, scale] = [step === 2 || step === 3, [1, 1, 0.7, 0.7, 0.3][step]!];
    const { grads, value } = tf.variableGrads(() => loss(stacked));
    if (missing) tf.dispose(grads["adam-stacked-1"]!), delete grads["adam-stacked-1"];
    ours.apply(grads, { active: [true, step < 3], scale });
    tf.dispose([grads, value]);
    alone.forEach((vars, m) => {
      if (m === 1 && step >= 3) return;
      // tf.train.adam multiplies by −learningRate each step: the scaled rate, as a schedule would set it.
      (theirs[m] as unknown as { learningRate: number }).learningRate = rates[m]! * scale;
      theirs[m]!.minimize(() => tf.tidy(() => loss(vars, m)), false, missing ? [vars[0]!] : vars);
    });
  }
  alone.forEach((vars, m) =>
    vars.forEach((v, i) => {
      const mine = memberOf(stacked[i]!, m);
      assert.deepEqual(mine.dataSync(), v.dataSync(), `member ${m}, variable ${i}`);
      mine.dispose();
    })
  );
  ours.dispose();
  theirs.forEach((o) => o.dispose());
  tf.dispose([...starts, ...stacked, ...targets, ...alone.flat()]);
});

/**
 * Trains bases and fine-tunes alone and as ensembles on the CPU backend, member products run `mode`'s way. Hidden
 * width 32 makes the wide layer run its adapter apart (x·W + s·(x·A)·B) and the 3-class head merged.
 */
async function membersMatchAlone(mode: "loop" | "batched"): Promise<void> {
  await initBackend("cpu");
  const previous = setMemberProductMode(mode);
  const ctx = await prepareToy(tinyToyConfig({ proxy: { ks: [1, 2] }, model: { hidden: [32, 32] } }));
  const datas = [3, 8].map((seed) => seedData(ctx, seed));
  const alone = datas.map((d) => trainBase(ctx, d));
  const together = trainBases(ctx, datas);
  alone.forEach((a, i) => {
    const b = together[i]!;
    assert.equal(b.result.steps, a.result.steps, "the member stops at the same step");
    b.result.losses.forEach((l, s) =>
      assert.ok(Math.abs(l - a.result.losses[s]!) < 1e-5, `base loss at ${s}`)
    );
    a.model.layers.forEach((l, j) => assert.ok(maxDiff(l.kernel, b.model.layers[j]!.kernel) < 1e-5));
  });
  const plan = conditions(ctx);
  const single = plan.map((c) => fineTune(ctx, datas[0]!, alone[0]!.model, c));
  const batch = fineTuneConditions(ctx, datas[0]!, alone[0]!.model, plan);
  plan.forEach((_, m) => {
    const a = single[m]!, b = batch.runs[m]!;
    a.result.losses.forEach((l, s) =>
      assert.ok(Math.abs(l - b.result.losses[s]!) < 1e-4, `member ${m} step ${s}`)
    );
    assert.deepEqual(b.evaluation, evaluate(ctx, datas[0]!, a.model, true));
    assert.deepEqual(b.curve, a.curve);
    const extracted = b.classifier();
    extracted.layers.forEach((l, j) => assert.ok(maxDiff(l.lora!.a, a.model.layers[j]!.lora!.a) < 1e-4));
  });
  batch.release();
  single.forEach((s) => disposeClassifier(s.model));
  [...alone, ...together].forEach((b) => disposeClassifier(b.model));
  datas.forEach(disposeSeedData);
  setMemberProductMode(previous);
}

Deno.test("on the CPU backend, every ensemble member gives the numbers of the same model trained alone", () =>
  membersMatchAlone("batched"));

Deno.test("with member products as loops of 2-D products (WASM's path), members still match alone", () =>
  membersMatchAlone("loop"));

Deno.test("ensemble training leaks no tensor", async () => {
  await initBackend("wasm");
  const ctx = await prepareToy(tinyToyConfig());
  const data = seedData(ctx, 3);
  const before = tf.memory().numTensors;
  const [base] = trainBases(ctx, [data]);
  const batch = fineTuneConditions(ctx, data, base!.model, conditions(ctx));
  batch.runs[0]!.classifier();
  batch.release();
  disposeClassifier(base!.model);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  disposeSeedData(data);
});

Deno.test("a diverging member stops alone while the others train on", async () => {
  await initBackend("cpu");
  const v = tf.variable(tf.tensor2d([[1], [1]]), true, "diverge");
  const results = trainMembers({ members: 2, trainable: [v] }, {
    loss: (step) => ({
      loss: tf.tidy(() => {
        const loss = tf.reshape(tf.square(v), [2]) as tf.Tensor1D;
        return step === 2 ? tf.mul(loss, tf.tensor1d([Number.NaN, 1])) as tf.Tensor1D : loss;
      }),
    }),
  }, { steps: 5, learningRate: 0.1 });
  assert.equal(results[0]!.diverged, true);
  assert.equal(results[0]!.steps, 3);
  assert.equal(results[1]!.diverged, false);
  assert.equal(results[1]!.steps, 5);
  const [first, second] = v.dataSync();
  assert.ok(Number.isFinite(first!) && second! < first!, "the diverged member kept its last finite weights");
  v.dispose();
});

Deno.test("the WASM slice patch returns what the original kernel returns", async () => {
  await initBackend("wasm");
  const x = tf.tensor3d(Float32Array.from({ length: 4 * 5 * 3 }, (_, i) => i), [4, 5, 3]);
  const contiguous = tf.slice(x, [2, 0, 0], [1, -1, -1]);
  const strided = tf.slice(x, [1, 1, 1], [2, 3, 2]);
  assert.deepEqual(Array.from(contiguous.dataSync()), Array.from({ length: 15 }, (_, i) => 30 + i));
  assert.deepEqual(Array.from(strided.dataSync()), [19, 20, 22, 23, 25, 26, 34, 35, 37, 38, 40, 41]);
  tf.dispose([x, contiguous, strided]);
});
