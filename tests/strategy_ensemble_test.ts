// Strategies on ensembles: a seed fine-tuned as one member of an ensemble gets the numbers it gets alone.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { relativeGap } from "./_compare.ts";
import { toyEnsembleSetup, toyStrategySetup } from "../lib/strategies/toy_setup.ts";
import { trainBases } from "../lib/train/toy_ensembles.ts";
import { prepareToy } from "../lib/data/toy_world.ts";
import { disposeSeedData, seedData } from "../lib/train/toy_stages.ts";
import { disposeClassifier } from "../lib/models/mlp.ts";
import { fineTuneMembers, fineTuneWith } from "../lib/strategies/finetune.ts";
import { projectOut } from "../lib/strategies/gradients.ts";
import { STRATEGIES } from "../lib/strategies/registry.ts";
import type { Strategy } from "../lib/strategies/strategy.ts";
import { tinyToyConfig } from "./_tiny.ts";

await initBackend("cpu");
const ctx = await prepareToy(tinyToyConfig({ fineTune: { steps: 8, curveEvery: 0 } }));
const datas = [3, 4].map((seed) => seedData(ctx, seed));
const bases = trainBases(ctx, datas).map((b) => b.model);
const proxy = { objects: 1, negative_emotions: 1 };

for (const strategy of STRATEGIES) {
  Deno.test(`${strategy.name} on a 2-seed ensemble gives each seed's losses, adapters and edits from alone`, () => {
    checkAgainstAlone(strategy, 2);
  });
}

// An ensemble of one member has the shapes of an ensemble but the member count of a single model.
Deno.test("every strategy runs on a 1-member ensemble and gives the single model's numbers", () => {
  for (const strategy of STRATEGIES) checkAgainstAlone(strategy, 1);
});

function checkAgainstAlone(strategy: Strategy, members: number): void {
  {
    const alone = datas.slice(0, members).map((data, m) => {
      const setup = toyStrategySetup(ctx, data, bases[m]!, proxy);
      try {
        const result = fineTuneWith(strategy, {}, setup.context);
        const adapters = setup.context.model.adapted.map((l) => [l.lora!.a.dataSync(), l.lora!.b.dataSync()]);
        return { result, adapters, proxyTriggers: setup.proxyTriggers };
      } finally {
        setup.dispose();
      }
    });
    const before = tf.memory().numTensors;
    const setup = toyEnsembleSetup(ctx, datas.slice(0, members), bases.slice(0, members), proxy);
    try {
      const results = fineTuneMembers(strategy, {}, setup.context);
      alone.forEach((single, m) => {
        const member = results[m]!;
        assert.equal(member.steps, single.result.steps);
        assert.deepEqual(setup.proxyTriggers[m], single.proxyTriggers);
        assert.ok(
          relativeGap(member.losses, single.result.losses) < 1e-4,
          `${strategy.name} member ${m} losses`,
        );
        setup.context.model.adapted.forEach((layer, l) => {
          const [a, b] = [layer.lora!.a, layer.lora!.b].map((t) => {
            const size = t.size / t.shape[0]!;
            return t.dataSync().slice(m * size, (m + 1) * size);
          });
          assert.ok(relativeGap(a!, single.adapters[l]![0]!) < 1e-3, `member ${m} layer ${l} A`);
          assert.ok(relativeGap(b!, single.adapters[l]![1]!) < 1e-3, `member ${m} layer ${l} B`);
        });
        assert.deepEqual(Object.keys(member.finishMetrics), Object.keys(single.result.finishMetrics));
        for (const [k, v] of Object.entries(single.result.finishMetrics)) {
          assert.ok(Math.abs(member.finishMetrics[k]! - v) < 1e-3, `member ${m} ${k}`);
        }
      });
    } finally {
      setup.dispose();
    }
    assert.equal(tf.memory().numTensors, before, `${strategy.name}: tensors leaked`);
  }
}

Deno.test("projecting stacked gradients projects each member on its own, never across members", () => {
  const g = tf.tensor3d([[[3, -1], [2, 0.5]], [[1, 1], [1, 1]]]);
  const a = tf.tensor3d([[[1, 2], [-1, 4]], [[1, -1], [0, 0]]]);
  const together = projectOut(g, a, false, 2);
  [0, 1].forEach((m) => {
    const own = (t: tf.Tensor) => tf.squeeze(tf.slice(t, [m, 0, 0], [1, -1, -1]), [0]);
    const alone = projectOut(own(g), own(a));
    assert.ok(relativeGap(own(together).dataSync(), alone.dataSync()) < 1e-6, `member ${m}`);
    assert.ok(
      Math.abs(tf.sum(tf.mul(own(together), own(a))).dataSync()[0]!) < 1e-5,
      `member ${m} orthogonal`,
    );
  });
});

addEventListener("unload", () => {
  bases.forEach(disposeClassifier);
  datas.forEach(disposeSeedData);
});
