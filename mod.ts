/**
 * selgen: a notebook lab and benchmark for selective generalisation — fine-tuning that learns the capability
 * in its data without the unwanted disposition hidden in the same data.
 *
 * Start the backend, run an experiment, check its findings and draw its figures:
 *
 * ```ts ignore
 * import { experimentFigures, formatFindings, initBackend, loadToyConfig, runExperiment, toy } from "./mod.ts";
 * await initBackend(); // tfjs-node-gpu > tfjs-node > wasm > cpu, or SELGEN_BACKEND
 * const result = await runExperiment(toy, await loadToyConfig(), { seeds: [1], out: "out" });
 * console.log(formatFindings(toy.findings(result.summary)));
 * const figures = await experimentFigures("toy", result);
 * ```
 *
 * Add a strategy with `defineStrategy` (one file in `lib/strategies/`, one registry line); add an experiment
 * with `defineExperiment`, or an organism with `organismExperiment` (see `docs/engine.md`). The summary schemas
 * are the contracts of `<out>/<experiment>/summary.json`, written by `deno task reproduce <experiment>`.
 * Everything else is in the namespaces at the bottom (`data`, `models`, `train`, `metrics`, `strategies`,
 * `experiments`, `queue` — the Redis executor and its workers —, `plot`, `notebook`).
 *
 * @module
 */

// The backend, configs and files.
export { initBackend } from "./lib/backend.ts";
export { loadYamlConfig } from "./lib/config/load.ts";
export { InputError } from "./lib/config/input_error.ts";
export { writeJsonAtomic } from "./lib/io/atomic.ts";

// The engine: experiments as plans of jobs, one driver, executors, the registry.
export { type ExperimentResult, runExperiment, type RunExperimentOptions } from "./lib/experiments/driver.ts";
export { defineExperiment, type Experiment, type Job } from "./lib/experiments/experiment.ts";
export { type Executor, InProcessExecutor, WorkerPool } from "./lib/experiments/executors.ts";
export { experimentByName, EXPERIMENTS } from "./lib/experiments/registry.ts";
export { NAIVE_POINT } from "./lib/strategies/sweep.ts";

// The experiments and their configs.
export { loadToyConfig, toy } from "./lib/experiments/toy/experiment.ts";
export { loadStrategiesToyConfig, strategiesToy } from "./lib/experiments/strategies_toy/experiment.ts";
export { sycophancy, sycophancyOrganism } from "./lib/experiments/sycophancy/organism.ts";
export { em, emOrganism, emTotal } from "./lib/experiments/em/organism.ts";
export { type Organism, organismExperiment } from "./lib/experiments/organism.ts";
export {
  fineTunePoint,
  fineTuneSeeds,
  loadOrTrainBase,
  withFineTune,
} from "./lib/strategies/organism_model.ts";

// Summaries (the contracts of summary.json) and findings.
export { type ToySummary, ToySummarySchema } from "./lib/experiments/toy/summary.ts";
export {
  type StrategiesToySummary,
  StrategiesToySummarySchema,
} from "./lib/experiments/strategies_toy/summary.ts";
export { type SycophancySummary, SycophancySummarySchema } from "./lib/experiments/sycophancy/summary.ts";
export { type EmSummary, EmSummarySchema } from "./lib/experiments/em/summary.ts";
export { type Finding, formatFindings } from "./lib/eval/findings.ts";

// Strategies.
export { NEWER_METHODS, STRATEGIES } from "./lib/strategies/registry.ts";
export { defineStrategy, type Strategy } from "./lib/strategies/strategy.ts";

// Figures.
export { experimentFigures } from "./lib/plot/experiments.ts";
export { textTable } from "./lib/plot/figure.ts";
export { withImages } from "./lib/plot/export.ts";
export { toyBoundaryFigure, toyCurvesFigure, toyHeatmapFigure, toySimilarityFigure } from "./lib/plot/toy.ts";
export { strategiesToyFigures } from "./lib/plot/strategies.ts";
export { sycophancyFigures } from "./lib/plot/sycophancy.ts";
export { emFigures } from "./lib/plot/em.ts";
export { originalParetoFigure } from "./lib/plot/original.ts";
export { importOriginalRuns } from "./lib/eval/original.ts";

// Everything else, by area.
export * as data from "./lib/data/mod.ts";
export * as models from "./lib/models/mod.ts";
export * as train from "./lib/train/mod.ts";
export * as metrics from "./lib/eval/mod.ts";
export * as strategies from "./lib/strategies/mod.ts";
export * as experiments from "./lib/experiments/mod.ts";
export * as queue from "./lib/queue/mod.ts";
export * as plot from "./lib/plot/mod.ts";
export * as notebook from "./lib/notebook/mod.ts";
