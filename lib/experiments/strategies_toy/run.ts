/**
 * Runs the strategy comparison on the toy: per seed one base model (stage 1), then every sweep point as a
 * LoRA fine-tune on the flipped task with the alignment proxy. Finished runs are reused on rerun.
 *
 * Batched (the default): each seed's base is trained once and saved (`<out>/strategies-toy/bases/`), and each
 * sweep point fine-tunes all seeds as one ensemble (a member per seed, on its own base); workers take the points
 * one at a time. Unbatched: one model at a time, workers share out the seeds.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { stringify as toYaml } from "yaml";
import { type BackendInfo, initBackend } from "../../backend.ts";
import { loadYamlConfig } from "../../config/load.ts";
import { writeJsonAtomic, writeTextAtomic } from "../../io/atomic.ts";
import {
  type Classifier,
  createClassifier,
  disposeClassifier,
  trainableVariables,
} from "../../models/mlp.ts";
import { loadWeights, readManifest, saveWeights } from "../../models/weights.ts";
import { memberClassifier } from "../../models/ensemble.ts";
import { fineTuneMembers, fineTuneWith, type StrategyResult } from "../../strategies/finetune.ts";
import { strategyByName } from "../../strategies/registry.ts";
import { createProgress } from "../../train/progress.ts";
import { configHash, RunStore } from "../../train/records.ts";
import { mean } from "../../eval/stats.ts";
import { dealSeeds, defaultWorkers, runSeedsInWorkers, runShares, WorkerPool } from "../parallel.ts";
import {
  disposeSeedData,
  evaluate,
  prepareToy,
  type SeedData,
  seedData,
  type ToyContext,
  trainBase,
} from "../toy/stages.ts";
import { trainBasesBatched } from "../toy/batched.ts";
import {
  DEFAULT_STRATEGIES_TOY_CONFIG_PATH,
  type StrategiesToyConfig,
  StrategiesToyConfigSchema,
} from "./config.ts";
import { expandSweep, type SweepPoint } from "../sweep.ts";
import { toyEnsembleSetup, toyStrategySetup } from "./setup.ts";
import { type StrategiesToySummary, type StrategyRunRecord, StrategyRunRecordSchema } from "./summary.ts";
import { aggregatePoints, pointFrontier } from "../../eval/points.ts";

/** Options of `runStrategiesToy`. */
export interface RunStrategiesToyOptions {
  /** Output folder; records go to `<out>/strategies-toy/`. Without it nothing is written or resumed. */
  out?: string;
  /** Override the toy config's seeds. */
  seeds?: number[];
  quiet?: boolean;
  /**
   * Deno workers to share the work (default: one per core): batched, each takes a share of the sweep points;
   * unbatched, a share of the seeds. 1 runs in this thread. Results are identical either way.
   */
  workers?: number;
  /** Fine-tune each point's seeds as one ensemble (default true); false trains one model at a time. */
  batched?: boolean;
  /**
   * This call is one worker's share of a larger run (some seeds or points, or only the bases): it writes its run
   * records only, and the caller writes `summary.json` once every share is done.
   */
  workerShare?: boolean;
  /** Run only these sweep points (by id; a worker's share). */
  points?: string[];
  /** Batched with `out`: only train (or find) the seeds' bases and save them under `<out>/strategies-toy/bases/`. */
  basesOnly?: boolean;
}

/**
 * The seeds' base models (stage 1): loaded from `dir` where a base for this config hash was saved, the rest
 * trained by `trainBasesBatched` (and saved when there is a `dir`). Workers sharing a sweep's points thus train
 * each base once.
 */
async function toyBases(
  context: ToyContext,
  datas: readonly SeedData[],
  hash: string,
  dir?: string,
): Promise<Classifier[]> {
  const { config } = context;
  const path = (data: SeedData) => `${dir}/seed${data.seed}`;
  const key = (data: SeedData) => `${hash}/seed${data.seed}`;
  const bases: (Classifier | undefined)[] = [];
  for (const data of datas) {
    if (!dir || (await readManifest(path(data)))?.key !== key(data)) {
      bases.push(undefined);
      continue;
    }
    const model = createClassifier(
      context.inputWidth,
      context.triggers.colours.length,
      config.model,
      data.rng.fork("init"),
    );
    try {
      await loadWeights(path(data), trainableVariables(model), key(data));
      bases.push(model);
    } catch (error) {
      // A damaged cache file is only a cache: say so and retrain that base.
      console.error(`strategies-toy: ${(error as Error).message}; retraining seed ${data.seed}'s base`);
      disposeClassifier(model);
      bases.push(undefined);
    }
  }
  const missing = datas.filter((_, i) => !bases[i]);
  const trained = trainBasesBatched(context, missing);
  for (const [i, data] of missing.entries()) {
    const { model, result } = trained[i]!;
    bases[datas.indexOf(data)] = model;
    if (dir) {
      await Deno.mkdir(dir, { recursive: true });
      await saveWeights(path(data), trainableVariables(model), key(data), { steps: result.steps });
    }
  }
  return bases as Classifier[];
}

/** What the comparison produced. */
export interface StrategiesToyResults {
  config: StrategiesToyConfig;
  context: ToyContext;
  backend: BackendInfo;
  points: SweepPoint[];
  runs: StrategyRunRecord[];
  summary: StrategiesToySummary;
}

/** Loads `data/configs/strategies-toy.yaml` (or another file). */
export async function loadStrategiesToyConfig(
  path: string | URL = DEFAULT_STRATEGIES_TOY_CONFIG_PATH,
): Promise<StrategiesToyConfig> {
  return await loadYamlConfig(StrategiesToyConfigSchema, path);
}

/** Runs (or resumes) the comparison and aggregates it. */
export async function runStrategiesToy(
  config: StrategiesToyConfig,
  options: RunStrategiesToyOptions = {},
): Promise<StrategiesToyResults> {
  const started = performance.now();
  const seeds = options.seeds ?? config.toy.seeds;
  const allPoints = expandSweep(config.strategies);
  for (const p of allPoints) strategyByName(p.strategy); // fail before training on a misspelt name
  const points = options.basesOnly
    ? []
    : options.points
    ? allPoints.filter((p) => options.points!.includes(p.id))
    : allPoints;
  const batched = options.batched ?? true;
  const backend = await initBackend();
  const context = await prepareToy(config.toy);
  const hash = await configHash({
    toy: { ...config.toy, seeds: undefined },
    proxy: config.proxy,
    backend: backend.name,
    // Ensemble and one-by-one runs differ by float rounding only, but are kept apart so a comparison is real.
    ...(batched ? {} : { unbatched: true }),
  });
  const units = batched ? points.length : seeds.length;
  const workers = Math.min(options.workers ?? defaultWorkers(units), units);
  if (workers > 1) {
    // Run the shares on every core; the loop below then only reads their records back.
    options = { ...options, out: options.out ?? await Deno.makeTempDir({ prefix: "selgen-strategies-" }) };
    if (!options.quiet) {
      console.error(`strategies-toy: ${batched ? "points" : "seeds"} on ${workers} workers …`);
    }
    const job = {
      experiment: "strategies-toy",
      config,
      out: options.out!,
      backend: backend.name,
      batched,
    } as const;
    if (batched) {
      // First the bases, a share of the seeds per worker; then the points one at a time, each to the next idle
      // worker (their costs differ by 3x), every worker loading all bases from disk.
      const pool = new WorkerPool(workers);
      try {
        await runShares(
          pool,
          { ...job, basesOnly: true },
          seeds,
          dealSeeds(seeds, workers).map((s) => ({ seeds: s })),
        );
        await runShares(pool, job, seeds, points.map((p) => ({ seeds: [...seeds], points: [p.id] })));
      } finally {
        pool.close();
      }
    } else {
      await runSeedsInWorkers(job, seeds, workers);
    }
  }
  const store = options.out ? new RunStore(`${options.out}/strategies-toy`) : undefined;
  if (store) await writeTextAtomic(`${store.dir}/config.yaml`, toYaml(config));
  const progress = createProgress(
    "strategies-toy",
    seeds.length * points.length,
    options.quiet ? { quiet: true } : {},
  );
  const flip = context.triggers.flip.category;
  const runs: StrategyRunRecord[] = [];
  let done = 0;

  const record = (
    seed: number,
    point: SweepPoint,
    data: SeedData,
    model: Classifier,
    result: StrategyResult,
    proxyTriggers: string[],
    seconds: number,
  ): StrategyRunRecord => {
    const heldOut = evaluate(context, data, model, true).heldOut;
    return {
      id: `seed${seed}/${point.id}`,
      seed,
      point: point.id,
      strategy: point.strategy,
      params: point.params,
      configHash: hash,
      backend: backend.name,
      steps: result.steps,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      diverged: result.diverged,
      seconds,
      proxyTriggers,
      task: heldOut[flip]!,
      alignment: mean(Object.entries(heldOut).filter(([c]) => c !== flip).map(([, v]) => v)),
      breakdown: heldOut,
      finishMetrics: result.finishMetrics,
    };
  };
  const save = async (run: StrategyRunRecord, point: SweepPoint, losses: number[]) => {
    const metrics = losses.map((loss, step) => ({ step, loss: Number.isFinite(loss) ? loss : null }));
    await store?.save(run.id, { config: { seed: run.seed, point }, metrics, summary: run });
    runs.push(run);
  };
  const stored = new Map<string, StrategyRunRecord>();
  for (const seed of seeds) {
    for (const point of points) {
      const id = `seed${seed}/${point.id}`;
      const found = await store?.load(id, StrategyRunRecordSchema, hash);
      if (found) stored.set(id, found);
    }
  }

  if (batched) {
    // Each point fine-tunes every seed at once: one ensemble member per seed, each on its own base.
    const missing = points.filter((p) => seeds.some((seed) => !stored.has(`seed${seed}/${p.id}`)));
    const datas = missing.length || options.basesOnly ? seeds.map((seed) => seedData(context, seed)) : [];
    let bases: Classifier[] = [];
    try {
      bases = await toyBases(context, datas, hash, store ? `${store.dir}/bases` : undefined);
      for (const point of points) {
        if (!missing.includes(point)) {
          runs.push(...seeds.map((seed) => stored.get(`seed${seed}/${point.id}`)!));
          progress.update(done += seeds.length, `${point.id}: reused`);
          continue;
        }
        const t0 = performance.now();
        const setup = toyEnsembleSetup(context, datas, bases, config.proxy);
        try {
          const results = fineTuneMembers(strategyByName(point.strategy), point.params, setup.context);
          // Per-run seconds: the ensemble's time shared evenly by its members.
          const seconds = (performance.now() - t0) / 1000 / seeds.length;
          for (const [m, seed] of seeds.entries()) {
            const model = memberClassifier(setup.ensemble, m, bases[m]!);
            try {
              const run = record(
                seed,
                point,
                datas[m]!,
                model,
                results[m]!,
                setup.proxyTriggers[m]!,
                seconds,
              );
              await save(run, point, results[m]!.losses);
            } finally {
              tf.dispose(model.layers.flatMap((l) => (l.lora ? [l.lora.a, l.lora.b] : [])));
            }
          }
        } finally {
          setup.dispose();
        }
        progress.update(done += seeds.length, point.id);
      }
    } finally {
      bases.forEach(disposeClassifier);
      datas.forEach(disposeSeedData);
    }
  } else {
    for (const seed of seeds) {
      if (points.every((p) => stored.has(`seed${seed}/${p.id}`))) {
        runs.push(...points.map((p) => stored.get(`seed${seed}/${p.id}`)!));
        progress.update(done += points.length, `seed ${seed}: reused`);
        continue;
      }
      const data = seedData(context, seed);
      const base = trainBase(context, data);
      try {
        for (const point of points) {
          const reused = stored.get(`seed${seed}/${point.id}`);
          if (reused) {
            runs.push(reused);
            progress.update(++done, `seed ${seed}: ${point.id} reused`);
            continue;
          }
          const t0 = performance.now();
          const setup = toyStrategySetup(context, data, base.model, config.proxy);
          try {
            const result = fineTuneWith(strategyByName(point.strategy), point.params, setup.context);
            const seconds = (performance.now() - t0) / 1000;
            await save(
              record(seed, point, data, setup.model, result, setup.proxyTriggers, seconds),
              point,
              result.losses,
            );
          } finally {
            setup.dispose();
          }
          progress.update(++done, `seed ${seed}: ${point.id}`);
        }
      } finally {
        disposeClassifier(base.model);
        disposeSeedData(data);
      }
    }
  }
  progress.finish();
  store?.reportRejected();

  const aggregated = aggregatePoints(points, runs);
  const summary: StrategiesToySummary = {
    experiment: "strategies-toy",
    backend: backend.name,
    seeds,
    wallSeconds: (performance.now() - started) / 1000,
    configHash: hash,
    flipCategory: flip,
    proxy: config.proxy,
    points: aggregated,
    frontier: pointFrontier(aggregated),
  };
  // A share (some seeds or points, or only the bases) leaves the summary to the caller.
  if (store && !options.workerShare) {
    await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  }
  return { config, context, backend, points, runs, summary };
}
