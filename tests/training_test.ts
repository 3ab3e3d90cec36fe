import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { ToyConfigSchema } from "../lib/experiments/toy/config.ts";
import { disposeSeedData, fineTune, prepareToy, seedData, trainBase } from "../lib/experiments/toy/stages.ts";
import { matMul } from "../lib/models/matmul.ts";
import { baseVariables } from "../lib/models/lora.ts";
import {
  createClassifier,
  crossEntropy,
  disposeClassifier,
  forward,
  trainableVariables,
} from "../lib/models/mlp.ts";
import { train } from "../lib/train/loop.ts";
import { tinyToyConfig } from "./_tiny.ts";

Deno.test("matMul's explicit-transpose gradient equals tfjs's own", async () => {
  await initBackend("wasm");
  const rng = new Rng(5);
  const a = tf.variable(
    tf.tensor2d(Float32Array.from({ length: 12 }, () => rng.normal()), [4, 3]),
    true,
    "mm-a",
  );
  const b = tf.variable(
    tf.tensor2d(Float32Array.from({ length: 6 }, () => rng.normal()), [3, 2]),
    true,
    "mm-b",
  );
  const ours = tf.variableGrads(() => tf.sum(tf.square(matMul(a, b))) as tf.Scalar, [a, b]);
  const theirs = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(a, b))) as tf.Scalar, [a, b]);
  for (const name of ["mm-a", "mm-b"]) {
    const diff = tf.max(tf.abs(tf.sub(ours.grads[name]!, theirs.grads[name]!))).dataSync()[0]!;
    assert.ok(diff < 1e-5, `${name}: ${diff}`);
  }
  tf.dispose([a, b, ours.value, theirs.value, ours.grads, theirs.grads]);
});

Deno.test("training lowers the loss and releases every tensor it makes", async () => {
  await initBackend("wasm");
  const model = createClassifier(6, 3, { hidden: [16] }, new Rng(1));
  const rng = new Rng(2);
  const x = tf.tensor2d(Float32Array.from({ length: 60 * 6 }, () => rng.normal()), [60, 6]);
  const y = tf.tensor1d(Int32Array.from({ length: 60 }, (_, i) => i % 3), "int32");
  const objective = {
    loss: () => ({ loss: crossEntropy(forward(model, x).logits, y), metrics: { doubled: tf.scalar(2) } }),
  };
  train(trainableVariables(model), objective, { steps: 2, learningRate: 1e-2 }); // warm-up: kernels, caches
  const before = tf.memory().numTensors;
  const result = train(trainableVariables(model), objective, { steps: 60, learningRate: 1e-2 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked across steps");
  assert.ok(result.losses.at(-1)! < result.losses[0]! * 0.7, `${result.losses[0]} → ${result.losses.at(-1)}`);
  assert.equal(result.diverged, false);
  tf.dispose([x, y]);
  disposeClassifier(model);
});

Deno.test("a loss that becomes NaN stops the run, marks it diverged and leaves the weights untouched", async () => {
  await initBackend("wasm");
  const model = createClassifier(2, 3, { hidden: [4] }, new Rng(1));
  const before = baseVariables(model.layers).map((v) => v.dataSync().slice());
  const result = train(trainableVariables(model), {
    loss: () => ({ loss: tf.mul(tf.sum(forward(model, tf.ones([1, 2])).logits), NaN) as tf.Scalar }),
  }, { steps: 10, learningRate: 1e-2 });
  assert.equal(result.diverged, true);
  assert.equal(result.steps, 1);
  baseVariables(model.layers).forEach((v, i) => assert.deepEqual(v.dataSync(), before[i]));
  disposeClassifier(model);
});

Deno.test("a whole toy seed (base + fine-tune) leaks no tensor", async () => {
  await initBackend("wasm");
  const ctx = await prepareToy(tinyToyConfig());
  const run = () => {
    const data = seedData(ctx, 3);
    const base = trainBase(ctx, data);
    const tuned = fineTune(ctx, data, base.model, { kind: "proxy", k: 1, category: "objects" });
    disposeClassifier(tuned.model);
    disposeClassifier(base.model);
    disposeSeedData(data);
  };
  run();
  const before = tf.memory().numTensors;
  run();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("the same seed gives the same numbers on the CPU backend", async () => {
  await initBackend("cpu");
  try {
    const ctx = await prepareToy(
      tinyToyConfig({ base: { maxSteps: 15 }, fineTune: { steps: 5, curveEvery: 0 } }),
    );
    const once = () => {
      const data = seedData(ctx, 3);
      const base = trainBase(ctx, data);
      const tuned = fineTune(ctx, data, base.model, { kind: "none" });
      const out = {
        base: base.result.losses,
        tuned: tuned.result.losses,
        weights: tuned.model.layers[0]!.lora!.b.dataSync().slice(),
      };
      disposeClassifier(tuned.model);
      disposeClassifier(base.model);
      disposeSeedData(data);
      return out;
    };
    const a = once(), b = once();
    assert.deepEqual(a, b);
    assert.ok(a.base.length > 0 && a.tuned.length === 5);
  } finally {
    await initBackend("wasm");
  }
});

Deno.test("stage 1 stops once the train set is fit (loss under stopLoss and every point right)", async () => {
  await initBackend("wasm");
  const ctx = await prepareToy(ToyConfigSchema.parse({
    split: { trainTriggers: 2, heldOutTriggers: 1 },
    points: { perTrainTrigger: 5 },
    base: { maxSteps: 400, stopLoss: 0.01 },
  }));
  const data = seedData(ctx, 1);
  const { model, result } = trainBase(ctx, data);
  assert.ok(result.steps < 400, `took all ${result.steps} steps`);
  assert.ok(result.finalLoss < 0.01);
  disposeClassifier(model);
  disposeSeedData(data);
});
