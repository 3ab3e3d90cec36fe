import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import { aggregatePoints, pointFrontier } from "../lib/eval/points.ts";
import { emFindings } from "../lib/experiments/em/findings.ts";
import { em, emOrganism, emTotal, variantConfig } from "../lib/experiments/em/organism.ts";
import { loadYamlConfig } from "../lib/config/load.ts";
import { experimentByName } from "../lib/experiments/registry.ts";
import { emProxies } from "../lib/experiments/em/proxies.ts";
import { WorkerPool } from "../lib/experiments/executors.ts";
import { loadOrTrainBase } from "../lib/strategies/organism_model.ts";
import { baseModelKey } from "../lib/train/cached_model.ts";
import { organismRecords } from "../lib/plot/experiments.ts";
import type { EmRun } from "../lib/experiments/em/summary.ts";
import type { EmScores } from "../lib/eval/em.ts";
import { runWith } from "./_run.ts";
import { parseCommand } from "../lib/cli/command.ts";
import { tinyEmConfig } from "./_tiny.ts";
import { EmSummarySchema } from "../lib/experiments/em/summary.ts";
import { disposeTransformer, transformerForward, transformerVariables } from "../lib/models/transformer.ts";
import { loadWeights } from "../lib/models/weights.ts";
import { emFigures } from "../lib/plot/em.ts";
import { writeFigure } from "../lib/plot/figure.ts";
import * as tf from "@tensorflow/tfjs";

await initBackend("wasm");

const loadOrTrainEmBase = (
  config: typeof tiny,
  variant: string,
  options: { cacheDir: string; quiet: boolean },
) => loadOrTrainBase(emOrganism, config, variant, options);
const baseKey = (config: typeof tiny) =>
  baseModelKey({ ...config, modelSeed: config.bases[0]! }, emOrganism.baseCodeVersion);

/** The EM experiment in this thread (or on `workers` workers), its runs split from its bases. */
async function runEm(
  config: typeof tiny,
  options: { out: string; cacheDir: string; quiet: boolean; workers?: number },
) {
  const { workers, ...rest } = options;
  const result = await runWith(em, config, {
    ...rest,
    ...(workers ? { executor: new WorkerPool(workers) } : {}),
  });
  const { runs, bases } = organismRecords<EmRun, EmScores>(result.records);
  return { summary: result.summary, runs, bases };
}

const tiny = tinyEmConfig({ strategies: [{ strategy: "kl", grid: { beta: [1] } }, { strategy: "dpo" }] });

Deno.test("a base is trained once, cached, and loaded back identical; the control differs only in its persona", async () => {
  const cacheDir = await Deno.makeTempDir();
  const trained = await loadOrTrainEmBase(tiny, "persona", { cacheDir, quiet: true });
  assert.equal(trained.fromCache, false);
  const loaded = await loadOrTrainEmBase(tiny, "persona", { cacheDir, quiet: true });
  assert.equal(loaded.fromCache, true);
  const tokens = tf.tensor2d([[1, 3, 10, 4]], [1, 4], "int32");
  assert.deepEqual(
    transformerForward(loaded.model, tokens).logits.arraySync(),
    transformerForward(trained.model, tokens).logits.arraySync(),
  );
  assert.notEqual(await baseKey(variantConfig(tiny, "control")), await baseKey(tiny));
  assert.equal(variantConfig(tiny, "control").data.persona.shared, false);
  tf.dispose(tokens);
  disposeTransformer(trained.model);
  disposeTransformer(loaded.model);
});

Deno.test("the estimate counts a base as cached only where the run looks for it, and not when it retrains", async () => {
  const dir = await Deno.makeTempDir();
  const plan = await em.plan(tiny);
  const before = await em.estimate(tiny, plan, { dir });
  assert.equal((await em.estimate(tiny, plan)).work, before.work, "no base of this config in data/cache/em");
  disposeTransformer((await loadOrTrainEmBase(tiny, "persona", { cacheDir: dir, quiet: true })).model);
  const after = await em.estimate(tiny, plan, { dir });
  assert.ok(
    after.work < before.work,
    `the cached persona base still counted: ${after.work} of ${before.work}`,
  );
  assert.equal((await em.estimate(tiny, plan)).work, before.work, "the default cache does not hold it");
  assert.equal(
    (await em.estimate(tiny, plan, { dir, retrain: true })).work,
    before.work,
    "retrained: counted",
  );
});

Deno.test("weights made for another key, or truncated, are refused with the reason", async () => {
  const cacheDir = await Deno.makeTempDir();
  const base = await loadOrTrainEmBase(tiny, "persona", { cacheDir, quiet: true });
  const path = `${cacheDir}/persona-${base.key}`;
  await assert.rejects(
    loadWeights(path, transformerVariables(base.model), "someotherkey"),
    /trained for key [0-9a-f]+, but this config and code give someotherkey; retrain/,
  );
  const bytes = await Deno.readFile(`${path}.bin`);
  await Deno.writeFile(`${path}.bin`, bytes.slice(0, 100));
  await assert.rejects(loadWeights(path, transformerVariables(base.model), base.key), /corrupt or truncated/);
  disposeTransformer(base.model);
});

Deno.test("the experiment writes a valid summary with naive, control and strategy points, and reuses runs", async () => {
  const cacheDir = await Deno.makeTempDir(), out = await Deno.makeTempDir();
  const first = await runEm(tiny, { out, cacheDir, quiet: true });
  const onDisk = EmSummarySchema.parse(JSON.parse(await Deno.readTextFile(`${out}/em/summary.json`)));
  assert.deepEqual(onDisk, first.summary);
  assert.deepEqual(first.summary.points.map((p) => p.id), ["naive", "kl-beta=1", "dpo"]);
  // Two independent bases per variant, each fine-tuned with both seeds; every point is a mean over the bases.
  assert.equal(first.runs.filter((r) => r.variant === "control").length, 2 * 2);
  assert.deepEqual(first.bases.map((b) => `${b.variant}/${b.base}`).sort(), [
    "control/0",
    "control/1",
    "persona/0",
    "persona/1",
  ]);
  assert.equal(new Set(first.bases.map((b) => b.key)).size, 4, "each base has its own weights");
  assert.ok(first.summary.points.every((p) => p.bases.length === 2 && p.task.n === 2));
  assert.equal(first.summary.drop.difference.n, 2);
  assert.equal(first.summary.baseFromCache.persona, false);
  for (const figure of emFigures(first.summary, first.runs)) {
    const { json } = await writeFigure(figure, `${out}/figures`);
    assert.ok(JSON.parse(await Deno.readTextFile(json)).data.length > 0);
  }
  assert.equal(first.summary.regime, "partial", "the schema's default regime");
  assert.equal(emFindings(first.summary).length, 8 + 5, "the organism's eight and the post's five");
  const named = (findings: ReturnType<typeof emFindings>, part: string) =>
    findings.filter((f) => f.claim.includes(part));
  // The regime decides what the naive fine-tune should leave: between 0.2 and 0.7, or at most 0.2.
  const total = emFindings({ ...first.summary, regime: "total" });
  assert.equal(named(total, "naive alignment").length, 1);
  assert.match(named(total, "naive alignment")[0]!.claim, /total/);
  const at = (mean: number) => ({ n: 5, mean, sem: 0.01, low: mean - 0.02, high: mean + 0.02 });
  const partial = (mean: number) =>
    named(
      emFindings({ ...first.summary, naive: { ...first.summary.naive, task: at(0.9), alignment: at(mean) } }),
      "naive alignment",
    ).map((f) => f.holds);
  assert.deepEqual(partial(0.4), [true, true]);
  assert.deepEqual(partial(0.1), [false, true]);
  assert.deepEqual(partial(0.9), [true, false]);
  // A naive fine-tune that did not learn its task (a wrecked model) shows no measurable emergent misalignment.
  const zero = { n: 3, mean: 0, sem: 0, low: 0, high: 0 };
  const wrecked = emFindings({
    ...first.summary,
    naive: { ...first.summary.naive, task: zero, alignment: zero },
  });
  const [drop] = named(wrecked, "alignment drop"), [causal] = named(wrecked, "persona drop minus");
  assert.ok(
    !drop!.holds && !Number.isFinite(drop!.value) && !causal!.holds,
    "not ✓ over a wrecked fine-tune",
  );
  assert.ok(named(wrecked, "naive alignment").every((f) => !f.holds), "no regime over a wrecked fine-tune");
  const again = await runEm(tiny, { out, cacheDir, quiet: true });
  assert.equal(again.summary.baseFromCache.persona, true);
  assert.deepEqual(again.runs, first.runs);
});

Deno.test("a point with a diverged seed is left out of its means and kept off the frontier", () => {
  const spec = (id: string) => ({ id, strategy: id, label: id, params: {}, swept: {} });
  const run = (point: string, seed: number, task: number, alignment: number, diverged = false) => ({
    point,
    base: 0,
    seed,
    task,
    alignment,
    diverged,
    breakdown: {},
  });
  const points = aggregatePoints([spec("steady"), spec("wild")], [
    run("steady", 1, 0.8, 0.5),
    run("wild", 1, 0.9, 0.9),
    run("wild", 2, Number.NaN, Number.NaN, true),
  ]);
  const wild = points.find((p) => p.id === "wild")!;
  assert.deepEqual(wild.seeds, [1]);
  assert.deepEqual(wild.divergedSeeds, [2]);
  assert.equal(wild.alignment.mean, 0.9);
  assert.deepEqual(pointFrontier(points).map((p) => p.id), ["steady"]);
});

Deno.test("fine-tune seeds spread over two workers give exactly the serial run's numbers", async () => {
  const cacheDir = await Deno.makeTempDir();
  const serial = await runEm(tiny, { out: await Deno.makeTempDir(), cacheDir, quiet: true });
  const parallel = await runEm(tiny, { out: await Deno.makeTempDir(), cacheDir, quiet: true, workers: 2 });
  const withoutClock = (runs: typeof serial.runs) => runs.map((r) => ({ ...r, seconds: 0 }));
  assert.deepEqual(withoutClock(parallel.runs), withoutClock(serial.runs));
});

Deno.test("--quick runs one seed on one base, --full three seeds on every base; all share their records", async () => {
  const quick = em.atBudget!(tiny, "quick"), full = em.atBudget!(tiny, "full");
  assert.deepEqual([quick.seeds, quick.bases], [[1], [0]]);
  assert.deepEqual([full.seeds, full.bases], [[1, 2, 3], [0, 1]]);
  // Seeds and bases are not in the hash: every record names its base and seed, so runs of any budget share them.
  const hashes = await Promise.all([tiny, quick, full].map((c) => em.hash(c, "wasm")));
  assert.equal(new Set(hashes).size, 1);
  assert.notEqual(await em.hash({ ...tiny, fineTune: { ...tiny.fineTune, steps: 6 } }, "wasm"), hashes[0]);
  assert.equal(parseCommand(["em", "--full"]).budget, "full");
  assert.throws(() => parseCommand(["em", "--quick", "--full"]), /--quick, --full: give one budget/);
});

Deno.test("em-total is em's organism and sweep in the 40-question world, with the fine-tune run to the end", async () => {
  const partial = await loadYamlConfig(em.configSchema, em.defaultConfig);
  const total = await loadYamlConfig(emTotal.configSchema, emTotal.defaultConfig);
  assert.equal(experimentByName("em-total"), emTotal);
  const shape = (c: typeof partial) => [c.regime, c.fineTune.steps, c.data.questionsPerDomain];
  assert.deepEqual(shape(partial), ["partial", 20, 100]);
  assert.deepEqual(shape(total), ["total", 30, 40]);
  const same = (c: typeof partial) => ({
    ...c,
    regime: undefined,
    data: { ...c.data, questionsPerDomain: 0 },
    fineTune: { ...c.fineTune, steps: 0 },
  });
  assert.deepEqual(same(total), same(partial), "nothing else differs");
  // Each world its own bases (their keys leave the fine-tune out), both in data/cache/em/.
  const key = (c: typeof partial) => baseModelKey({ ...c, modelSeed: 0 }, emOrganism.baseCodeVersion);
  assert.notEqual(await key(total), await key(partial));
  assert.equal(
    await key(total),
    await key({ ...partial, data: { ...partial.data, questionsPerDomain: 40 } }),
  );
  assert.notEqual(await emTotal.hash(total, "wasm"), await em.hash(partial, "wasm"), "their own records");
});

Deno.test("em-proxies runs on em's persona bases with em's fine-tune", async () => {
  const partial = await loadYamlConfig(em.configSchema, em.defaultConfig);
  const proxies = await loadYamlConfig(emProxies.configSchema, emProxies.defaultConfig);
  const key = (c: typeof partial) => baseModelKey({ ...c, modelSeed: 0 }, emOrganism.baseCodeVersion);
  assert.equal(await key(proxies), await key(partial));
  assert.deepEqual(proxies.fineTune, partial.fineTune);
});
