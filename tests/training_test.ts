import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { Rng } from "../lib/data/rng.ts";
import { ToyConfigSchema } from "../lib/experiments/toy/config.ts";
import { prepareToy } from "../lib/data/toy_world.ts";
import { disposeSeedData, fineTune, seedData, trainBase } from "../lib/train/toy_stages.ts";
import { matMul } from "../lib/models/matmul.ts";
import { baseVariables } from "../lib/models/lora.ts";
import {
  createClassifier,
  crossEntropy,
  disposeClassifier,
  forward,
  trainableVariables,
} from "../lib/models/mlp.ts";
import { clipByGlobalNorm, trainMembers, warmupCosine } from "../lib/train/loop.ts";
import type { Objective } from "../lib/train/objective.ts";
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
  const single = { members: 1, trainable: trainableVariables(model) };
  const objective: Objective = {
    loss: () => ({
      loss: tf.reshape(crossEntropy(forward(model, x).logits, y), [1]) as tf.Tensor1D,
      metrics: { doubled: tf.tensor1d([2]) },
    }),
  };
  trainMembers(single, objective, { steps: 2, learningRate: 1e-2 }); // warm-up: kernels, caches
  const before = tf.memory().numTensors;
  const [result] = trainMembers(single, objective, { steps: 60, learningRate: 1e-2 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked across steps");
  assert.ok(
    result!.losses.at(-1)! < result!.losses[0]! * 0.7,
    `${result!.losses[0]} → ${result!.losses.at(-1)}`,
  );
  assert.equal(result!.diverged, false);
  tf.dispose([x, y]);
  disposeClassifier(model);
});

Deno.test("a loss that becomes NaN stops the run, marks it diverged and leaves the weights untouched", async () => {
  await initBackend("wasm");
  const model = createClassifier(2, 3, { hidden: [4] }, new Rng(1));
  const before = baseVariables(model.layers).map((v) => v.dataSync().slice());
  const [result] = trainMembers({ members: 1, trainable: trainableVariables(model) }, {
    loss: () => ({
      loss: tf.reshape(tf.mul(tf.sum(forward(model, tf.ones([1, 2])).logits), NaN), [1]) as tf.Tensor1D,
    }),
  }, { steps: 10, learningRate: 1e-2 });
  assert.equal(result!.diverged, true);
  assert.equal(result!.steps, 1);
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

/**
 * The loop as it was before `MemberAdam` replaced `tf.train.adam` for single models: the reference the one
 * loop must reproduce (clipping by the global norm, the schedule written into Adam's learning rate).
 */
function tfAdamReference(
  variables: tf.Variable[],
  loss: () => tf.Scalar,
  options: {
    steps: number;
    learningRate: number;
    schedule: (step: number) => number;
    clipNorm: number;
    beta2: number;
  },
): number[] {
  const optimizer = tf.train.adam(options.learningRate, 0.9, options.beta2);
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const { value, grads } = tf.variableGrads(loss, variables);
    const clipped = tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(options.clipNorm, tf.add(norm, 1e-12)));
      return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)]));
    });
    (optimizer as unknown as { learningRate: number }).learningRate = options.learningRate *
      options.schedule(step);
    optimizer.applyGradients(clipped as Record<string, tf.Variable>);
    losses.push(value.dataSync()[0]!);
    tf.dispose([value, grads, clipped]);
  }
  optimizer.dispose();
  return losses;
}

Deno.test("one member of the loop gives tf.train.adam's numbers bit for bit (schedule, clipping, β2)", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    const rng = new Rng(2);
    const x = tf.tensor2d(Float32Array.from({ length: 40 * 6 }, () => rng.normal()), [40, 6]);
    const y = tf.tensor1d(Int32Array.from({ length: 40 }, (_, i) => i % 3), "int32");
    const ours = createClassifier(6, 3, { hidden: [16] }, new Rng(1));
    const theirs = createClassifier(6, 3, { hidden: [16] }, new Rng(1));
    const unclipped = createClassifier(6, 3, { hidden: [16] }, new Rng(1));
    const options = {
      steps: 30,
      learningRate: 0.05,
      schedule: warmupCosine(30, 5),
      clipNorm: 0.5,
      beta2: 0.98,
    };
    const lossOf = (model: typeof ours) => () => crossEntropy(forward(model, x).logits, y);
    const [result] = trainMembers({ members: 1, trainable: trainableVariables(ours) }, {
      loss: () => ({ loss: tf.reshape(lossOf(ours)(), [1]) as tf.Tensor1D }),
    }, options);
    const reference = tfAdamReference(trainableVariables(theirs), lossOf(theirs), options);
    const { clipNorm: _, ...noClip } = options;
    const free = trainMembers({ members: 1, trainable: trainableVariables(unclipped) }, {
      loss: () => ({ loss: tf.reshape(lossOf(unclipped)(), [1]) as tf.Tensor1D }),
    }, noClip)[0]!;
    // Measured: identical (|Δ| = 0) on both backends — the same float32 ops in the same order.
    assert.deepEqual(result!.losses, reference, `${backend}: losses`);
    trainableVariables(ours).forEach((v, i) =>
      assert.deepEqual(v.dataSync(), trainableVariables(theirs)[i]!.dataSync(), `${backend}: ${v.name}`)
    );
    assert.notDeepEqual(free.losses, reference, "the gradients were large enough for clipping to act");
    assert.ok(reference.at(-1)! < reference[0]!);
    [ours, theirs, unclipped].forEach(disposeClassifier);
    tf.dispose([x, y]);
  }
  await initBackend("wasm");
});

/** A quadratic per member: loss_m = Σ c_m (w_m − t_m)², with w [M, 3, 2] (or [3, 2] for a single model). */
function quadratic(w: tf.Variable, target: tf.Tensor, weight: tf.Tensor, members: number): tf.Tensor1D {
  return tf.tidy(() =>
    tf.sum(tf.reshape(tf.mul(weight, tf.square(tf.sub(w, target))), [members, -1]), 1) as tf.Tensor1D
  );
}

Deno.test("each member of a stacked run gets its own numbers alone: own rate, own clipping, schedule", async () => {
  await initBackend("cpu");
  const rng = new Rng(7);
  const random = (shape: number[]) =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
  const start = random([2, 3, 2]), target = random([2, 3, 2]);
  // Member 0's gradients are 100× member 1's: clipped over both members at once, member 1's losses would be off
  // by ~5e-4 relative (measured; Adam is nearly scale-invariant), far above the 1e-6 of float rounding.
  const weight = tf.tensor3d([100, 1], [2, 1, 1]);
  const stacked = tf.variable(start.clone(), true, "stacked-w");
  const rates = [0.05, 0.02];
  const options = { steps: 12, schedule: warmupCosine(12, 3), clipNorm: 1, beta2: 0.98 };
  const before = tf.memory().numTensors;
  const together = trainMembers({ members: 2, trainable: [stacked] }, {
    loss: () => ({ loss: quadratic(stacked, target, weight, 2) }),
  }, { ...options, learningRate: rates });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  [0, 1].forEach((m) => {
    const slice = (t: tf.Tensor) => tf.tidy(() => tf.squeeze(tf.slice(t, [m, 0, 0], [1, -1, -1]), [0]));
    const alone = tf.variable(slice(start), true, `alone-w${m}`);
    const [t, c] = [slice(target), tf.tidy(() => tf.reshape(tf.slice(weight, [m], [1]), []))];
    const [result] = trainMembers({ members: 1, trainable: [alone] }, {
      loss: () => ({ loss: quadratic(alone, t, c, 1) }),
    }, { ...options, learningRate: rates[m]! });
    const mine = slice(stacked);
    together[m]!.losses.forEach((l, s) => assert.ok(Math.abs(l - result!.losses[s]!) <= 1e-6 * Math.abs(l)));
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(mine, alone))).dataSync()[0]!) <= 1e-6, `member ${m}`);
    tf.dispose([alone, t, c, mine]);
  });
  tf.dispose([start, target, weight, stacked]);
});

Deno.test("stopMember ends a member before its update; the others train on; misuse fails clearly", async () => {
  await initBackend("cpu");
  const w = tf.variable(tf.tensor2d([[1], [1]]), true, "stop-w");
  const seen: number[] = [];
  const results = trainMembers({ members: 2, trainable: [w] }, {
    loss: () => ({ loss: tf.tidy(() => tf.reshape(tf.square(w), [2]) as tf.Tensor1D) }),
  }, {
    steps: 6,
    learningRate: 0.1,
    stopMember: (m, losses) => m === 0 && losses.length === 2,
    onStep: (step, running) => void (running[0] || seen.push(step)),
  });
  assert.deepEqual(results.map((r) => r.steps), [2, 6]);
  const [first, second] = w.dataSync();
  assert.ok(first! > second!, "member 0 stopped after two updates while member 1 took six");
  assert.deepEqual(seen, [2, 3, 4, 5]);
  assert.throws(
    () =>
      trainMembers({ members: 2, trainable: [w] }, { loss: () => ({ loss: tf.ones([2]) }) }, {
        steps: 1,
        learningRate: 0.1,
        callbacks: [{}],
      }),
    /Cannot report per-step callbacks for 2 members/,
  );
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      trainMembers({ members: 2, trainable: [w] }, {
        loss: () => ({ loss: tf.tidy(() => tf.reshape(tf.sum(w), [1]) as tf.Tensor1D) }),
      }, { steps: 1, learningRate: 0.1 }),
    /Cannot train 2 members: the objective's loss has shape \[1\]/,
  );
  assert.equal(tf.memory().numTensors, before, "a failed step leaks nothing");
  assert.throws(
    () =>
      trainMembers({ members: 3, trainable: [w] }, { loss: () => ({ loss: tf.ones([3]) }) }, {
        steps: 1,
        learningRate: 1,
      }),
    /leading member axis of 3/,
  );
  w.dispose();
});

Deno.test("clipping by the global norm scales each member by min(1, maxNorm / its own norm)", async () => {
  await initBackend("cpu");
  const grads = { a: tf.tensor2d([[3, 0], [0.3, 0]]), b: tf.tensor2d([[0, 4], [0, 0.4]]) }; // norms 5 and 0.5
  const clipped = clipByGlobalNorm(grads, 1, 2);
  assert.deepEqual(Array.from(clipped.a!.dataSync()).map((v) => +v.toFixed(6)), [0.6, 0, 0.3, 0]);
  assert.deepEqual(Array.from(clipped.b!.dataSync()).map((v) => +v.toFixed(6)), [0, 0.8, 0, 0.4]);
  const whole = clipByGlobalNorm(grads, 1);
  const norm = Math.sqrt(25 + 0.25);
  assert.ok(Math.abs(whole.a!.dataSync()[2]! - 0.3 / norm) < 1e-7, "one member: the norm of everything");
  tf.dispose([grads, clipped, whole]);
});

Deno.test("divergence: a loss rising past 1000 × its start stops the member; one falling without bound does not", async () => {
  await initBackend("wasm");
  const w = tf.variable(tf.zeros([2]));
  // Member 0's loss is 10·step (rising), member 1's is −10·step (falling); both touch w so both have gradients.
  const objective: Objective = {
    loss: (step) => ({ loss: tf.add(tf.mul(w, 0), tf.tensor1d([10 * step, -10 * step])) as tf.Tensor1D }),
  };
  const [rising, falling] = trainMembers({ members: 2, trainable: [w] }, objective, {
    steps: 200,
    learningRate: 0.1,
  });
  assert.equal(rising!.diverged, true);
  assert.equal(rising!.steps, 102, "stopped at the first loss over 1000 (10 × 101)");
  assert.equal(falling!.diverged, false);
  assert.equal(falling!.steps, 200);
  w.dispose();
});
