/**
 * `deno task bench [--out DIR] [--skip single|unbatched|pytorch|strategies …]`: times the toy's 4-seed heat-map
 * set (4 bases + 52 fine-tunes: no proxy, K = 1, K = 5) batched (ensembles, the default) on every core and on one
 * worker (what the second core buys), unbatched on every core, and — when `/usr/bin/python3` has torch (Debian's
 * `python3-torch`) — the reference PyTorch loop in `bench/toy_reference.py` on the same rows, with the BLAS torch
 * loads by default and again with each other BLAS installed; then the default strategy sweep, batched and
 * unbatched. Writes `DIR/bench.json` and prints a Markdown table for the README. A benchmark, not a test:
 * nothing here asserts a speed.
 *
 * @module
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../backend.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import { loadToyConfig, runToy, type ToyResults } from "../experiments/toy/run.ts";
import {
  conditionId,
  conditions,
  disposeSeedData,
  fineTuneRows,
  heldOutEvaluation,
  prepareToy,
  seedData,
  toyInputValues,
} from "../experiments/toy/stages.ts";
import type { ToyConfig } from "../experiments/toy/config.ts";
import {
  loadStrategiesToyConfig,
  runStrategiesToy,
  type StrategiesToyResults,
} from "../experiments/strategies_toy/run.ts";
import { defaultWorkers } from "../experiments/parallel.ts";

const PYTHON = "/usr/bin/python3";
const REFERENCE = new URL("../../bench/toy_reference.py", import.meta.url);

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

/** Training examples processed (rows × steps over every run), the throughput's numerator. */
function examplesOf(results: ToyResults, rowsPerRun: Map<string, number>): number {
  return results.runs.reduce((sum, r) => sum + r.steps * (rowsPerRun.get(r.id) ?? 0), 0);
}

/**
 * How far the batched heat-maps are from the unbatched ones: the largest |difference| of a cell's mean and the
 * largest |difference| / √(sem_a² + sem_b²) (a z-score; |z| < 2 everywhere reads as indistinguishable).
 */
function agreement(a: ToyResults, b: ToyResults): { maxAbsDifference: number; maxZ: number; cells: number } {
  let maxAbsDifference = 0, maxZ = 0, cells = 0;
  for (const [key, heat] of Object.entries(a.summary.heatmaps)) {
    const other = b.summary.heatmaps[key]!;
    heat.mean.forEach((row, i) =>
      row.forEach((value, j) => {
        const diff = Math.abs(value - other.mean[i]![j]!);
        const sem = Math.hypot(heat.sem[i]![j]!, other.sem[i]![j]!);
        maxAbsDifference = Math.max(maxAbsDifference, diff);
        maxZ = Math.max(maxZ, diff === 0 ? 0 : diff / Math.max(sem, 1e-12));
        cells++;
      })
    );
  }
  return { maxAbsDifference, maxZ, cells };
}

/**
 * How far the batched sweep's points are from the unbatched ones: over every point's mean task and alignment
 * accuracy, the largest |difference| and largest z-score (as `agreement`).
 */
function sweepAgreement(
  a: StrategiesToyResults,
  b: StrategiesToyResults,
): { maxAbsDifference: number; maxZ: number; values: number } {
  let maxAbsDifference = 0, maxZ = 0, values = 0;
  for (const point of a.summary.points) {
    const other = b.summary.points.find((p) => p.id === point.id)!;
    for (const key of ["task", "alignment"] as const) {
      const diff = Math.abs(point[key].mean - other[key].mean);
      const sem = Math.hypot(point[key].sem, other[key].sem);
      maxAbsDifference = Math.max(maxAbsDifference, diff);
      maxZ = Math.max(maxZ, diff === 0 ? 0 : diff / Math.max(sem, 1e-12));
      values++;
    }
  }
  return { maxAbsDifference, maxZ, values };
}

/** Writes the heat-map set's rows for the PyTorch reference; returns rows per run id. */
async function exportReferenceData(config: ToyConfig, dir: string): Promise<Map<string, number>> {
  await Deno.mkdir(dir, { recursive: true });
  const ctx = await prepareToy(config);
  const rowsPerRun = new Map<string, number>();
  let files = 0;
  const write = async (values: Float32Array | Int32Array, shape: number[]) => {
    const file = `${files++}.bin`;
    await Deno.writeFile(
      `${dir}/${file}`,
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
    return { file, shape };
  };
  const width = ctx.inputWidth;
  const seeds = [];
  for (const seed of config.seeds) {
    const data = seedData(ctx, seed);
    rowsPerRun.set(`seed${seed}/base`, data.baseRows.labels.length);
    const held = heldOutEvaluation(data);
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

/** What the PyTorch reference reports. */
interface PytorchRun {
  seconds: number;
  examples: number;
  threads: number;
  torch: string;
  /** The library behind torch's BLAS calls. */
  blas: string[] | null;
}

/** Runs `bench/toy_reference.py` on one thread, optionally with `libblas.so.3` taken from `blasDirectory`. */
async function runReference(data: string, result: string, blasDirectory?: string): Promise<PytorchRun> {
  const { success, stderr } = await new Deno.Command(PYTHON, {
    args: [REFERENCE.pathname, data, result, "1"],
    ...(blasDirectory ? { env: { LD_LIBRARY_PATH: blasDirectory } } : {}),
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`The PyTorch reference failed:\n${new TextDecoder().decode(stderr)}`);
  return JSON.parse(await Deno.readTextFile(result));
}

/**
 * The BLAS libraries installed for Debian's torch: each provider of `libblas.so.3` (reference BLAS, OpenBLAS,
 * BLIS) lives in its own directory under /usr/lib/<arch>/, and the alternatives system picks one by default.
 */
async function blasDirectories(): Promise<string[]> {
  const found: string[] = [];
  const entries = async (dir: string) => {
    try {
      return await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return [];
    }
  };
  for (const arch of await entries("/usr/lib")) {
    if (!arch.isDirectory || !arch.name.includes("-linux-")) continue;
    for (const provider of await entries(`/usr/lib/${arch.name}`)) {
      const dir = `/usr/lib/${arch.name}/${provider.name}`;
      if (provider.isDirectory && (await entries(dir)).some((e) => e.name === "libblas.so.3")) {
        found.push(dir);
      }
    }
  }
  return found.sort();
}

/** A short name for the BLAS torch loaded, read off its library's path. */
function blasName(paths: string[] | null): string {
  const path = paths?.[0]?.toLowerCase();
  if (!path) return "";
  const known = [["openblas", "OpenBLAS"], ["blis", "BLIS"], ["mkl", "MKL"], ["/blas/", "reference BLAS"]];
  return `, ${known.find(([key]) => path.includes(key!))?.[1] ?? path.split("/").at(-1)}`;
}

async function hasTorch(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(PYTHON, { args: ["-c", "import torch"], stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string", default: "out/bench" }, skip: { type: "string", multiple: true } },
  });
  const skip = new Set(values.skip ?? []);
  for (const s of skip) {
    if (!["single", "unbatched", "pytorch", "strategies"].includes(s)) {
      throw new Error(`Cannot skip "${s}": choose from single, unbatched, pytorch, strategies`);
    }
  }
  const out = values.out!;
  await Deno.mkdir(out, { recursive: true });
  const backend = await initBackend();
  const workers = defaultWorkers(4);
  console.error(`bench: backend ${backend.name}, ${workers} workers, ${navigator.hardwareConcurrency} cores`);

  const config = await heatmapConfig();
  const scratch = await Deno.makeTempDir({ prefix: "selgen-bench-" });
  const rowsPerRun = await exportReferenceData(config, `${scratch}/reference`);
  const run = (batched: boolean, runWorkers = workers) =>
    timed(() =>
      runToy(config, {
        out: `${scratch}/${batched ? "batched" : "unbatched"}-${runWorkers}`,
        quiet: true,
        batched,
        workers: runWorkers,
      })
    );

  console.error("bench: heat-map set, batched …");
  const batched = await run(true);
  console.error(`bench: batched ${batched.seconds.toFixed(1)} s`);
  // The same work in this one thread: what the workers buy on this machine's cores.
  let oneWorker: Awaited<ReturnType<typeof run>> | undefined;
  if (!skip.has("single") && workers > 1) {
    console.error("bench: heat-map set, batched, 1 worker …");
    oneWorker = await run(true, 1);
    console.error(`bench: batched on 1 worker ${oneWorker.seconds.toFixed(1)} s`);
  }
  let unbatched: Awaited<ReturnType<typeof run>> | undefined;
  if (!skip.has("unbatched")) {
    console.error("bench: heat-map set, unbatched …");
    unbatched = await run(false);
    console.error(`bench: unbatched ${unbatched.seconds.toFixed(1)} s`);
  }
  let pytorch: PytorchRun | undefined;
  const otherBlas: PytorchRun[] = [];
  if (!skip.has("pytorch") && await hasTorch()) {
    console.error("bench: heat-map set, PyTorch reference (1 thread) …");
    pytorch = await runReference(`${scratch}/reference`, `${scratch}/pytorch.json`);
    console.error(
      `bench: PyTorch ${pytorch.seconds.toFixed(1)} s (torch ${pytorch.torch}${blasName(pytorch.blas)})`,
    );
    // The same loop on every other BLAS installed: torch's speed here is mostly its BLAS's.
    const loaded = new Set((pytorch.blas ?? []).map((path) => dirname(path)));
    for (const dir of (await blasDirectories()).filter((d) => !loaded.has(d))) {
      const other = await runReference(`${scratch}/reference`, `${scratch}/pytorch-other.json`, dir);
      otherBlas.push(other);
      console.error(`bench: PyTorch ${other.seconds.toFixed(1)} s${blasName(other.blas)}`);
    }
  } else if (!skip.has("pytorch")) {
    console.error(`bench: ${PYTHON} has no torch (apt-get install python3-torch); PyTorch column left null`);
  }
  let sweep: { seconds: number; points: number; runs: number } | undefined;
  let sweepUnbatched: { seconds: number; agreement: ReturnType<typeof sweepAgreement> } | undefined;
  if (!skip.has("strategies")) {
    console.error("bench: default strategy sweep, batched …");
    const strategies = await loadStrategiesToyConfig();
    const result = await timed(() =>
      runStrategiesToy(strategies, { out: `${scratch}/strategies`, quiet: true })
    );
    sweep = { seconds: result.seconds, points: result.value.points.length, runs: result.value.runs.length };
    console.error(`bench: strategy sweep ${sweep.seconds.toFixed(1)} s`);
    if (!skip.has("unbatched")) {
      console.error("bench: default strategy sweep, unbatched …");
      const one = await timed(() =>
        runStrategiesToy(strategies, { out: `${scratch}/strategies-unbatched`, quiet: true, batched: false })
      );
      sweepUnbatched = { seconds: one.seconds, agreement: sweepAgreement(result.value, one.value) };
      console.error(`bench: strategy sweep unbatched ${one.seconds.toFixed(1)} s`);
    }
  }

  const examples = examplesOf(batched.value, rowsPerRun);
  const report = {
    date: new Date().toISOString(),
    machine: {
      cores: navigator.hardwareConcurrency,
      backend: backend.name,
      deno: Deno.version.deno,
      workers,
    },
    toy: {
      runs: batched.value.runs.length,
      seeds: config.seeds,
      batchedSeconds: batched.seconds,
      batchedOneWorkerSeconds: oneWorker?.seconds ?? null,
      unbatchedSeconds: unbatched?.seconds ?? null,
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
      speedupOverOneWorker: oneWorker ? oneWorker.seconds / batched.seconds : null,
      speedupOverUnbatched: unbatched ? unbatched.seconds / batched.seconds : null,
      speedupOverPytorch: pytorch ? pytorch.seconds / batched.seconds : null,
      examplesPerSecond: {
        batched: examples / batched.seconds,
        batchedOneWorker: oneWorker ? examples / oneWorker.seconds : null,
        unbatched: unbatched ? examples / unbatched.seconds : null,
        pytorch: pytorch ? pytorch.examples / pytorch.seconds : null,
      },
      heatmapAgreement: unbatched ? agreement(batched.value, unbatched.value) : null,
    },
    strategySweep: {
      batchedSeconds: sweep?.seconds ?? null,
      unbatchedSeconds: sweepUnbatched?.seconds ?? null,
      points: sweep?.points ?? null,
      runs: sweep?.runs ?? null,
      speedupOverUnbatched: sweep && sweepUnbatched ? sweepUnbatched.seconds / sweep.seconds : null,
      /** Batched vs unbatched points' mean task and alignment accuracy. */
      pointAgreement: sweepUnbatched?.agreement ?? null,
    },
  };
  await writeJsonAtomic(`${out}/bench.json`, report);
  await Deno.remove(scratch, { recursive: true });
  const f = (x: number | null, digits = 1) => (x === null ? "—" : x.toFixed(digits));
  console.log(
    [
      `| ${
        report.date.slice(0, 10)
      }, ${report.machine.cores} cores, ${backend.name} | seconds | examples/s | time ÷ batched |`,
      "|---|---:|---:|---:|",
      `| toy heat-map set, batched (${workers} workers) | ${f(batched.seconds)} | ${
        f(report.toy.examplesPerSecond.batched, 0)
      } | 1.00 |`,
      `| toy heat-map set, batched (1 worker) | ${f(report.toy.batchedOneWorkerSeconds)} | ${
        f(report.toy.examplesPerSecond.batchedOneWorker, 0)
      } | ${f(report.toy.speedupOverOneWorker, 2)} |`,
      `| toy heat-map set, unbatched (${workers} workers) | ${f(report.toy.unbatchedSeconds)} | ${
        f(report.toy.examplesPerSecond.unbatched, 0)
      } | ${f(report.toy.speedupOverUnbatched, 2)} |`,
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
      `| default strategy sweep (${sweep?.points ?? "—"} points × 4 seeds), batched | ${
        f(report.strategySweep.batchedSeconds)
      } | | 1.00 |`,
      `| default strategy sweep, unbatched | ${f(report.strategySweep.unbatchedSeconds)} | | ${
        f(report.strategySweep.speedupOverUnbatched, 2)
      } |`,
    ].join("\n"),
  );
  if (report.toy.heatmapAgreement) {
    const a = report.toy.heatmapAgreement;
    console.log(
      `\nHeat-maps, batched vs unbatched: ${a.cells} cells, largest difference ${
        a.maxAbsDifference.toFixed(4)
      }, ` +
        `largest |z| ${a.maxZ.toFixed(2)}`,
    );
  }
  if (report.strategySweep.pointAgreement) {
    const a = report.strategySweep.pointAgreement;
    console.log(
      `Strategy sweep, batched vs unbatched: ${a.values} point means, largest difference ${
        a.maxAbsDifference.toFixed(4)
      }, largest |z| ${a.maxZ.toFixed(2)}`,
    );
  }
  console.log(`\nWrote ${out}/bench.json`);
}

if (import.meta.main) await main();
