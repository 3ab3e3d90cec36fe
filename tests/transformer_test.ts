import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { adapterVariables } from "../lib/models/lora.ts";
import { disposeSequenceBatch, sequenceBatch } from "../lib/models/sequence_batch.ts";
import {
  createTransformer,
  disposeTransformer,
  parameterCount,
  transformerDenseLayers,
  transformerForward,
  TransformerSchema,
  transformerVariables,
} from "../lib/models/transformer.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  generate,
  greedyBatch,
  sequenceLoss,
  transformerView,
} from "../lib/models/transformer_view.ts";
import { trainMembers } from "../lib/train/loop.ts";

await initBackend("wasm");
const config = TransformerSchema.parse({ dModel: 16, layers: 2, heads: 4, context: 8 });
const V = 12;

Deno.test("the default transformer has ~118k parameters at d = 64, 2 layers, vocabulary 265", () => {
  const model = createTransformer(265, TransformerSchema.parse({}), new Rng(1));
  assert.equal(parameterCount(model), 118_080);
  disposeTransformer(model);
});

Deno.test("logits are [B·T, V] ([B, V] at the last positions: the same rows) and hidden states [B·T, d] per block; dModel must split into heads", () => {
  const model = createTransformer(V, config, new Rng(1));
  const tokens = tf.tensor2d([[1, 5, 6, 7], [1, 8, 9, 2]], [2, 4], "int32");
  const out = transformerForward(model, tokens);
  assert.deepEqual(out.logits.shape, [8, V]);
  assert.deepEqual(out.hidden.map((h) => h.shape), [[8, 16], [8, 16]]);
  const last = transformerForward(model, tokens, { lastPosition: true });
  const rows = out.logits.arraySync();
  assert.deepEqual(last.logits.arraySync(), [rows[3], rows[7]]);
  assert.throws(() => TransformerSchema.parse({ dModel: 10, heads: 4 }), /divisible/);
  tf.dispose([tokens, out.logits, ...out.hidden, last.logits, ...last.hidden]);
  disposeTransformer(model);
});

Deno.test("attention is causal: a later token never changes an earlier position's output", () => {
  const model = createTransformer(V, config, new Rng(2));
  const a = transformerForward(model, tf.tensor2d([[1, 5, 6, 7]], [1, 4], "int32")).logits.arraySync();
  const b = transformerForward(model, tf.tensor2d([[1, 5, 6, 9]], [1, 4], "int32")).logits.arraySync();
  for (let t = 0; t < 3; t++) {
    a[t]!.forEach((v, i) => assert.ok(Math.abs(v - b[t]![i]!) < 1e-6, `position ${t}`));
  }
  assert.ok(a[3]!.some((v, i) => Math.abs(v - b[3]![i]!) > 1e-6));
  disposeTransformer(model);
});

Deno.test("the loss is a masked mean over scored tokens only: padding and prompts do not count", () => {
  const model = createTransformer(V, config, new Rng(3));
  const answerOnly = sequenceBatch([{ tokens: [1, 5, 6, 7], scored: [false, false, false, true] }], 0, 8);
  const padded = sequenceBatch([{ tokens: [1, 5, 6, 7], scored: [false, false, false, true] }], 0, 4);
  const l1 = sequenceLoss(model, answerOnly).dataSync()[0]!, l2 = sequenceLoss(model, padded).dataSync()[0]!;
  assert.ok(Math.abs(l1 - l2) < 1e-5, `${l1} vs ${l2}`);
  const view = transformerView(model);
  const logProb = view.responseLogProb(answerOnly).dataSync()[0]!;
  assert.ok(Math.abs(-logProb - l1) < 1e-5, "one scored token: response log-prob = −loss");
  assert.deepEqual(view.outputLogProbs(answerOnly).shape, [1, 1, V]); // one member, one scored position
  disposeSequenceBatch(answerOnly);
  disposeSequenceBatch(padded);
  disposeTransformer(model);
});

Deno.test("LoRA on every projection starts as the identity and trains only the adapters, leaking nothing", () => {
  const base = createTransformer(V, config, new Rng(4));
  const tuned = attachTransformerLora(base, { rank: 2, scale: 1 }, new Rng(5));
  assert.equal(transformerDenseLayers(tuned).filter((l) => l.lora).length, 8);
  const tokens = tf.tensor2d([[1, 5, 6, 7]], [1, 4], "int32");
  assert.deepEqual(
    transformerForward(tuned, tokens).logits.arraySync(),
    transformerForward(base, tokens).logits.arraySync(),
  );
  const frozen = transformerVariables(base).map((v) => v.dataSync().slice());
  const batch = sequenceBatch([{ tokens: [1, 5, 6, 7], scored: [false, true, true, true] }], 0);
  const view = transformerView(tuned);
  assert.deepEqual(view.trainable, adapterVariables(transformerDenseLayers(tuned)));
  const single = { members: 1, trainable: view.trainable };
  const objective = { loss: () => ({ loss: view.loss(batch) }) };
  trainMembers(single, objective, { steps: 2, learningRate: 1e-2 });
  const before = tf.memory().numTensors;
  const [result] = trainMembers(single, objective, { steps: 20, learningRate: 1e-2 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  assert.ok(result!.finalLoss < result!.losses[0]!);
  transformerVariables(base).forEach((v, i) => assert.deepEqual(v.dataSync(), frozen[i]));
  tf.dispose(tokens);
  disposeSequenceBatch(batch);
  disposeTransformerAdapters(tuned);
  disposeTransformer(base);
});

Deno.test("a transformer learns to copy a fixed sequence; greedy generation reproduces it, alone or in a batch", () => {
  const model = createTransformer(V, config, new Rng(6));
  const sequence = [1, 5, 9, 6, 10, 2];
  const batch = sequenceBatch([{ tokens: sequence, scored: sequence.map(() => true) }], 0);
  trainMembers({ members: 1, trainable: transformerVariables(model) }, {
    loss: () => ({ loss: tf.reshape(sequenceLoss(model, batch), [1]) as tf.Tensor1D }),
  }, {
    steps: 80,
    learningRate: 1e-2,
  });
  assert.deepEqual(generate(model, [1, 5], 6, 2), [9, 6, 10, 2]);
  // A batch whose prompts stop at different steps gives each what it gets alone: [6, 10] stops first, before
  // the rows after it, so a row's token that went to another row would show; with 2 new tokens, some never stop.
  const prompts = [[1, 5], [6, 10], [9, 6], [5, 9]];
  const alone = prompts.map((p) => generate(model, p, 6, 2));
  assert.deepEqual(alone.map((a) => a.length), [4, 1, 3, 3], "the trained model's continuations changed");
  assert.deepEqual(greedyBatch(model, prompts, 6, 2), alone);
  assert.deepEqual(greedyBatch(model, prompts, 2, 2), prompts.map((p) => generate(model, p, 2, 2)));
  disposeSequenceBatch(batch);
  disposeTransformer(model);
});

Deno.test("a response's mean state is read at the response's own tokens, not at the outputs that predict them", () => {
  const model = createTransformer(V, config, new Rng(5));
  // Response tokens: 6, 7 in the first (positions 2, 3), 9 in the second (position 3); padded to 6 positions.
  const examples = [
    { tokens: [1, 5, 6, 7], scored: [false, false, true, true] },
    { tokens: [1, 8, 2, 9], scored: [false, false, false, true] },
  ];
  const batch = sequenceBatch(examples, 0, 6);
  const [first] = transformerView(model).responseHidden(batch);
  const hidden = transformerForward(model, batch.tokens).hidden[0]!.arraySync();
  const mean = (rows: number[]) =>
    hidden[rows[0]!]!.map((_, j) => rows.reduce((s, r) => s + hidden[r]![j]!, 0) / rows.length);
  const expected = [mean([2, 3]), mean([6 + 3])];
  const got = first!.arraySync()[0]!;
  expected.forEach((row, b) =>
    row.forEach((x, j) => assert.ok(Math.abs(got[b]![j]! - x) < 1e-5, `example ${b}`))
  );
  tf.dispose(first!);
  disposeSequenceBatch(batch);
  disposeTransformer(model);
});
