/**
 * `deno task bench [--out DIR] [--skip single|one-by-one|pytorch|strategies|organisms|bases|webgpu …]`:
 * times the toy's 4-seed heat-map set (4 bases + 52 fine-tunes: no proxy, K = 1, K = 5), run by the engine as
 * ensembles (batched) on every core (a `WorkerPool`) and on one worker (`InProcessExecutor`: what the second
 * core buys); one model at a time in this thread (the bench's own loop over `stages.ts` `trainBase` /
 * `fineTune` / `evaluate`: what the ensembles buy; the engine has no unbatched mode), with its heat-maps
 * compared to the ensembles'; and — when `/usr/bin/python3` has torch (Debian's `python3-torch`) — the
 * reference PyTorch loop in `bench/toy_reference.py` on the same rows, with the BLAS torch loads by default and
 * again with each other BLAS installed; then the default strategy sweep on every core (ensembles only: it has
 * no one-by-one comparison); then each organism (`organism_bench.ts`: its default sweep, and its task-only
 * fine-tunes on one thread as an ensemble, one seed at a time, and in PyTorch; and one base trained afresh,
 * beside PyTorch); last the EM fine-tune step on the WebGPU adapter Deno finds beside WASM
 * (`webgpu_bench.ts`). Writes `DIR/bench.json` and prints a Markdown table for the README. A benchmark, not a
 * test: nothing here asserts a speed.
 *
 * @module
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../backend.ts";
import { type MeanSem, meanSem } from "../eval/stats.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import { disposeClassifier } from "../models/mlp.ts";
import type { TrainResult } from "../train/loop.ts";
import { runExperiment } from "../experiments/driver.ts";
import { defaultWorkers, type Executor, InProcessExecutor, WorkerPool } from "../experiments/executors.ts";
import { loadToyConfig, toy } from "../experiments/toy/experiment.ts";
import type { ToyRun } from "../experiments/toy/summary.ts";
import {
  type Condition,
  conditionId,
  conditions,
  fineTuneRows,
  heldOutRows,
  prepareToy,
  toyInputValues,
} from "../data/toy_world.ts";
import { disposeSeedData, evaluate, fineTune, seedData, trainBase } from "../train/toy_stages.ts";
import type { ToyConfig } from "../experiments/toy/config.ts";
import { loadStrategiesToyConfig, strategiesToy } from "../experiments/strategies_toy/experiment.ts";
import {
  blasDirectories,
  blasName,
  hasTorch,
  PYTHON,
  type PytorchRun,
  referenceWriter,
  runPython,
} from "./pytorch.ts";
import { type OrganismBench, organismBench, organismRows } from "./organism_bench.ts";
import { type WebGpuBench, webgpuBench, webgpuRows } from "./webgpu_bench.ts";

/** What the toy's PyTorch reference reports beside its time: the training examples it processed. */
type ToyPytorchRun = PytorchRun & { examples: number };

const REFERENCE = new URL("../../bench/toy_reference.py", import.meta.url);
const SKIPPABLE = ["single", "one-by-one", "pytorch", "strategies", "organisms", "bases", "webgpu"];

/** The heat-map set: the default toy config with K ∈ {1, 5} and no training curves. */
export async function heatmapConfig(): Promise<ToyConfig> {
  const base = await loadToyConfig();
  return { ...base, proxy: { ks: [1, 5] }, fineTune: { ...base.fineTune, curveEvery: 0 } };
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { seconds: (performance.now() - started) / 1000, value };
}

/** Times `run` on an executor made inside the timing (workers start on the clock) and closed after. */
function timedOn<T>(make: () => Executor, run: (executor: Executor) => Promise<T>) {
  return timed(async () => {
    const executor = make();
    try {
      return await run(executor);
    } finally {
      executor.close();
    }
  });
}

/** What the throughput and the heat-map agreement read of a run: an engine record or a one-by-one run. */
type RunMeasures = Pick<ToyRun, "id" | "stage" | "k" | "proxyCategory" | "heldOut" | "steps" | "diverged">;

/** Training examples processed (rows × steps over every run), the throughput's numerator. */
function examplesOf(runs: readonly RunMeasures[], rowsPerRun: Map<string, number>): number {
  return runs.reduce((sum, r) => sum + r.steps * (rowsPerRun.get(r.id) ?? 0), 0);
}

/**
 * The heat-map set one model at a time in this thread, as the toy ran before ensembles: each ensemble member
 * gives these numbers alone (`tests/ensemble_test.ts`), so this is the same work unbatched.
 */
async function oneByOne(config: ToyConfig): Promise<RunMeasures[]> {
  const ctx = await prepareToy(config);
  const runs: RunMeasures[] = [];
  const record = (
    seed: number,
    of: Condition | { kind: "base" },
    result: TrainResult,
    heldOut: ToyRun["heldOut"],
  ) =>
    runs.push({
      id: `seed${seed}/${of.kind === "base" ? "base" : conditionId(of)}`,
      stage: of.kind,
      ...(of.kind === "proxy" ? { k: of.k, proxyCategory: of.category } : {}),
      heldOut,
      steps: result.steps,
      diverged: result.diverged,
    });
  for (const seed of config.seeds) {
    const data = seedData(ctx, seed);
    const base = trainBase(ctx, data);
    try {
      record(seed, { kind: "base" }, base.result, evaluate(ctx, data, base.model, false).heldOut);
      for (const condition of conditions(ctx)) {
        const tuned = fineTune(ctx, data, base.model, condition);
        try {
          record(seed, condition, tuned.result, evaluate(ctx, data, tuned.model, true).heldOut);
        } finally {
          disposeClassifier(tuned.model); // its adapters only; the base stays
        }
      }
    } finally {
      disposeClassifier(base.model);
      disposeSeedData(data);
    }
  }
  return runs;
}

/**
 * The heat-maps' cells: held-out accuracy per K, proxy category and category over seeds. Diverged runs stay
 * in, so both sides always have the same cells and a divergence on one side shows as a difference.
 */
function heatmapCells(runs: readonly RunMeasures[]): Map<string, MeanSem> {
  const values = new Map<string, number[]>();
  for (const run of runs.filter((r) => r.stage === "proxy")) {
    for (const [category, accuracy] of Object.entries(run.heldOut)) {
      const key = `k${run.k}/${run.proxyCategory}/${category}`;
      values.set(key, [...(values.get(key) ?? []), accuracy]);
    }
  }
  return new Map([...values].map(([key, v]) => [key, meanSem(v)]));
}

/**
 * How far the batched heat-maps are from the one-by-one ones: the largest |difference| of a cell's mean and
 * the largest |difference| / √(sem_a² + sem_b²) (a z-score; |z| < 2 everywhere reads as indistinguishable).
 */
function agreement(
  a: readonly RunMeasures[],
  b: readonly RunMeasures[],
): { maxAbsDifference: number; maxZ: number; cells: number } {
  let maxAbsDifference = 0, maxZ = 0, cells = 0;
  const other = heatmapCells(b);
  for (const [key, cell] of heatmapCells(a)) {
    const diff = Math.abs(cell.mean - other.get(key)!.mean);
    const sem = Math.hypot(cell.sem, other.get(key)!.sem);
    maxAbsDifference = Math.max(maxAbsDifference, diff);
    maxZ = Math.max(maxZ, diff === 0 ? 0 : diff / Math.max(sem, 1e-12));
    cells++;
  }
  return { maxAbsDifference, maxZ, cells };
}

/** Writes the heat-map set's rows for the PyTorch reference; returns rows per run id. */
async function exportReferenceData(config: ToyConfig, dir: string): Promise<Map<string, number>> {
  const write = await referenceWriter(dir);
  const ctx = await prepareToy(config);
  const rowsPerRun = new Map<string, number>();
  const width = ctx.inputWidth;
  const seeds = [];
  for (const seed of config.seeds) {
    const data = seedData(ctx, seed);
    rowsPerRun.set(`seed${seed}/base`, data.baseRows.labels.length);
    const held = heldOutRows(data);
    const heldRows = held.evalRows;
    const names = ctx.triggers.categories.map((c) => c.name);
    const fineTunes = [];
    for (const condition of conditions(ctx)) {
      const { rows } = fineTuneRows(ctx, data, condition);
      rowsPerRun.set(`seed${seed}/${conditionId(condition)}`, rows.labels.length);
      fineTunes.push({
        id: conditionId(condition),
        inputs: await write(toyInputValues(ctx, rows), [rows.labels.length, width]),
        labels: await write(rows.labels, [rows.labels.length]),
      });
    }
    seeds.push({
      seed,
      base: {
        inputs: await write(toyInputValues(ctx, data.baseRows), [data.baseRows.labels.length, width]),
        labels: await write(data.baseRows.labels, [data.baseRows.labels.length]),
      },
      eval: {
        inputs: await write(toyInputValues(ctx, heldRows), [heldRows.labels.length, width]),
        flippedLabels: await write(held.evalFlippedLabels, [heldRows.labels.length]),
        x2: await write(Float32Array.from(heldRows.labels, (_, i) => heldRows.points[2 * i + 1]!), [
          heldRows.labels.length,
        ]),
        category: await write(Int32Array.from(heldRows.categories, (c) => names.indexOf(c)), [
          heldRows.labels.length,
        ]),
        categories: Object.fromEntries(names.map((n, i) => [n, i])),
      },
      fineTunes,
    });
    disposeSeedData(data);
  }
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({
      config: {
        hidden: config.model.hidden,
        classes: ctx.triggers.colours.length,
        baseLearningRate: config.base.learningRate,
        baseMaxSteps: config.base.maxSteps,
        baseStopLoss: config.base.stopLoss,
        fineTuneLearningRate: config.fineTune.learningRate,
        fineTuneSteps: config.fineTune.steps,
        loraRank: config.fineTune.lora.rank,
        loraScale: config.fineTune.lora.scale,
        evalMargin: config.points.evalMargin,
      },
      seeds,
    }),
  );
  return rowsPerRun;
}

/** The CPU's model name from Linux's /proc/cpuinfo (`AMD EPYC`); null where it cannot be read. */
async function cpuModel(): Promise<string | null> {
  const text = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  return /^model name[ \t]*:[ \t]*(.+)$/m.exec(text)?.[1]?.trim() ?? null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: "out/bench" },
      skip: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(`deno task bench [--out DIR] [--skip ${SKIPPABLE.join("|")} …]  (see lib/cli/bench.ts)`);
    return;
  }
  const skip = new Set(values.skip ?? []);
  for (const s of skip) {
    if (!SKIPPABLE.includes(s)) throw new Error(`Cannot skip "${s}": choose from ${SKIPPABLE.join(", ")}`);
  }
  const out = values.out!;
  await Deno.mkdir(out, { recursive: true });
  const backend = await initBackend();
  const config = await heatmapConfig();
  // One job per seed: more workers than seeds would idle.
  const workers = defaultWorkers(config.seeds.length);
  console.error(`bench: backend ${backend.id}, ${workers} workers, ${navigator.hardwareConcurrency} cores`);

  const scratch = await Deno.makeTempDir({ prefix: "selgen-bench-" });
  const rowsPerRun = await exportReferenceData(config, `${scratch}/reference`);
  const runOn = (make: () => Executor, name: string) =>
    timedOn(
      make,
      (executor) => runExperiment(toy, config, { out: `${scratch}/${name}`, quiet: true, executor }),
    );

  console.error("bench: heat-map set, batched …");
  const batched = await runOn(() => new WorkerPool(workers), "batched");
  console.error(`bench: batched ${batched.seconds.toFixed(1)} s`);
  // The same work in this one thread: what the workers buy on this machine's cores.
  let oneWorker: Awaited<ReturnType<typeof runOn>> | undefined;
  if (!skip.has("single") && workers > 1) {
    console.error("bench: heat-map set, batched, 1 worker …");
    oneWorker = await runOn(() => new InProcessExecutor(), "batched-1");
    console.error(`bench: batched on 1 worker ${oneWorker.seconds.toFixed(1)} s`);
  }
  let oneByOneRun: { seconds: number; value: RunMeasures[] } | undefined;
  if (!skip.has("one-by-one")) {
    console.error("bench: heat-map set, one model at a time (1 thread) …");
    oneByOneRun = await timed(() => oneByOne(config));
    console.error(`bench: one model at a time ${oneByOneRun.seconds.toFixed(1)} s`);
  }
  let pytorch: ToyPytorchRun | undefined;
  const otherBlas: ToyPytorchRun[] = [];
  if (!skip.has("pytorch") && await hasTorch()) {
    console.error("bench: heat-map set, PyTorch reference (1 thread) …");
    pytorch = await runPython<ToyPytorchRun>(REFERENCE, `${scratch}/reference`, `${scratch}/pytorch.json`);
    console.error(
      `bench: PyTorch ${pytorch.seconds.toFixed(1)} s (torch ${pytorch.torch}${blasName(pytorch.blas)})`,
    );
    // The same loop on every other BLAS installed: torch's speed here is mostly its BLAS's.
    const loaded = new Set((pytorch.blas ?? []).map((path) => dirname(path)));
    for (const dir of (await blasDirectories()).filter((d) => !loaded.has(d))) {
      const other = await runPython<ToyPytorchRun>(
        REFERENCE,
        `${scratch}/reference`,
        `${scratch}/pytorch-other.json`,
        dir,
      );
      otherBlas.push(other);
      console.error(`bench: PyTorch ${other.seconds.toFixed(1)} s${blasName(other.blas)}`);
    }
  } else if (!skip.has("pytorch")) {
    console.error(`bench: ${PYTHON} has no torch (apt-get install python3-torch); PyTorch column left null`);
  }
  let sweep: { seconds: number; points: number; runs: number; seeds: number } | undefined;
  if (!skip.has("strategies")) {
    console.error("bench: default strategy sweep, batched …");
    const strategies = await loadStrategiesToyConfig();
    // The driver's default executor: a worker per core (at most 4).
    const result = await timed(() =>
      runExperiment(strategiesToy, strategies, { out: `${scratch}/strategies`, quiet: true })
    );
    const { summary, records } = result.value;
    sweep = {
      seconds: result.seconds,
      points: summary.points.length,
      runs: records.length,
      seeds: summary.seeds.length,
    };
    console.error(`bench: strategy sweep ${sweep.seconds.toFixed(1)} s`);
  }

  const organisms: OrganismBench[] = [];
  if (!skip.has("organisms")) {
    const withPytorch = !skip.has("pytorch") && await hasTorch();
    for (const name of ["em", "sycophancy"] as const) {
      console.error(`bench: ${name}, default sweep and task-only fine-tunes …`);
      organisms.push(await organismBench(name, scratch, withPytorch, !skip.has("bases")));
      console.error(`bench: ${name} sweep ${organisms.at(-1)!.sweep.seconds.toFixed(1)} s`);
    }
  }

  let webgpu: WebGpuBench | null = null;
  if (!skip.has("webgpu")) {
    console.error("bench: EM fine-tune step on WebGPU and WASM (1 thread) …");
    webgpu = await webgpuBench();
    console.error(`bench: WebGPU adapter ${webgpu.adapter ?? `none (${webgpu.why})`}`);
  }

  const examples = examplesOf(batched.value.records, rowsPerRun);
  const oneByOneExamples = oneByOneRun ? examplesOf(oneByOneRun.value, rowsPerRun) : 0;
  const report = {
    date: new Date().toISOString(),
    machine: {
      /** The CPU's model name (Linux's /proc/cpuinfo), so that runs on different machines can be told apart. */
      cpu: await cpuModel(),
      cores: navigator.hardwareConcurrency,
      backend: backend.id,
      deno: Deno.version.deno,
      workers,
    },
    toy: {
      /** Models trained: bases and fine-tunes (engine records). */
      runs: batched.value.records.length,
      seeds: config.seeds,
      /** The engine's ensembles on `machine.workers` workers. */
      batchedSeconds: batched.seconds,
      /** The same on one worker (this thread). */
      batchedOneWorkerSeconds: oneWorker?.seconds ?? null,
      /** One model at a time in this thread (`oneByOne`); before the engine, "unbatched" ran on every core. */
      oneByOneSeconds: oneByOneRun?.seconds ?? null,
      pytorchSeconds: pytorch?.seconds ?? null,
      pytorchThreads: pytorch?.threads ?? null,
      pytorchVersion: pytorch?.torch ?? null,
      /** torch's BLAS library as installed: Debian's reference BLAS unless OpenBLAS is installed. */
      pytorchBlas: pytorch?.blas ?? null,
      /** The same loop on each other BLAS installed (`LD_LIBRARY_PATH`): 4–6x apart here. */
      pytorchOtherBlas: otherBlas.map((run) => ({
        blas: run.blas,
        seconds: run.seconds,
        examplesPerSecond: run.examples / run.seconds,
        speedup: run.seconds / batched.seconds,
      })),
      /** Each `speedupOver…` is that row's seconds ÷ `batchedSeconds`. */
      speedupOverOneWorker: oneWorker ? oneWorker.seconds / batched.seconds : null,
      speedupOverOneByOne: oneByOneRun ? oneByOneRun.seconds / batched.seconds : null,
      speedupOverPytorch: pytorch ? pytorch.seconds / batched.seconds : null,
      examplesPerSecond: {
        batched: examples / batched.seconds,
        batchedOneWorker: oneWorker ? examples / oneWorker.seconds : null,
        oneByOne: oneByOneRun ? oneByOneExamples / oneByOneRun.seconds : null,
        pytorch: pytorch ? pytorch.examples / pytorch.seconds : null,
      },
      /** Batched (every core) vs one-by-one heat-map cells (`agreement`). */
      heatmapAgreement: oneByOneRun ? agreement(batched.value.records, oneByOneRun.value) : null,
    },
    strategySweep: {
      /** The engine's ensembles (a member per seed) on every core, bases included. */
      batchedSeconds: sweep?.seconds ?? null,
      points: sweep?.points ?? null,
      runs: sweep?.runs ?? null,
    },
    /** Per organism: its default sweep, and task-only fine-tunes on one thread beside the PyTorch loop. */
    organisms,
    /** The EM fine-tune step and two matmuls on the WebGPU adapter found (null: skipped). */
    webgpu,
  };
  await writeJsonAtomic(`${out}/bench.json`, report);
  await Deno.remove(scratch, { recursive: true });
  const f = (x: number | null, digits = 1) => (x === null ? "—" : x.toFixed(digits));
  console.log(
    [
      `| ${report.date.slice(0, 10)}, ${
        report.machine.cpu ?? "CPU unknown"
      }, ${report.machine.cores} cores, ${backend.id} | seconds | examples/s | time ÷ batched |`,
      "|---|---:|---:|---:|",
      `| toy heat-map set, batched (${workers} workers) | ${f(batched.seconds)} | ${
        f(report.toy.examplesPerSecond.batched, 0)
      } | 1.00 |`,
      `| toy heat-map set, batched (1 worker) | ${f(report.toy.batchedOneWorkerSeconds)} | ${
        f(report.toy.examplesPerSecond.batchedOneWorker, 0)
      } | ${f(report.toy.speedupOverOneWorker, 2)} |`,
      `| toy heat-map set, one model at a time (1 thread) | ${f(report.toy.oneByOneSeconds)} | ${
        f(report.toy.examplesPerSecond.oneByOne, 0)
      } | ${f(report.toy.speedupOverOneByOne, 2)} |`,
      `| toy heat-map set, PyTorch ${report.toy.pytorchVersion ?? ""} (1 thread${
        blasName(report.toy.pytorchBlas)
      }) | ${f(report.toy.pytorchSeconds)} | ${f(report.toy.examplesPerSecond.pytorch, 0)} | ${
        f(report.toy.speedupOverPytorch, 2)
      } |`,
      ...report.toy.pytorchOtherBlas.map((run) =>
        `| toy heat-map set, PyTorch ${report.toy.pytorchVersion} (1 thread${blasName(run.blas)}) | ${
          f(run.seconds)
        } | ${f(run.examplesPerSecond, 0)} | ${f(run.speedup, 2)} |`
      ),
      `| default strategy sweep (${sweep?.points ?? "—"} points × ${sweep?.seeds ?? "—"} seeds), batched | ${
        f(report.strategySweep.batchedSeconds)
      } | | |`,
      ...organisms.flatMap((o) => organismRows(o, report.machine.workers)),
      ...(webgpu ? webgpuRows(webgpu) : []),
    ].join("\n"),
  );
  if (report.toy.heatmapAgreement) {
    const a = report.toy.heatmapAgreement;
    console.log(
      `\nHeat-maps, batched vs one model at a time: ${a.cells} cells, largest difference ${
        a.maxAbsDifference.toFixed(4)
      }, largest |z| ${a.maxZ.toFixed(2)}`,
    );
  }
  console.log(`\nWrote ${out}/bench.json`);
}

if (import.meta.main) await main();
