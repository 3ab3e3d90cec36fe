import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import {
  prepareExperiment,
  runExperiment,
  type RunExperimentOptions,
  runPrepared,
} from "../lib/experiments/driver.ts";
import { type Executor, InProcessExecutor, WorkerPool } from "../lib/experiments/executors.ts";
import { formatFindings } from "../lib/eval/findings.ts";
import { toy } from "../lib/experiments/toy/experiment.ts";
import type { ToyConfig } from "../lib/experiments/toy/config.ts";
import { ToyRunSchema } from "../lib/experiments/toy/summary.ts";
import { prepareToy } from "../lib/data/toy_world.ts";
import { ToySummarySchema } from "../lib/experiments/toy/summary.ts";
import { toyFindings } from "../lib/experiments/toy/findings.ts";
import { writeFigure } from "../lib/plot/figure.ts";
import { toyFigures } from "../lib/plot/toy.ts";
import { tinyToyConfig } from "./_tiny.ts";

await initBackend("wasm");

/** Runs the toy on `executor` (default: this thread) and closes it. */
async function runToy(config: ToyConfig, options: RunExperimentOptions & { executor?: Executor } = {}) {
  const executor = options.executor ?? new InProcessExecutor();
  try {
    const { summary, records } = await runExperiment(toy, config, { ...options, executor });
    return { summary, runs: records };
  } finally {
    executor.close();
  }
}

Deno.test("a toy run writes a schema-valid summary, run records and figures", async () => {
  const out = await Deno.makeTempDir();
  const { summary, runs } = await runToy(tinyToyConfig(), { out, quiet: true });
  const context = await prepareToy(tinyToyConfig());
  const onDisk = ToySummarySchema.parse(JSON.parse(await Deno.readTextFile(`${out}/toy/summary.json`)));
  assert.deepEqual(onDisk, summary);
  assert.equal(summary.backend, "wasm");
  assert.deepEqual(summary.categories, context.triggers.categories.map((c) => c.name));
  assert.deepEqual(summary.heatmaps.k1!.cols, summary.categories);
  assert.ok(!summary.heatmaps.k1!.rows.includes("positive_emotions"));
  assert.equal(runs.length, 1 + 1 + 6); // base, no proxy, K=1 × 6 categories
  for (const run of runs) {
    ToyRunSchema.parse(JSON.parse(await Deno.readTextFile(`${out}/toy/${run.id}/summary.json`)));
  }
  assert.equal(
    (await Deno.readTextFile(`${out}/toy/seed3/none/metrics.jsonl`)).trim().split("\n").length,
    12,
  );
  const proxied = runs.find((r) => r.id === "seed3/k1-objects")!;
  assert.equal(proxied.proxyTriggers.length, 1);
  // Every cell of the K = 1 heat-map is a measured accuracy (its seed ran every proxy condition).
  const cells = summary.heatmaps.k1!.mean.flat();
  assert.equal(cells.length, summary.heatmaps.k1!.rows.length * summary.categories.length);
  assert.ok(cells.every((v) => v >= 0 && v <= 1), `heat-map cells: ${cells.join(", ")}`);

  for (const figure of toyFigures(summary, runs, context.triggers.colours)) {
    const { html, json } = await writeFigure(figure, `${out}/figures`);
    assert.match(await Deno.readTextFile(html), /Plotly\.newPlot/);
    assert.ok(JSON.parse(await Deno.readTextFile(json)).data.length > 0, figure.name);
  }
  assert.equal(toyFindings(summary).length, 6);
  assert.match(formatFindings(toyFindings(summary)), /forgetting/);
});

Deno.test("a rerun reuses finished runs, and a corrupt record is detected and recomputed", async () => {
  const out = await Deno.makeTempDir();
  const config = tinyToyConfig();
  const first = await runToy(config, { out, quiet: true });
  const again = await runToy(config, { out, quiet: true });
  assert.deepEqual(again.runs, first.runs); // identical, including recorded seconds: nothing was retrained

  await Deno.writeTextFile(`${out}/toy/seed3/k1-foods/summary.json`, '{"id": "seed3/k1-foods", "heldOut": ');
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    const repaired = await runToy(config, { out, quiet: true });
    const before = first.runs.find((r) => r.id === "seed3/k1-foods")!;
    const after = repaired.runs.find((r) => r.id === "seed3/k1-foods")!;
    assert.deepEqual({ ...after, seconds: 0 }, { ...before, seconds: 0 }); // recomputed to the same numbers
    assert.ok(warnings.some((w) => /recomputed seed3\/k1-foods \(corrupt/.test(w)), warnings.join("\n"));
  } finally {
    console.warn = warn;
  }
});

Deno.test("a changed config is refused in a folder holding a run, replaces it on request, and never reuses it", async () => {
  const out = await Deno.makeTempDir();
  await runToy(tinyToyConfig(), { out, quiet: true });
  const other = tinyToyConfig({ fineTune: { steps: 6, curveEvery: 3 } });
  await assert.rejects(runToy(other, { out, quiet: true }), /holds a run of another config.*--replace/s);
  const replaced = await runToy(other, { out, quiet: true, replace: true });
  assert.ok(replaced.runs.filter((r) => r.stage !== "base").every((r) => r.steps === 6));
  // The claim is checked again under the lock: without replace at run time, the run is refused.
  const prepared = await prepareExperiment(toy, tinyToyConfig(), { out, replace: true });
  await assert.rejects(runPrepared(prepared, { out, quiet: true }), /holds a run of another config/);
  // A folder without its claim (written before claims existed) still never serves another config's records.
  await Deno.remove(`${out}/toy/experiment.json`);
  const back = await runToy(tinyToyConfig(), { out, quiet: true });
  assert.ok(
    back.runs.filter((r) => r.stage !== "base").every((r) => r.steps === tinyToyConfig().fineTune.steps),
  );
});

Deno.test("seeds spread over two workers give exactly the serial run's numbers", async () => {
  const config = tinyToyConfig({ seeds: [3, 4] });
  const serial = await runToy(config, { out: await Deno.makeTempDir(), quiet: true });
  const parallel = await runToy(config, {
    out: await Deno.makeTempDir(),
    quiet: true,
    executor: new WorkerPool(2),
  });
  const withoutClock = (runs: typeof serial.runs) => runs.map((r) => ({ ...r, seconds: 0 }));
  assert.deepEqual(withoutClock(parallel.runs), withoutClock(serial.runs));
  assert.deepEqual({ ...parallel.summary, wallSeconds: 0 }, { ...serial.summary, wallSeconds: 0 });
});

Deno.test("a run that fails mid-way keeps the records of finished jobs, writes no summary, and resumes", async () => {
  const out = await Deno.makeTempDir();
  const config = tinyToyConfig({ seeds: [3, 4] });
  const inner = new InProcessExecutor();
  let jobs = 0;
  const failing: Executor = {
    size: 1,
    run: (experiment, cfg, job, spec, onProgress) => {
      if (++jobs === 2) return Promise.reject(new Error("the machine went away"));
      return inner.run(experiment, cfg, job, spec, onProgress);
    },
    close: () => inner.close(),
  };
  await assert.rejects(runToy(config, { out, quiet: true, executor: failing }), /the machine went away/);
  await Deno.stat(`${out}/toy/seed3/none/summary.json`);
  await assert.rejects(Deno.stat(`${out}/toy/seed4/none/summary.json`), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(`${out}/toy/summary.json`), Deno.errors.NotFound);
  const whole = await runToy(config, { quiet: true });
  const resumed = await runToy(config, { out, quiet: true });
  const withoutClock = (runs: typeof whole.runs) => runs.map((r) => ({ ...r, seconds: 0 }));
  assert.deepEqual(withoutClock(resumed.runs), withoutClock(whole.runs));
  ToySummarySchema.parse(JSON.parse(await Deno.readTextFile(`${out}/toy/summary.json`)));
});

Deno.test("diverged runs are marked, reported, kept off every mean and finding, and the summary still validates", async () => {
  const out = await Deno.makeTempDir();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (line: string) => void warnings.push(line);
  let result;
  try {
    const config = { ...tinyToyConfig(), fineTune: { ...tinyToyConfig().fineTune, learningRate: 1e6 } };
    result = await runToy(config, { out, quiet: true });
  } finally {
    console.warn = warn;
  }
  const { summary, runs } = result;
  const tuned = runs.filter((r) => r.stage !== "base");
  assert.equal(summary.diverged.length, tuned.length);
  assert.ok(tuned.every((r) => r.diverged), "every fine-tune at learning rate 10⁶ diverges");
  assert.ok(tuned.every((r) => r.steps < tinyToyConfig().fineTune.steps), "and stops there");
  assert.match(warnings.join("\n"), new RegExp(`toy: ${tuned.length} of ${runs.length} runs diverged`));
  const onDisk = ToySummarySchema.parse(JSON.parse(await Deno.readTextFile(`${out}/toy/summary.json`)));
  assert.deepEqual(onDisk.diverged.sort(), tuned.map((r) => r.id).sort());
  const findings = toyFindings(onDisk);
  assert.ok(findings.slice(1).every((f) => !f.holds && !Number.isFinite(f.value)));
  assert.match(formatFindings(findings), /\? flipped-task accuracy .*: not measurable/);
  assert.ok(Number.isFinite(findings[0]!.value), "the base (not diverged) is still measured");

  const exploded = { ...tinyToyConfig(), base: { ...tinyToyConfig().base, learningRate: 1e6 } };
  const base = (await runToy(exploded, { quiet: true })).runs.find((r) => r.stage === "base")!;
  assert.ok(base.diverged, `a base whose loss explodes (to ${base.finalLoss}) is marked diverged`);
});
