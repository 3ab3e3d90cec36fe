/**
 * Runs the strategy comparison on the toy: per seed one base model (stage 1), then every sweep point as a
 * LoRA fine-tune on the flipped task with the alignment proxy. Finished runs are reused on rerun.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { type BackendInfo, initBackend } from "../../backend.ts";
import { loadYamlConfig } from "../../config/load.ts";
import { writeJsonAtomic, writeTextAtomic } from "../../io/atomic.ts";
import { disposeClassifier } from "../../models/mlp.ts";
import { fineTuneWith } from "../../strategies/finetune.ts";
import { strategyByName } from "../../strategies/registry.ts";
import { createProgress } from "../../train/progress.ts";
import { configHash, RunStore } from "../../train/records.ts";
import { mean } from "../../eval/stats.ts";
import { defaultWorkers, runSeedsInWorkers } from "../parallel.ts";
import {
  disposeSeedData,
  evaluate,
  prepareToy,
  seedData,
  type ToyContext,
  trainBase,
} from "../toy/stages.ts";
import {
  DEFAULT_STRATEGIES_TOY_CONFIG_PATH,
  type StrategiesToyConfig,
  StrategiesToyConfigSchema,
} from "./config.ts";
import { expandSweep, type SweepPoint } from "../sweep.ts";
import { toyStrategySetup } from "./setup.ts";
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
   * Deno workers to spread the seeds over (default: one per core, up to the number of seeds); 1 runs in this
   * thread. Results are identical either way.
   */
  workers?: number;
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
  const points = expandSweep(config.strategies);
  for (const p of points) strategyByName(p.strategy); // fail before training on a misspelt name
  const backend = await initBackend();
  const context = await prepareToy(config.toy);
  const hash = await configHash({
    toy: { ...config.toy, seeds: undefined },
    proxy: config.proxy,
    backend: backend.name,
  });
  const workers = options.workers ?? defaultWorkers(seeds.length);
  if (workers > 1 && seeds.length > 1) {
    // Train the seeds on every core; the loop below then only reads their records back.
    options = { ...options, out: options.out ?? await Deno.makeTempDir({ prefix: "selgen-strategies-" }) };
    if (!options.quiet) {
      console.error(`strategies-toy: ${seeds.length} seeds on ${Math.min(workers, seeds.length)} workers …`);
    }
    await runSeedsInWorkers(
      { experiment: "strategies-toy", config, out: options.out!, backend: backend.name },
      seeds,
      workers,
    );
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

  for (const seed of seeds) {
    const ids = points.map((p) => `seed${seed}/${p.id}`);
    const stored = await Promise.all(ids.map((id) => store?.load(id, StrategyRunRecordSchema, hash)));
    if (stored.every((r) => r !== undefined)) {
      runs.push(...(stored as StrategyRunRecord[]));
      progress.update(done += points.length, `seed ${seed}: reused`);
      continue;
    }
    const data = seedData(context, seed);
    const base = trainBase(context, data);
    try {
      for (const [i, point] of points.entries()) {
        const reused = stored[i];
        if (reused) {
          runs.push(reused);
          progress.update(++done, `seed ${seed}: ${point.id} reused`);
          continue;
        }
        const t0 = performance.now();
        const setup = toyStrategySetup(context, data, base.model, config.proxy);
        try {
          const result = fineTuneWith(strategyByName(point.strategy), point.params, setup.context);
          const heldOut = evaluate(context, data, setup.model, true).heldOut;
          const run: StrategyRunRecord = {
            id: ids[i]!,
            seed,
            point: point.id,
            strategy: point.strategy,
            params: point.params,
            configHash: hash,
            backend: backend.name,
            steps: result.steps,
            finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
            diverged: result.diverged,
            seconds: (performance.now() - t0) / 1000,
            proxyTriggers: setup.proxyTriggers,
            task: heldOut[flip]!,
            alignment: mean(Object.entries(heldOut).filter(([c]) => c !== flip).map(([, v]) => v)),
            breakdown: heldOut,
            finishMetrics: result.finishMetrics,
          };
          const metrics = result.losses.map((loss, step) => ({
            step,
            loss: Number.isFinite(loss) ? loss : null,
          }));
          await store?.save(run.id, { config: { seed, point }, metrics, summary: run });
          runs.push(run);
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
  if (store) await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  return { config, context, backend, points, runs, summary };
}
