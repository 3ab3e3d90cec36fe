import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { adapterVariables, baseVariables } from "../lib/models/lora.ts";
import {
  attachLora,
  createClassifier,
  crossEntropy,
  disposeClassifier,
  forward,
  trainableVariables,
} from "../lib/models/mlp.ts";
import { trainMembers } from "../lib/train/loop.ts";

await initBackend("wasm");

function toyBatch(n: number, width: number, seed: number) {
  const rng = new Rng(seed);
  const x = tf.tensor2d(Float32Array.from({ length: n * width }, () => rng.normal()), [n, width]);
  const y = tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(3)), "int32");
  return { x, y };
}

Deno.test("the classifier maps [n, in] to logits [n, classes] and exposes one activation per hidden layer", () => {
  const model = createClassifier(167, 3, { hidden: [64, 64] }, new Rng(1));
  const { x } = toyBatch(5, 167, 2);
  const out = forward(model, x);
  assert.deepEqual(out.logits.shape, [5, 3]);
  assert.deepEqual(out.hidden.map((h) => h.shape), [[5, 64], [5, 64]]);
  assert.deepEqual(model.layers.map((l) => l.kernel.shape), [[167, 64], [64, 64], [64, 3]]);
  tf.dispose([x, out.logits, ...out.hidden]);
  disposeClassifier(model);
});

Deno.test("a fresh LoRA adapter is the identity: B = 0, outputs equal the base's exactly", () => {
  const base = createClassifier(10, 3, { hidden: [8] }, new Rng(1));
  const tuned = attachLora(base, { rank: 2, scale: 1 }, new Rng(2));
  const { x } = toyBatch(7, 10, 3);
  const a = forward(base, x).logits.arraySync(), b = forward(tuned, x).logits.arraySync();
  assert.deepEqual(a, b);
  for (const layer of tuned.layers) assert.ok(layer.lora!.b.dataSync().every((v) => v === 0));
  tf.dispose(x);
  disposeClassifier(tuned);
  disposeClassifier(base);
});

Deno.test("LoRA fine-tuning moves every A and B while base weights stay bit-identical", () => {
  const base = createClassifier(10, 3, { hidden: [8] }, new Rng(1));
  const tuned = attachLora(base, { rank: 2, scale: 1 }, new Rng(2));
  const before = baseVariables(base.layers).map((v) => v.dataSync().slice());
  const adaptersBefore = adapterVariables(tuned.layers).map((v) => v.dataSync().slice());
  assert.deepEqual(trainableVariables(tuned), adapterVariables(tuned.layers));
  const { x, y } = toyBatch(32, 10, 4);
  trainMembers({ members: 1, trainable: trainableVariables(tuned) }, {
    loss: () => ({ loss: tf.reshape(crossEntropy(forward(tuned, x).logits, y), [1]) as tf.Tensor1D }),
  }, {
    steps: 5,
    learningRate: 1e-2,
  });
  baseVariables(base.layers).forEach((v, i) => assert.deepEqual(v.dataSync(), before[i]));
  adapterVariables(tuned.layers).forEach((v, i) =>
    assert.notDeepEqual(v.dataSync(), adaptersBefore[i], v.name)
  );
  // the reference (adapters off) still computes the base function
  assert.deepEqual(
    forward(tuned, x, { useLora: false }).logits.arraySync(),
    forward(base, x).logits.arraySync(),
  );
  tf.dispose([x, y]);
  disposeClassifier(tuned);
  disposeClassifier(base);
});
