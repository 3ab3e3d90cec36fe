/**
 * Runs the emergent-misalignment experiment: load (or train) the persona and control bases, fine-tune each
 * narrowly (task-only: the naive point) over seeds, compare the strategies on the persona organism, and write
 * run records and `summary.json`. Finished runs are reused on rerun.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { type BackendInfo, initBackend } from "../../backend.ts";
import { loadYamlConfig } from "../../config/load.ts";
import { aggregatePoints, pointFrontier } from "../../eval/points.ts";
import { writeJsonAtomic, writeTextAtomic } from "../../io/atomic.ts";
import { defaultWorkers, runSeedsInWorkers } from "../parallel.ts";
import { disposeTransformer } from "../../models/transformer.ts";
import { fineTuneWith } from "../../strategies/finetune.ts";
import { strategyByName } from "../../strategies/registry.ts";
import type { OrganismRunOptions } from "../../train/cached_model.ts";
import { createProgress } from "../../train/progress.ts";
import { configHash, RunStore } from "../../train/records.ts";
import { expandSweep, NAIVE_POINT, type SweepPoint } from "../sweep.ts";
import { type EmBase, loadOrTrainEmBase } from "./base.ts";
import { DEFAULT_EM_CONFIG_PATH, type EmConfig, EmConfigSchema } from "./config.ts";
import { type EmScores, evaluateEm } from "./evaluate.ts";
import { emStrategySetup } from "./setup.ts";
import { type EmRun, EmRunSchema, type EmSummary } from "./summary.ts";

/** Options of `runEm` (shared by both organisms). */
export type RunEmOptions = OrganismRunOptions;

/** What the experiment produced. */
export interface EmResults {
  config: EmConfig;
  backend: BackendInfo;
  bases: { persona: EmBase; control: EmBase };
  baseScores: { persona: EmScores; control: EmScores };
  points: SweepPoint[];
  runs: EmRun[];
  summary: EmSummary;
  /** Releases the bases' weights. */
  dispose(): void;
}

/** Loads `data/configs/em.yaml` (or another file). */
export async function loadEmConfig(path: string | URL = DEFAULT_EM_CONFIG_PATH): Promise<EmConfig> {
  return await loadYamlConfig(EmConfigSchema, path);
}

/**
 * The same base with other fine-tune settings — the "gentleness" knobs (fewer steps, a lower rate, noisy
 * answers) that turn total emergent misalignment into partial.
 */
export function withFineTune(
  base: EmBase,
  settings: Partial<Pick<EmConfig["fineTune"], "steps" | "learningRate" | "answerNoise">>,
): EmBase {
  return { ...base, config: { ...base.config, fineTune: { ...base.config.fineTune, ...settings } } };
}

/** Fine-tunes a base with one strategy point and seed, and scores it. */
export function fineTuneEm(
  base: EmBase,
  point: SweepPoint,
  seed: number,
): Omit<EmRun, "id" | "configHash" | "backend" | "variant"> {
  const t0 = performance.now();
  const setup = emStrategySetup(base, seed);
  try {
    const result = fineTuneWith(strategyByName(point.strategy), point.params, setup.context);
    const scores = evaluateEm(base.world, setup.model);
    return {
      seed,
      point: point.id,
      strategy: point.strategy,
      params: point.params,
      steps: result.steps,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      diverged: result.diverged,
      seconds: (performance.now() - t0) / 1000,
      task: scores.task,
      alignment: scores.alignment,
      breakdown: scores.perDomain,
      probes: scores.probes,
      finishMetrics: result.finishMetrics,
    };
  } finally {
    setup.dispose();
  }
}

/** Runs (or resumes) the experiment. */
export async function runEm(config: EmConfig, options: RunEmOptions = {}): Promise<EmResults> {
  const started = performance.now();
  const seeds = options.seeds ?? config.seeds;
  const strategyPoints = expandSweep(config.strategies);
  for (const p of strategyPoints) strategyByName(p.strategy);
  const points = [NAIVE_POINT, ...strategyPoints.filter((p) => p.id !== NAIVE_POINT.id)];
  const backend = await initBackend();
  const baseOptions = {
    ...(options.retrain ? { retrain: true } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.quiet ? { quiet: true } : {}),
    backend: backend.name,
  };
  const persona = await loadOrTrainEmBase(config, "persona", baseOptions);
  const control = await loadOrTrainEmBase(config, "control", baseOptions);
  const workers = options.workers ?? defaultWorkers(seeds.length);
  if (workers > 1 && seeds.length > 1) {
    // The base is cached by now, so each worker loads it and trains a share of the seeds into the run store.
    options = { ...options, out: options.out ?? await Deno.makeTempDir({ prefix: "selgen-em-" }) };
    if (!options.quiet) {
      console.error(`em: ${seeds.length} seeds on ${Math.min(workers, seeds.length)} workers …`);
    }
    const { out, cacheDir } = options;
    await runSeedsInWorkers(
      { experiment: "em", config, out: out!, backend: backend.name, ...(cacheDir ? { cacheDir } : {}) },
      seeds,
      workers,
    );
  }
  const baseScores = {
    persona: evaluateEm(persona.world, persona.model),
    control: evaluateEm(control.world, control.model),
  };
  const hash = await configHash({
    persona: persona.key,
    control: control.key,
    fineTune: config.fineTune,
    backend: backend.name,
  });
  const store = options.out ? new RunStore(`${options.out}/em`) : undefined;
  if (store) await writeTextAtomic(`${store.dir}/config.yaml`, toYaml(config));
  const plan = [
    ...seeds.flatMap((seed) => points.map((point) => ({ base: persona, point, seed }))),
    ...seeds.map((seed) => ({ base: control, point: NAIVE_POINT, seed })),
  ];
  const progress = createProgress("em", plan.length, options.quiet ? { quiet: true } : {});
  const runs: EmRun[] = [];
  for (const [i, { base, point, seed }] of plan.entries()) {
    const id = `${base.variant}/seed${seed}/${point.id}`;
    runs.push(
      await RunStore.loadOrRun(store, id, EmRunSchema, hash, () => {
        const summary: EmRun = {
          id,
          variant: base.variant,
          configHash: hash,
          backend: backend.name,
          ...fineTuneEm(base, point, seed),
        };
        return {
          summary,
          config: { variant: base.variant, seed, point },
          metrics: [{ finalLoss: summary.finalLoss }],
        };
      }),
    );
    progress.update(i + 1, id);
  }
  progress.finish();
  store?.reportRejected();

  const personaRuns = runs.filter((r) => r.variant === "persona");
  const aggregated = aggregatePoints(points, personaRuns);
  const [controlNaive] = aggregatePoints([NAIVE_POINT], runs.filter((r) => r.variant === "control"));
  const naive = aggregated[0]!;
  const summary: EmSummary = {
    experiment: "em",
    backend: backend.name,
    seeds,
    wallSeconds: (performance.now() - started) / 1000,
    baseSeconds: { persona: persona.trainedSeconds, control: control.trainedSeconds },
    baseFromCache: { persona: persona.fromCache, control: control.fromCache },
    configHash: hash,
    base: baseScores.persona,
    naive: { task: naive.task, alignment: naive.alignment },
    control: {
      base: { task: baseScores.control.task, alignment: baseScores.control.alignment },
      naive: { task: controlNaive!.task, alignment: controlNaive!.alignment },
    },
    points: aggregated,
    frontier: pointFrontier(aggregated),
  };
  if (store && !options.workerShare) await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  return {
    config,
    backend,
    bases: { persona, control },
    baseScores,
    points,
    runs,
    summary,
    dispose() {
      disposeTransformer(persona.model);
      disposeTransformer(control.model);
    },
  };
}
