// The mathematics of each strategy, on a tiny toy (WASM backend).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { adapterVariables, baseVariables } from "../lib/models/lora.ts";
import { alignmentProjector, asftPenalty } from "../lib/strategies/asft.ts";
import { dpoLoss } from "../lib/strategies/dpo.ts";
import { chooseCheckpoints } from "../lib/strategies/early_stopping.ts";
import { fineTuneWith } from "../lib/strategies/finetune.ts";
import { gradientList, projectOut } from "../lib/strategies/gradients.ts";
import { klToReference } from "../lib/strategies/kl.ts";
import { directionalOverlap, orthogonalPenalty } from "../lib/strategies/orthogonal.ts";
import { STRATEGIES, strategyByName } from "../lib/strategies/registry.ts";
import { representationPenalty } from "../lib/strategies/representation.ts";
import { outputBases, projectRows, safeLoraProject } from "../lib/strategies/safelora.ts";
import { tinyStrategyBench } from "./_tiny.ts";

await initBackend("wasm");
const bench = await tinyStrategyBench(10);
const sum = (t: tf.Tensor) => tf.tidy(() => tf.sum(t).dataSync()[0]!);
const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]!);

const { withSetup, perturb } = bench;

Deno.test("KL of the model against itself is 0, with zero gradient", () => {
  withSetup((s) => {
    const { model, data } = s.context;
    const value = klToReference(model, data.proxy);
    assert.ok(Math.abs(value.dataSync()[0]!) < 1e-7);
    const grads = gradientList(model.trainable, () => klToReference(model, data.proxy));
    for (const g of grads) assert.ok(Math.abs(sum(tf.abs(g))) < 1e-6);
    tf.dispose([value, grads]);
    perturb(s);
    const after = klToReference(model, data.proxy);
    assert.ok(after.dataSync()[0]! > 0, "KL is positive once the model moved");
    after.dispose();
  });
});

Deno.test("DPO at the reference equals log 2, so the strategy's extra loss is λ·log 2", () => {
  withSetup((s) => {
    const { model, data } = s.context;
    const reference = {
      chosen: model.responseLogProb(data.proxy, { reference: true }),
      rejected: model.responseLogProb(data.negativeProxy, { reference: true }),
    };
    const value = dpoLoss(model, data.proxy, data.negativeProxy, reference, 5);
    assert.ok(Math.abs(value.dataSync()[0]! - Math.log(2)) < 1e-6);
    const run = strategyByName("dpo").create({ beta: 5, lambda: 3 }, s.context);
    const total = run.loss(0).loss, task = model.loss(data.task);
    assert.ok(Math.abs(total.dataSync()[0]! - task.dataSync()[0]! - 3 * Math.log(2)) < 1e-5);
    run.dispose?.();
    tf.dispose([value, total, task, reference.chosen, reference.rejected]);
  });
});

Deno.test("a projected gradient is orthogonal to the alignment gradient; conflict-only leaves agreeing ones alone", () => {
  const g = tf.tensor([3, -1, 2, 0.5]), a = tf.tensor([1, 2, -1, 4]);
  const p = projectOut(g, a);
  assert.ok(Math.abs(dot(p, a)) < 1e-5);
  assert.ok(dot(g, a) > 0);
  assert.deepEqual(projectOut(g, a, true).dataSync(), g.dataSync()); // no conflict: unchanged
  const conflicting = tf.neg(g);
  assert.ok(Math.abs(dot(projectOut(conflicting, a, true), a)) < 1e-5);
  tf.dispose([g, a, p, conflicting]);
});

Deno.test("a projection of strength γ leaves (1 − γ) of the component along the alignment gradient", () => {
  const g = tf.tensor([3, -1, 2, 0.5]), a = tf.tensor([1, 2, -1, 4]);
  const along = dot(g, a);
  for (const gamma of [0, 0.25, 2]) {
    const p = projectOut(g, a, false, 1, gamma);
    assert.ok(Math.abs(dot(p, a) - (1 - gamma) * along) < 1e-4, `γ = ${gamma}: ${dot(p, a)}`);
    tf.dispose(p);
  }
  const none = projectOut(g, a, false, 1, 0);
  assert.deepEqual(none.dataSync(), g.dataSync()); // γ = 0: the task gradient as it is
  tf.dispose([g, a, none]);
});

Deno.test("gradient projection's step gradient is orthogonal, per tensor, to the proxy gradient", () => {
  withSetup((s) => {
    perturb(s);
    const { model, data } = s.context;
    const run = strategyByName("gradient-projection").create({ mode: "always" }, s.context);
    const { grads, value } = tf.variableGrads(() => tf.sum(run.loss(0).loss), model.trainable);
    const projected = run.transformGradients!(grads, 0);
    const proxy = gradientList(model.trainable, () => model.loss(data.proxy));
    model.trainable.forEach((v, i) => {
      const p = projected[v.name]!;
      const scale = Math.sqrt(dot(p, p) * dot(proxy[i]!, proxy[i]!)) + 1e-12;
      assert.ok(Math.abs(dot(p, proxy[i]!)) / scale < 1e-4, v.name);
    });
    tf.dispose([grads, value, projected, proxy]);
  });
});

Deno.test("the representation penalty is 0 at the start (mean and sum)", () => {
  withSetup((s) => {
    for (const reduction of ["mean", "sum"] as const) {
      const value = representationPenalty(s.context.model, s.context.data.proxy, reduction);
      assert.equal(value.dataSync()[0], 0);
      value.dispose();
    }
  });
});

Deno.test("the orthogonal penalty is 0 for orthogonal factors and positive otherwise", () => {
  const a = tf.tensor2d([[1, 0], [0, 0], [0, 0]]), p = tf.tensor2d([[0, 0], [1, 0], [0, 1]]);
  assert.equal(orthogonalPenalty([a], [p]).dataSync()[0], 0);
  assert.equal(orthogonalPenalty([a], [a]).dataSync()[0], 1);
  assert.equal(directionalOverlap([a], [tf.neg(a)]).dataSync()[0], -1);
  tf.dispose([a, p]);
});

Deno.test("AsFT's penalty is ‖s·A·B·(I − QQᵀ)‖²: 0 inside the proxy adapter's output subspace, all of it outside", () => {
  // B's rows span output directions e1, e2 of R⁴; the proxy adapter's span e1 only.
  const layer = (b: number[][], scale = 1) => ({
    name: "l",
    lora: { a: tf.variable(tf.tensor2d([[1, 0], [0, 2], [1, 1]])), b: tf.variable(tf.tensor2d(b)), scale },
  });
  const proxy = layer([[3, 0, 0, 0], [0, 0, 0, 0]]);
  const projector = alignmentProjector(proxy, 1);
  const value = (b: number[][], scale = 1) => {
    const l = layer(b, scale);
    const v = asftPenalty([l], [projector], 1).dataSync()[0]!;
    tf.dispose([l.lora.a, l.lora.b]);
    return v;
  };
  assert.equal(value([[1, 0, 0, 0], [-2, 0, 0, 0]]), 0, "an update along e1 only is inside");
  // Outside part: B·(I − e1e1ᵀ) = [[0, 1, 0, 0], [0, 0, 0, 0]]; A·that has column 2 = (1, 0, 1): norm² 2.
  assert.ok(Math.abs(value([[5, 1, 0, 0], [0, 0, 0, 0]]) - 2) < 1e-6);
  assert.ok(Math.abs(value([[5, 1, 0, 0], [0, 0, 0, 0]], 3) - 18) < 1e-5, "the LoRA scale counts: s²");
  tf.dispose([proxy.lora.a, proxy.lora.b, projector.q, projector.qT]);
});

Deno.test("early stopping picks, per member, the best-on-the-proxy checkpoint within the task tolerance", () => {
  // Checkpoints 0..3: the task loss falls 3 → 0.45 while the proxy loss rises 1 → 4 (member 0); member 1 mirrored.
  const task = [[3, 2], [1, 1], [0.5, 1.5], [0.45, 1.2]];
  const proxy = [[1, 5], [2, 1], [3, 0.5], [4, 0.1]];
  assert.deepEqual(chooseCheckpoints(task, proxy, 0), [3, 1], "the lowest task loss");
  // Member 0 may leave 0.1 × (3 − 0.45) = 0.255 unlearnt: checkpoint 2 (0.5) is in, and better on the proxy.
  assert.deepEqual(chooseCheckpoints(task, proxy, 0.1), [2, 1]);
  assert.deepEqual(chooseCheckpoints(task, proxy, 1), [0, 3], "everything admitted: the proxy decides");
  assert.deepEqual(chooseCheckpoints([[1], [NaN], [0.5]], [[0], [-9], [1]], 0.2), [2], "NaN is never chosen");
});

Deno.test("SafeLoRA's projection is idempotent and touches only the selected layers", () => {
  withSetup((s) => {
    perturb(s);
    const layers = s.context.model.adapted;
    const copy = s.context.spawn("alignment");
    fineTuneWith(strategyByName("task-only"), {}, {
      ...s.context,
      model: copy.model,
      data: { ...s.context.data, task: s.context.data.proxy },
      steps: 5,
    });
    const bases = copy.model.adapted.map(outputBases);
    copy.dispose();
    const width = layers[0]!.lora!.b.shape[1]!;
    const once = projectRows(layers[0]!.lora!.b.dataSync() as Float32Array, width, bases[0]![0]!);
    const twice = projectRows(once, width, bases[0]![0]!);
    once.forEach((v, i) => assert.ok(Math.abs(v - twice[i]!) < 1e-6));

    const before = layers.map((l) => l.lora!.b.dataSync().slice());
    const [{ projected, cosines }] = safeLoraProject(layers, bases, { lowest: 1 }) as [
      { projected: number[]; cosines: number[] },
    ];
    assert.equal(projected.length, 1);
    const lowest = cosines.indexOf(Math.min(...cosines));
    assert.deepEqual(projected, [lowest]);
    layers.forEach((l, i) => {
      if (i === lowest) assert.notDeepEqual(l.lora!.b.dataSync(), before[i]);
      else assert.deepEqual(l.lora!.b.dataSync(), before[i]);
    });
    // With threshold selection the whole edit is idempotent: projected layers reach cosine 1 and are left alone.
    safeLoraProject(layers, bases, { threshold: 0.999 });
    const again = layers.map((l) => l.lora!.b.dataSync().slice());
    assert.deepEqual(safeLoraProject(layers, bases, { threshold: 0.999 })[0]!.projected, []);
    layers.forEach((l, i) => assert.deepEqual(l.lora!.b.dataSync(), again[i]));
    assert.deepEqual(safeLoraProject(layers, bases, { threshold: -2 })[0]!.projected, []);
  });
});

Deno.test("steering adds exactly α·(∇proxy − ∇negative) to the gradient", () => {
  withSetup((s) => {
    perturb(s);
    const { model, data } = s.context;
    const positive = gradientList(model.trainable, () => model.loss(data.proxy));
    const negative = gradientList(model.trainable, () => model.loss(data.negativeProxy));
    const run = strategyByName("steering").create({ alpha: 2.5, mode: "weights" }, s.context);
    const { grads, value } = tf.variableGrads(() => tf.sum(run.loss(0).loss), model.trainable);
    const steered = run.transformGradients!(grads, 0);
    model.trainable.forEach((v, i) => {
      const expected = tf.add(grads[v.name]!, tf.mul(tf.sub(positive[i]!, negative[i]!), 2.5));
      const diff = tf.max(tf.abs(tf.sub(steered[v.name]!, expected))).dataSync()[0]!;
      assert.ok(diff < 1e-6, `${v.name}: ${diff}`);
      expected.dispose();
    });
    run.dispose?.();
    tf.dispose([positive, negative, grads, value, steered]);
  });
});

const taskOnlyTrajectory = withSetup((s) => {
  const result = fineTuneWith(strategyByName("task-only"), {}, s.context);
  return {
    losses: result.losses,
    adapters: adapterVariables(s.model.layers).map((v) => Array.from(v.dataSync())),
  };
});

for (
  const [name, params] of [
    ["up-weighted", { lambdaProxy: 0, lambdaNegative: 0 }],
    ["kl", { beta: 0 }],
    ["representation", { beta: 0 }],
    ["dpo", { lambda: 0 }],
    ["o-lora", { lambda: 0 }],
    ["asft", { lambda: 0 }],
    ["ewc", { lambda: 0 }],
    ["grasp", { directions: 0 }],
    ["null-space", { energy: 0 }],
    ["preventative-steering", { alpha: 0 }],
    ["steering", { alpha: 0 }],
  ] as const
) {
  Deno.test(`${name} with its weight at 0 reproduces task-only exactly`, () => {
    withSetup((s) => {
      const result = fineTuneWith(strategyByName(name), params, s.context);
      assert.deepEqual(
        result.losses.map((l, i) => l === taskOnlyTrajectory.losses[i] ? 0 : l),
        result.losses.map(() => 0),
      );
      assert.deepEqual(
        adapterVariables(s.model.layers).map((v) => Array.from(v.dataSync())),
        taskOnlyTrajectory.adapters,
      );
    });
  });
}

for (const strategy of STRATEGIES) {
  Deno.test(`${strategy.name}: every adapter moves, every base weight stays bit-identical, no tensor leaks`, () => {
    const frozen = baseVariables(bench.base.model.layers).map((v) => v.dataSync().slice());
    const run = () =>
      withSetup((s) => {
        const start = adapterVariables(s.model.layers).map((v) => v.dataSync().slice());
        const result = fineTuneWith(strategy, {}, s.context);
        assert.equal(result.diverged, false);
        adapterVariables(s.model.layers).forEach((v, i) =>
          assert.notDeepEqual(v.dataSync(), start[i], v.name)
        );
      });
    run();
    const before = tf.memory().numTensors;
    run();
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    baseVariables(bench.base.model.layers).forEach((v, i) => assert.deepEqual(v.dataSync(), frozen[i]));
  });
}

Deno.test("bad strategy parameters name the field and the allowed values", () => {
  withSetup((s) => {
    assert.throws(() => fineTuneWith(strategyByName("kl"), { betta: 1 }, s.context), /betta/);
    assert.throws(
      () => fineTuneWith(strategyByName("gradient-projection"), { mode: "sometimes" }, s.context),
      /mode: .*"always"\|"conflict"\|"precomputed"/,
    );
    assert.throws(() => strategyByName("lora-magic"), /known are task-only, mixed/);
  });
});

addEventListener("unload", () => bench.dispose());
