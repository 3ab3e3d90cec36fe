// The mathematics of the field's newer methods (EWC, GRASP, gradient routing, interleaving with selection,
// null-space updates, preventative steering), on a tiny toy (WASM backend).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { energySubspace, rightSingularVectors } from "../lib/models/linalg.ts";
import { Rng } from "../lib/data/rng.ts";
import { diagonalFisher, ewcPenalty } from "../lib/strategies/ewc.ts";
import { fineTuneWith } from "../lib/strategies/finetune.ts";
import { gradientList } from "../lib/strategies/gradients.ts";
import { routedSlices } from "../lib/strategies/gradient_routing.ts";
import { projectOffDirections, updateDirections } from "../lib/strategies/grasp.ts";
import { interleavedExamples, largest } from "../lib/strategies/interleaving.ts";
import { naiveCopy } from "../lib/strategies/naive.ts";
import { inputSubspaces, projectOffInputs } from "../lib/strategies/null_space.ts";
import { dispositionDirection } from "../lib/strategies/preventative_steering.ts";
import type { StrategyModel } from "../lib/strategies/strategy.ts";
import { strategyByName } from "../lib/strategies/registry.ts";
import type { ClassifierBatch } from "../lib/models/classifier_view.ts";
import { tinyStrategyBench } from "./_tiny.ts";

await initBackend("wasm");
const bench = await tinyStrategyBench(10);
const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
/** max |a − b|, without leaving the difference allocated. */
const maxGap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => maxAbs(tf.sub(a, b)));

const { withSetup, perturb } = bench;

/** Row j of a classifier batch as a batch of its own. */
function row(batch: ClassifierBatch, j: number): ClassifierBatch {
  return { inputs: tf.slice(batch.inputs, [j, 0], [1, -1]), labels: tf.slice(batch.labels, [j], [1]) };
}

Deno.test("EWC's Fisher is the mean of squared per-example gradients, not the square of the mean gradient", () => {
  withSetup((s) => {
    perturb(s);
    const { model, data } = s.context;
    const fisher = diagonalFisher(model, data.proxy);
    const n = model.size(data.proxy);
    const expected: tf.Tensor[] = model.trainable.map((v) => tf.zerosLike(v));
    for (let j = 0; j < n; j++) {
      const one = row(data.proxy, j);
      const g = gradientList(model.trainable, () => model.loss(one));
      g.forEach((x, i) => {
        const next = tf.add(expected[i]!, tf.div(tf.square(x), n));
        expected[i]!.dispose();
        expected[i] = next;
      });
      tf.dispose([g, one.inputs, one.labels]);
    }
    const mean = gradientList(model.trainable, () => model.loss(data.proxy));
    fisher.forEach((f, i) => {
      const scale = maxAbs(expected[i]!);
      assert.ok(scale > 0, `${model.trainable[i]!.name}: a Fisher that is not all 0`);
      assert.ok(maxAbs(tf.sub(f, expected[i]!)) < 1e-4 * scale, model.trainable[i]!.name);
      assert.ok(maxAbs(tf.sub(f, tf.square(mean[i]!))) > 1e-3 * scale, "not the squared mean gradient");
    });
    tf.dispose([fisher, expected, mean]);
  });
});

Deno.test("EWC's penalty is 0 with zero gradient at the start and Σ F·(θ − θ*)² away from it", () => {
  withSetup((s) => {
    const { model, data } = s.context;
    const anchors = model.trainable.map((v) => tf.clone(v));
    const fisher = model.trainable.map((v) => tf.onesLike(v));
    const penalty = () => ewcPenalty(model.trainable, anchors, fisher, 1);
    assert.equal(penalty().dataSync()[0], 0);
    for (const g of gradientList(model.trainable, penalty)) assert.equal(maxAbs(g), 0);
    perturb(s);
    const moved = tf.tidy(() =>
      tf.addN(model.trainable.map((v, i) => tf.sum(tf.square(tf.sub(v, anchors[i]!))))).dataSync()[0]!
    );
    assert.ok(moved > 0);
    assert.ok(Math.abs(penalty().dataSync()[0]! - moved) < 1e-5 * moved, "F = 1: the squared distance");
    tf.dispose([anchors, fisher]);
    void data;
  });
});

Deno.test("the top right singular vectors of a known matrix, and none where its rank runs out", () => {
  // Rows (3, 0, 0) and (0, 0, 2): singular values 3 then 2 along e1 then e3, rank 2.
  const found = rightSingularVectors([[3, 0, 0], [0, 0, 2]], 3, new Rng(1));
  assert.equal(found.length, 2);
  assert.ok(Math.abs(Math.abs(found[0]![0]!) - 1) < 1e-9);
  assert.ok(Math.abs(Math.abs(found[1]![2]!) - 1) < 1e-9);
});

Deno.test("GRASP's projected gradient has no component along U, and its trained update no output along U", () => {
  withSetup((s) => {
    const { model } = s.context;
    const copy = naiveCopy(s.context, "check");
    const directions = copy.model.adapted.map((l, i) => updateDirections(l, 1, [new Rng(i)]));
    copy.dispose();
    const run = strategyByName("grasp").create({ directions: 1 }, s.context);
    perturb(s);
    const { grads, value } = tf.variableGrads(() => tf.sum(run.loss(0).loss), model.trainable);
    const projected = run.transformGradients!(grads, 0);
    model.adapted.forEach((layer, l) => {
      const { a, b } = layer.lora!;
      const u = directions[l]!;
      const along = tf.matMul(projected[b.name] as tf.Tensor2D, u as tf.Tensor2D);
      assert.ok(maxAbs(along) < 1e-5 * (maxAbs(grads[b.name]!) + 1e-12), `${b.name} along U`);
      assert.deepEqual(projected[a.name]!.dataSync(), grads[a.name]!.dataSync(), "A's gradient as it is");
      along.dispose();
    });
    tf.dispose([grads, value, projected]);
    run.dispose?.();
  });
  withSetup((s) => {
    const copy = naiveCopy(s.context, "check");
    const directions = copy.model.adapted.map((l, i) => updateDirections(l, 2, [new Rng(i)]));
    copy.dispose();
    fineTuneWith(strategyByName("grasp"), { directions: 2 }, s.context);
    s.context.model.adapted.forEach((layer, l) => {
      const { a, b, scale } = layer.lora!;
      const update = tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), scale);
      const along = tf.matMul(update as tf.Tensor2D, directions[l] as tf.Tensor2D);
      assert.ok(maxAbs(update) > 0, "the layer learnt something");
      assert.ok(maxAbs(along) < 1e-5 * maxAbs(update), `${layer.name}: ${maxAbs(along)}`);
      tf.dispose([update, along]);
    });
    tf.dispose(directions);
  });
  const g = tf.tensor2d([[1, 2, 3]]), u = tf.tensor2d([[0], [1], [0]]);
  assert.deepEqual(Array.from(projectOffDirections(g, u).dataSync()), [1, 0, 3]);
  tf.dispose([g, u]);
});

Deno.test("gradient routing adds β·∇negative in the slice only, keeps the task's gradient, then ablates the slice", () => {
  withSetup((s) => {
    perturb(s);
    const { model, data } = s.context;
    const masks = routedSlices(model, 2);
    const run = strategyByName("gradient-routing").create({ beta: 0.5, slice: 2 }, s.context);
    const { grads, value } = tf.variableGrads(() => tf.sum(run.loss(0).loss), model.trainable);
    const routed = run.transformGradients!(grads, 0);
    const negative = gradientList(model.trainable, () => model.loss(data.negativeProxy));
    model.trainable.forEach((v, i) => {
      const m = masks[i]!;
      const added = tf.sub(routed[v.name]!, grads[v.name]!);
      const outside = tf.mul(added, tf.sub(1, m));
      const inside = tf.mul(tf.sub(added, tf.mul(negative[i]!, 0.5)), m);
      assert.equal(maxAbs(outside), 0, `${v.name}: the task's gradient alone outside the slice`);
      assert.ok(maxAbs(inside) < 1e-6, `${v.name}: task + β·∇negative in the slice`);
      tf.dispose([added, outside, inside]);
    });
    run.finish!();
    model.trainable.forEach((v, i) => assert.equal(maxAbs(tf.mul(v, masks[i]!)), 0, `${v.name} ablated`));
    assert.throws(() => routedSlices(model, 99), /set slice below/);
    run.dispose?.();
    tf.dispose([grads, value, routed, negative, masks]);
  });
});

Deno.test("gradient routing with β = 0 is the task-only gradient everywhere", () => {
  withSetup((s) => {
    const { model } = s.context;
    const run = strategyByName("gradient-routing").create({ beta: 0, slice: 2 }, s.context);
    for (let step = 0; step < 3; step++) {
      const { grads, value } = tf.variableGrads(() => tf.sum(run.loss(step).loss), model.trainable);
      const routed = run.transformGradients!(grads, step);
      model.trainable.forEach((v) => assert.deepEqual(routed[v.name]!.dataSync(), grads[v.name]!.dataSync()));
      tf.dispose([grads, value, routed]);
    }
    run.dispose?.();
  });
});

Deno.test("interleaving chooses the n largest gaps, or n at random, and with the whole pool is the mixed loss", () => {
  assert.deepEqual(largest([0.1, 3, -1, 3, 2], 3), [1, 3, 4]);
  assert.deepEqual(largest([5, 5, 5], 2), [0, 1], "ties go to the earlier example");
  withSetup((s) => {
    const { model, data } = s.context;
    const pool = model.size(data.proxy);
    const copy = naiveCopy(s.context, "check");
    const gap = tf.tidy(() =>
      tf.sub(model.responseLogProb(data.proxy, { reference: true }), copy.model.responseLogProb(data.proxy))
        .dataSync()
    );
    copy.dispose();
    assert.deepEqual(interleavedExamples(s.context, 3, "gap"), [largest(gap, 3)]);
    const drawn = interleavedExamples(s.context, 3, "random")[0]!;
    assert.equal(new Set(drawn).size, 3);
    assert.ok(drawn.every((j) => j >= 0 && j < pool));
    assert.deepEqual(interleavedExamples(s.context, 3, "random"), [drawn], "the member's own stream");
    const all = strategyByName("interleaving").create({ examples: pool, upsample: 1 }, s.context);
    const mixed = strategyByName("mixed").create({ upsample: 1 }, s.context);
    const [x, y] = [all.loss(0).loss.dataSync()[0]!, mixed.loss(0).loss.dataSync()[0]!];
    assert.ok(Math.abs(x - y) < 1e-5 * Math.abs(y), `${x} vs ${y}`);
    assert.throws(
      () => strategyByName("interleaving").create({ examples: pool + 1 }, s.context),
      /set examples to at most/,
    );
    all.dispose?.();
  });
});

Deno.test("the energy subspace keeps the fewest leading directions holding the share asked for", () => {
  // Rows (3, 0, 0) and (0, 0, 2): σ² = 9 along e1 and 4 along e3, 13 in all.
  const rows = [[3, 0, 0], [0, 0, 2]];
  assert.equal(energySubspace(rows, 0, new Rng(1)).length, 0);
  const half = energySubspace(rows, 9 / 13, new Rng(1));
  assert.equal(half.length, 1);
  assert.ok(Math.abs(Math.abs(half[0]![0]!) - 1) < 1e-9);
  assert.equal(energySubspace(rows, 0.7, new Rng(1)).length, 2);
  assert.equal(energySubspace(rows, 1, new Rng(1)).length, 2, "rank 2: no direction with σ = 0");
  const p = tf.tensor2d([[1, 2], [3, 4], [5, 6]]), u = tf.tensor2d([[1], [0], [0]]);
  assert.deepEqual(Array.from(projectOffInputs(p, u).dataSync()), [0, 0, 3, 4, 5, 6]);
  tf.dispose([p, u]);
});

Deno.test("a null-space update over the proxy's whole input span leaves the model's outputs on the proxy unchanged", () => {
  withSetup((s) => {
    const { model, data } = s.context;
    const few: ClassifierBatch = { // fewer rows than any layer is wide, so the span leaves room to learn
      inputs: tf.slice(data.proxy.inputs, [0, 0], [5, -1]),
      labels: tf.slice(data.proxy.labels, [0], [5]),
    };
    const context = { ...s.context, data: { ...data, proxy: few } };
    const bases = inputSubspaces(model, few, 1, [new Rng(1)]);
    bases.forEach((u, l) => assert.ok(u && u.shape[1]! <= 5, `layer ${l}: at most 5 directions`));
    fineTuneWith(strategyByName("null-space"), { energy: 1 }, context);
    model.adapted.forEach((layer, l) => {
      const along = tf.matMul(bases[l] as tf.Tensor2D, layer.lora!.a as tf.Tensor2D, true);
      assert.ok(maxAbs(along) < 1e-5 * maxAbs(layer.lora!.a), `${layer.name}: A off the span`);
      along.dispose();
    });
    const [tuned, base] = [{}, { reference: true }].map((o) => model.outputLogProbs(few, o));
    const moved = maxGap(tuned!, base!);
    assert.ok(moved < 1e-4, `proxy outputs moved ${moved}`);
    const [taskTuned, taskBase] = [{}, { reference: true }].map((o) => model.outputLogProbs(data.task, o));
    assert.ok(maxGap(taskTuned!, taskBase!) > 1e-3, "the task's outputs moved");
    tf.dispose([tuned!, base!, taskTuned!, taskBase!, few.inputs, few.labels]);
    tf.dispose(bases.filter((u) => u !== null) as tf.Tensor[]);
  });
});

Deno.test("preventative steering adds α·v at its layer only, during training, and reads v as asked", () => {
  withSetup((s) => {
    const { model, data } = s.context;
    const { v, index } = dispositionDirection(model, data, -1, "gradient");
    const hidden = model.hidden(data.proxy);
    assert.equal(index, hidden.length - 1);
    const shift = tf.mul(v, 0.5);
    const steered = model.hidden(data.proxy, { steer: [null, shift] });
    assert.ok(maxGap(steered[0]!, hidden[0]!) === 0, "the layer before is untouched");
    assert.ok(
      tf.tidy(() => maxGap(steered[1]!, tf.add(hidden[1]!, tf.expandDims(shift, 1)))) < 1e-5,
      "h + α·v",
    );
    // v is the activation shift that most raises CE(proxy) − CE(negative), with the proxy activations' RMS norm.
    const gap = (steer: tf.Tensor | null) =>
      tf.tidy(() =>
        tf.sub(
          model.loss(data.proxy, { steer: [null, steer] }),
          model.loss(data.negativeProxy, { steer: [null, steer] }),
        )
          .dataSync()[0]!
      );
    const small = tf.mul(v, 1e-2), against = tf.mul(v, -1e-2);
    assert.ok(gap(small) > gap(null) && gap(against) < gap(null), "the gap rises along v");
    const rms = tf.tidy(() => Math.sqrt(tf.mean(tf.sum(tf.square(hidden[1]!), 2)).dataSync()[0]!));
    const norm = tf.tidy(() => tf.norm(v).dataSync()[0]!);
    assert.ok(Math.abs(norm - rms) < 1e-4 * rms, `‖v‖ ${norm} vs RMS ${rms}`);
    assert.throws(() => dispositionDirection(model, data, -1, "mean-difference"), /give direction: gradient/);
    assert.throws(() => dispositionDirection(model, data, 5, "gradient"), /Cannot steer layer 5/);
    tf.dispose([v, shift, small, against, hidden, steered]);
  });
  // The mean difference, on hidden states that see the answer: a stand-in model whose per-response states are
  // given (two responses each).
  const states = { proxy: tf.tensor3d([[[1, 0], [3, 2]]]), negativeProxy: tf.tensor3d([[[5, 1], [5, 3]]]) };
  const standIn = { responseHidden: (b: tf.Tensor3D) => [tf.clone(b)] } as unknown as StrategyModel<
    tf.Tensor3D
  >;
  const { v } = dispositionDirection(standIn, states, 0, "mean-difference");
  assert.deepEqual(Array.from(v.dataSync()), [3, 1], "mean (5, 2) − mean (2, 1)");
  tf.dispose([v, states.proxy, states.negativeProxy]);
});

addEventListener("unload", () => bench.dispose());
