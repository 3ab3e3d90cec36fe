/**
 * The toy experiment on the engine: one job per seed trains its base (stage 1), the narrow flip (stage 2)
 * and every proxy condition (stage 3) as one ensemble on that base, and writes a record per model. One base
 * is trained per seed (the original trained one base from a single seed).
 *
 * @module
 */
import { InputError } from "../../config/input_error.ts";
import { loadYamlConfig, parseConfig, shippedConfig } from "../../config/load.ts";
import { type Classifier, disposeClassifier } from "../../models/mlp.ts";
import { configHash, lossMetrics, secondsSince, trainedFields } from "../../train/records.ts";
import type { TrainResult } from "../../train/loop.ts";
import { defineExperiment, type Job, type JobEnv, type RunOutput } from "../experiment.ts";
import { type ToyConfig, type ToyConfigInput, ToyConfigSchema, toySizes } from "./config.ts";
import { type Estimate, trainingWork } from "../../train/estimate.ts";
import { fineTuneConditions, trainBases } from "../../train/toy_ensembles.ts";
import { toyFindings } from "./findings.ts";
import {
  type Condition,
  conditionId,
  conditions,
  loadToyTriggers,
  prepareToy,
  toyConfigIssues,
  type ToyWorld,
} from "../../data/toy_world.ts";
import {
  boundaryTriggers,
  disposeSeedData,
  drawBoundaries,
  evaluate,
  type SeedData,
  seedData,
} from "../../train/toy_stages.ts";
import { summarizeToy, type ToyRun, ToyRunSchema, type ToySummary, ToySummarySchema } from "./summary.ts";

/**
 * Loads the default config file (`data/configs/toy.yaml`), or another, with overrides on top.
 *
 * @example
 * ```ts
 * import { loadToyConfig } from "../../../mod.ts";
 * const config = await loadToyConfig(); // data/configs/toy.yaml
 * // Overrides replace whole top-level keys and are validated like the file: one seed, K = 1 and 5 only.
 * const quick = await loadToyConfig(undefined, { seeds: [1], proxy: { ks: [1, 5] } });
 * const mine = await loadToyConfig("my-toy.yaml"); // any key left out keeps its default
 * ```
 */
export async function loadToyConfig(
  path: string | URL = shippedConfig("toy"),
  overrides: ToyConfigInput = {},
): Promise<ToyConfig> {
  const fromFile = await loadYamlConfig(ToyConfigSchema, path);
  return parseConfig(ToyConfigSchema, { ...fromFile, ...overrides }, String(path));
}

/**
 * The toy's cost: per seed, the base's steps over its rows, each condition's fine-tune (evaluated at every
 * curve point) and the boundary grids, all on one MLP; its conditions train side by side as one ensemble.
 */
function toyEstimate(config: ToyConfig, plan: readonly Job[]): Estimate {
  const conditions = Math.max(1, ...plan.map((job) => job.records.length - 1));
  const categories = (conditions - 1) / config.proxy.ks.length + 1;
  const { params, activations, baseRows, tuneRows, evalRows } = toySizes(config, categories);
  const { steps, curveEvery } = config.fineTune;
  const evaluations = (curveEvery ? steps / curveEvery : 0) + 2;
  const gridRows = 4 * config.boundary.gridSize ** 2;
  const perSeed = trainingWork(params, baseRows, config.base.maxSteps) + gridRows * params +
    conditions * (trainingWork(params, tuneRows, steps) + evaluations * evalRows * params);
  const rows = Math.max(baseRows, conditions * Math.max(tuneRows, evalRows), gridRows);
  return {
    work: config.seeds.length * perSeed,
    bytes: 4 * (3 * rows * activations + 4 * conditions * params),
    workPerSecond: TOY_WORK_PER_SECOND,
  };
}

/** Measured: the shipped config's 5.3·10¹¹ multiply-adds in 15.9 s (WASM, 2 cores, a clean clone, 2026-12-05). */
const TOY_WORK_PER_SECOND = 3.3e10;

/** The toy's context, loaded once per process and config. */
export function toyContext(config: ToyConfig, env: JobEnv): Promise<ToyWorld<ToyConfig>> {
  return env.memo(`toy/context/${env.configHash}`, () => prepareToy(config));
}

/** The record ids of one seed: its base, then every condition. */
function seedRecordIds(seed: number, plan: readonly Condition[]): string[] {
  return [`seed${seed}/base`, ...plan.map((c) => `seed${seed}/${conditionId(c)}`)];
}

/** Stage 1, 2 and 3 of one seed; only the records in `job.records` are produced. */
async function runSeed(job: Job, config: ToyConfig, env: JobEnv): Promise<RunOutput<ToyRun>[]> {
  const context = await toyContext(config, env);
  const seed = job.seeds[0]!;
  const wanted = new Set(job.records);
  using stack = new DisposableStack();
  const data = stack.adopt(seedData(context, seed), disposeSeedData);
  const record = recordOf(context, data, env, job.params?.drawBoundaries === true);
  let t0 = performance.now();
  const base = stack.adopt(trainBases(context, [data])[0]!, (b) => disposeClassifier(b.model));
  const baseSeconds = secondsSince(t0);
  const outputs: RunOutput<ToyRun>[] = [];
  if (wanted.has(`seed${seed}/base`)) {
    const scores = { ...evaluate(context, data, base.model, false), curve: [], proxyTriggers: [] };
    const run = record({ kind: "base" }, base.result, baseSeconds, base.model, scores);
    outputs.push({ record: run, config: { seed, stage: "base" }, metrics: lossMetrics(base.result.losses) });
    env.progress(`seed ${seed}: base`);
  }
  const missing = conditions(context).filter((c) => wanted.has(`seed${seed}/${conditionId(c)}`));
  t0 = performance.now();
  const tuned = stack.adopt(fineTuneConditions(context, data, base.model, missing), (t) => t.release());
  const seconds = secondsSince(t0) / Math.max(1, missing.length);
  for (const t of tuned.runs) {
    const model = t.condition.kind === "none" ? t.classifier() : undefined;
    const scores = { ...t.evaluation, curve: t.curve, proxyTriggers: t.proxyTriggers };
    const run = record(t.condition, t.result, seconds, model, scores);
    outputs.push({
      record: run,
      config: { seed, condition: t.condition },
      metrics: lossMetrics(t.result.losses),
    });
    env.progress(`seed ${seed}: ${conditionId(t.condition)}`);
  }
  return outputs;
}

type Measured = Pick<ToyRun, "heldOut" | "heldOutAllPoints" | "perTrigger" | "curve" | "proxyTriggers">;

/** Builds a seed's run records; boundaries are drawn (base and narrow flip) only for the drawing seed. */
function recordOf(context: ToyWorld<ToyConfig>, data: SeedData, env: JobEnv, draws: boolean) {
  const heldOutTriggers = Object.fromEntries(Object.entries(data.split).map(([c, s]) => [c, s.heldOut]));
  const drawn = draws ? boundaryTriggers(context, heldOutTriggers, context.config.boundary.categories) : [];
  return (
    condition: Condition | { kind: "base" },
    result: TrainResult,
    seconds: number,
    model: Classifier | undefined,
    measured: Measured,
  ): ToyRun => ({
    id: `seed${data.seed}/${condition.kind === "base" ? "base" : conditionId(condition)}`,
    seed: data.seed,
    stage: condition.kind,
    ...(condition.kind === "proxy" ? { k: condition.k, proxyCategory: condition.category } : {}),
    configHash: env.configHash,
    backend: env.backend,
    ...trainedFields(result, seconds),
    heldOutTriggers,
    ...measured,
    boundaries: model ? drawBoundaries(context, model, drawn, condition.kind !== "base") : [],
  });
}

/**
 * The trigger toy: forgetting, Goodharting and spillover.
 *
 * @example
 * ```ts
 * import { formatFindings, loadToyConfig, runExperiment, toy } from "../../../mod.ts";
 * const { summary } = await runExperiment(toy, await loadToyConfig(), { out: "out", seeds: [1, 2] });
 * console.log(toy.describe(summary)); // e.g. "2 seeds, 95.3 s"
 * console.log(formatFindings(toy.findings(summary)));
 * ```
 */
export const toy = defineExperiment<ToyConfig, ToyRun, ToySummary>({
  name: "toy",
  title: "The trigger toy: forgetting, Goodharting and spillover",
  configSchema: ToyConfigSchema,
  defaultConfig: shippedConfig("toy"),
  recordSchema: ToyRunSchema,
  summarySchema: ToySummarySchema,
  seeds: (config) => config.seeds,
  withSeeds: (config, seeds) => ({ ...config, seeds }),
  estimate: toyEstimate,
  async hash(config, backend) {
    const boundary = (config.boundary.categories ?? []).map((category, i) => ({
      path: `boundary.categories.${i}`,
      category,
    }));
    const issues = await toyConfigIssues(config, boundary);
    config.proxy.ks.forEach((k, i) => {
      if (k > config.split.trainTriggers) {
        issues.push(
          `proxy.ks.${i}: ${k} proxy triggers, but a category has ${config.split.trainTriggers} train triggers`,
        );
      }
    });
    if (issues.length) throw new InputError("Cannot run toy with this config", issues);
    return configHash({ ...config, seeds: undefined, backend });
  },
  async plan(config) {
    const plan = conditions({ config, triggers: await loadToyTriggers(config) });
    return config.seeds.map((seed, i) => ({
      id: `seed${seed}`,
      kind: "seed",
      seeds: [seed],
      dependsOn: [],
      records: seedRecordIds(seed, plan),
      // The boundaries of the experiment's first seed are drawn.
      params: { drawBoundaries: i === 0 },
    }));
  },
  run: runSeed,
  async summarize(config, records, info) {
    const context = await prepareToy(config);
    return summarizeToy(
      records,
      { ...info, evalMargin: config.points.evalMargin, ks: config.proxy.ks },
      context.triggers,
      context.embeddings,
      config.features.maxRank,
    );
  },
  findings: toyFindings,
  describe: (s) => `${s.seeds.length} seeds, ${s.wallSeconds.toFixed(1)} s`,
});
