import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import { parseYamlConfig } from "../lib/config/load.ts";
import { StrategiesToyConfigSchema } from "../lib/experiments/strategies_toy/config.ts";
import { expandSweep, sweepWithTaskOnly } from "../lib/strategies/sweep.ts";
import { loadStrategiesToyConfig, strategiesToy } from "../lib/experiments/strategies_toy/experiment.ts";
import { toyStrategySetup } from "../lib/strategies/toy_setup.ts";
import type { StrategiesToyConfig } from "../lib/experiments/strategies_toy/config.ts";
import { runExperiment, type RunExperimentOptions } from "../lib/experiments/driver.ts";
import { InProcessExecutor } from "../lib/experiments/executors.ts";
import { prepareToy } from "../lib/data/toy_world.ts";
import { disposeSeedData, evaluate, seedData, trainBase } from "../lib/train/toy_stages.ts";
import { fineTuneWith } from "../lib/strategies/finetune.ts";
import { disposeClassifier } from "../lib/models/mlp.ts";
import { strategyByName } from "../lib/strategies/registry.ts";
import {
  StrategiesToySummarySchema,
  type StrategyRunRecord,
} from "../lib/experiments/strategies_toy/summary.ts";
import { dominates, paretoFrontier } from "../lib/eval/pareto.ts";
import { writeFigure } from "../lib/plot/figure.ts";
import { strategiesToyFigures } from "../lib/plot/strategies.ts";
import { STRATEGIES } from "../lib/strategies/registry.ts";
import { tinyToyConfig } from "./_tiny.ts";

await initBackend("wasm");

/** Runs the comparison in this thread. */
async function runStrategiesToy(config: StrategiesToyConfig, options: RunExperimentOptions = {}) {
  const executor = new InProcessExecutor();
  try {
    const { summary, records } = await runExperiment(strategiesToy, config, { ...options, executor });
    // The fine-tunes; each seed's base has a record of its own (kind "base").
    const runs = records.filter((r): r is StrategyRunRecord => !("kind" in r));
    return { summary, runs, bases: records.filter((r) => "kind" in r) };
  } finally {
    executor.close();
  }
}

/** Each seed × point trained alone: the one-model reference the ensemble's members must match. */
async function aloneRuns(config: StrategiesToyConfig) {
  const ctx = await prepareToy(config.toy);
  const flip = ctx.triggers.flip.category;
  const runs = [];
  for (const seed of config.toy.seeds) {
    const data = seedData(ctx, seed);
    const base = trainBase(ctx, data);
    for (const point of sweepWithTaskOnly(config.strategies)) {
      const setup = toyStrategySetup(ctx, data, base.model, config.proxy);
      const result = fineTuneWith(strategyByName(point.strategy), point.params, setup.context);
      const heldOut = evaluate(ctx, data, setup.model, true).heldOut;
      const others = Object.entries(heldOut).filter(([c]) => c !== flip).map(([, v]) => v);
      runs.push({
        id: `seed${seed}/${point.id}`,
        finalLoss: result.finalLoss,
        task: heldOut[flip]!,
        alignment: others.reduce((a, b) => a + b, 0) / others.length,
        proxyTriggers: setup.proxyTriggers,
      });
      setup.dispose();
    }
    disposeClassifier(base.model);
    disposeSeedData(data);
  }
  return runs;
}
const pt = (alignment: number, task: number) => ({ alignment: { mean: alignment }, task: { mean: task } });

Deno.test("the Pareto frontier keeps exactly the non-dominated points, sorted by alignment", () => {
  const points = [pt(0.1, 0.9), pt(0.5, 0.5), pt(0.4, 0.4), pt(0.9, 0.1), pt(0.5, 0.5), pt(0.2, 0.95)];
  const frontier = paretoFrontier(points);
  // (0.1, 0.9) loses to (0.2, 0.95); (0.4, 0.4) to (0.5, 0.5), whose duplicate is kept once.
  assert.deepEqual(frontier, [points[5], points[1], points[3]]);
  assert.ok(dominates(pt(0.5, 0.5), pt(0.4, 0.4)));
  assert.ok(!dominates(pt(0.5, 0.5), pt(0.5, 0.5)));
  for (const p of points) {
    assert.ok(
      frontier.includes(p) || frontier.some((f) => dominates(f, p) || f.alignment.mean === p.alignment.mean),
    );
  }
});

Deno.test("a sweep expands each grid as a Cartesian product with stable ids, and refuses duplicates", () => {
  const points = expandSweep([
    { strategy: "kl", params: {}, grid: { beta: [1, 10] } },
    { strategy: "dpo", params: { beta: 5 }, grid: { lambda: [1, 2], extra: ["a", "b"] } },
  ]);
  assert.deepEqual(points.map((p) => p.id), [
    "kl-beta=1",
    "kl-beta=10",
    "dpo-beta=5,lambda=1,extra=a",
    "dpo-beta=5,lambda=1,extra=b",
    "dpo-beta=5,lambda=2,extra=a",
    "dpo-beta=5,lambda=2,extra=b",
  ]);
  assert.deepEqual(points[2]!.swept, { lambda: 1, extra: "a" });
  assert.throws(
    () => expandSweep([{ strategy: "kl", params: {}, grid: {} }, { strategy: "kl", params: {}, grid: {} }]),
    /point kl appears twice/,
  );
});

Deno.test("the shipped sweep traces every strategy of the library as a curve, on five bases", async () => {
  const config = await loadStrategiesToyConfig();
  const points = expandSweep(config.strategies);
  const names = new Set(points.map((p) => p.strategy));
  for (const s of STRATEGIES) {
    assert.ok(names.has(s.name), `${s.name} is missing from data/configs/strategies-toy.yaml`);
  }
  // Every method but the reference (task-only) has at least five points along its strength, or every setting
  // its strength has on the toy's rank-r adapters: GRASP's k in 1..r, gradient routing's slice in 1..r − 1.
  const rank = config.toy.fineTune.lora.rank;
  const settings: Record<string, number> = { grasp: rank, "gradient-routing": rank - 1 };
  for (const label of new Set(points.map((p) => p.label))) {
    const mine = points.filter((p) => p.label === label);
    const wanted = Math.min(5, settings[mine[0]!.strategy] ?? 5);
    assert.ok(
      label === "task-only" ? mine.length === 1 : mine.length >= wanted,
      `${label}: ${mine.length} points`,
    );
  }
  assert.ok(config.toy.seeds.length >= 5);
});

Deno.test("a sweep config with a bad key names it", () => {
  assert.throws(
    () => parseYamlConfig(StrategiesToyConfigSchema, "strategies:\n  - strategy: kl\n    grids: {}\n"),
    /strategies\.0: unknown key\(s\) "grids"/,
  );
});

Deno.test("the comparison writes a valid summary with a frontier, reuses runs, and refuses unknown strategies", async () => {
  const out = await Deno.makeTempDir();
  const config = StrategiesToyConfigSchema.parse({
    toy: tinyToyConfig({ fineTune: { steps: 8, curveEvery: 0 } }),
    proxy: { objects: 1, negative_emotions: 1 },
    strategies: [{ strategy: "task-only" }, { strategy: "kl", grid: { beta: [1, 100] } }, {
      strategy: "dpo",
      params: { beta: 5 },
    }],
  });
  const first = await runStrategiesToy(config, { out, quiet: true });
  const onDisk = StrategiesToySummarySchema.parse(
    JSON.parse(await Deno.readTextFile(`${out}/strategies-toy/summary.json`)),
  );
  assert.deepEqual(onDisk, first.summary);
  assert.deepEqual(first.summary.points.map((p) => p.id), [
    "task-only",
    "kl-beta=1",
    "kl-beta=100",
    "dpo-beta=5",
  ]);
  assert.ok(first.summary.frontier.length >= 1);
  for (const p of first.summary.points) {
    assert.ok(
      first.summary.frontier.includes(p) ||
        first.summary.frontier.some((f) =>
          f.alignment.mean >= p.alignment.mean && f.task.mean >= p.task.mean
        ),
    );
  }
  assert.equal(first.runs[0]!.proxyTriggers.length, 2);
  const again = await runStrategiesToy(config, { out, quiet: true });
  assert.deepEqual(again.runs, first.runs);
  for (
    const figure of strategiesToyFigures(
      first.summary,
      (await prepareToy(config.toy)).triggers.categories.map((c) => c.name),
    )
  ) {
    const { json } = await writeFigure(figure, `${out}/figures`);
    assert.ok(JSON.parse(await Deno.readTextFile(json)).data.length > 0);
  }
  assert.ok(strategiesToy.findings(first.summary).length >= 4);
  await assert.rejects(
    runStrategiesToy({ ...config, strategies: [{ strategy: "magic", params: {}, grid: {} }] }, {
      quiet: true,
    }),
    /Cannot find strategy "magic"/,
  );
});

Deno.test("the comparison (a member per seed) gives the numbers of each model trained alone, and reuses saved bases", async () => {
  await initBackend("cpu");
  const config = StrategiesToyConfigSchema.parse({
    toy: tinyToyConfig({ seeds: [3, 4], fineTune: { steps: 8, curveEvery: 0 } }),
    proxy: { objects: 1, negative_emotions: 1 },
    strategies: [{ strategy: "gradient-projection" }, { strategy: "caft" }, { strategy: "safelora" }],
  });
  const out = await Deno.makeTempDir();
  const ensembled = await runStrategiesToy(config, { out, quiet: true });
  const alone = await aloneRuns(config);
  assert.equal(ensembled.runs.length, 8); // the task-only reference runs though the config leaves it out
  for (const run of ensembled.runs) {
    const reference = alone.find((r) => r.id === run.id)!;
    const tolerance = 1e-4 * Math.max(1, reference.finalLoss);
    assert.ok(Math.abs(run.finalLoss! - reference.finalLoss) < tolerance, run.id);
    assert.ok(
      Math.abs(run.task - reference.task) <= 0.02 && Math.abs(run.alignment - reference.alignment) <= 0.02,
      run.id,
    );
    assert.deepEqual(run.proxyTriggers, reference.proxyTriggers);
  }
  // A rerun with one record lost retrains that point from the saved bases, to the same numbers.
  const saved = await Deno.stat(`${out}/strategies-toy/bases/seed4.bin`);
  await Deno.remove(`${out}/strategies-toy/seed4/caft`, { recursive: true });
  const resumed = await runStrategiesToy(config, { out, quiet: true });
  assert.deepEqual(
    resumed.runs.map((r) => [r.id, r.finalLoss, r.task, r.alignment]).sort(),
    ensembled.runs.map((r) => [r.id, r.finalLoss, r.task, r.alignment]).sort(),
  );
  assert.deepEqual(
    (await Deno.stat(`${out}/strategies-toy/bases/seed4.bin`)).mtime,
    saved.mtime,
    "bases reused",
  );
  // A damaged base file is detected and that base retrained, to the same numbers.
  await Deno.writeFile(`${out}/strategies-toy/bases/seed3.bin`, new Uint8Array(3));
  await Deno.remove(`${out}/strategies-toy/seed3/caft`, { recursive: true });
  const repaired = await runStrategiesToy(config, { out, quiet: true });
  assert.deepEqual(
    repaired.runs.map((r) => [r.id, r.finalLoss, r.task, r.alignment]).sort(),
    ensembled.runs.map((r) => [r.id, r.finalLoss, r.task, r.alignment]).sort(),
  );
  assert.equal((await Deno.stat(`${out}/strategies-toy/bases/seed3.bin`)).size, saved.size, "base rewritten");
  // Bytes overwritten at the file's own length, and a manifest cut in half: both found by their hash or
  // parse, both bases retrained, to the same numbers.
  const bytes = await Deno.readFile(`${out}/strategies-toy/bases/seed3.bin`);
  await Deno.writeFile(`${out}/strategies-toy/bases/seed3.bin`, bytes.map((b) => b ^ 0x5a));
  const manifest = await Deno.readTextFile(`${out}/strategies-toy/bases/seed4.json`);
  await Deno.writeTextFile(`${out}/strategies-toy/bases/seed4.json`, manifest.slice(0, manifest.length / 2));
  for (const seed of [3, 4]) await Deno.remove(`${out}/strategies-toy/seed${seed}/caft`, { recursive: true });
  const retrained = await runStrategiesToy(config, { out, quiet: true });
  assert.deepEqual(
    retrained.runs.map((r) => [r.id, r.finalLoss, r.task, r.alignment]).sort(),
    ensembled.runs.map((r) => [r.id, r.finalLoss, r.task, r.alignment]).sort(),
  );
  assert.deepEqual(retrained.summary.points, ensembled.summary.points);
});
