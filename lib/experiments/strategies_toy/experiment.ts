/**
 * The strategy comparison on the toy, on the engine: one job per seed trains its base (stage 1), saves it
 * under `<out>/strategies-toy/bases/` and scores it; one job per sweep point fine-tunes every seed at once as
 * an ensemble (a member per seed, on its own base: the seeds are independent bases) on the flipped task with
 * the alignment proxy.
 *
 * @module
 */
import { extendSeeds } from "../../config/seeds.ts";
import { InputError } from "../../config/input_error.ts";
import { loadYamlConfig, shippedConfig } from "../../config/load.ts";
import { mean } from "../../eval/stats.ts";
import { memberClassifier } from "../../models/ensemble.ts";
import {
  type Classifier,
  createClassifier,
  disposeClassifier,
  trainableVariables,
} from "../../models/mlp.ts";
import { fineTuneMembers } from "../../strategies/finetune.ts";
import { strategyByName } from "../../strategies/registry.ts";
import { cachedModel } from "../../train/cached_model.ts";
import { configHash, lossMetrics, secondsSince, strategyRunFields } from "../../train/records.ts";
import { type Budget, counted, defineExperiment, type Job, type JobEnv } from "../experiment.ts";
import { expandSweep, sweepWithTaskOnly } from "../../strategies/sweep.ts";
import { trainBases } from "../../train/toy_ensembles.ts";
import { toyContext } from "../toy/experiment.ts";
import { toySizes } from "../toy/config.ts";
import { type Estimate, trainingWork } from "../../train/estimate.ts";
import { loadToyTriggers, toyConfigIssues } from "../../data/toy_world.ts";
import { disposeSeedData, evaluate, type SeedData, seedData } from "../../train/toy_stages.ts";
import { type StrategiesToyConfig, StrategiesToyConfigSchema } from "./config.ts";
import { claimFindings } from "../../eval/claims.ts";
import { toyEnsembleSetup } from "../../strategies/toy_setup.ts";
import {
  type StrategiesToyRecord,
  StrategiesToyRecordSchema,
  type StrategiesToySummary,
  StrategiesToySummarySchema,
  type StrategyRunRecord,
  summarizeStrategiesToy,
  type ToyBaseRecord,
} from "./summary.ts";

/**
 * Loads `data/configs/strategies-toy.yaml` (or another file).
 *
 * @example
 * ```ts
 * import { loadStrategiesToyConfig } from "../../../mod.ts";
 * const config = await loadStrategiesToyConfig(); // data/configs/strategies-toy.yaml
 * console.log(config.toy.seeds, config.proxy, config.strategies.map((entry) => entry.strategy));
 * const mine = await loadStrategiesToyConfig("my-sweep.yaml"); // a bad field fails with its path
 * ```
 */
export async function loadStrategiesToyConfig(
  path: string | URL = shippedConfig("strategies-toy"),
): Promise<StrategiesToyConfig> {
  return await loadYamlConfig(StrategiesToyConfigSchema, path);
}

/** A seed's data, made once per process. */
function seedOf(config: StrategiesToyConfig, env: JobEnv, seed: number): Promise<SeedData> {
  return env.memo(`toy/seed/${env.configHash}/${seed}`, async () => {
    return seedData(await toyContext(config.toy, env), seed);
  }, disposeSeedData);
}

/** A seed's base, once per process: loaded when saved under `bases/` for this config, else trained and saved. */
function baseOf(config: StrategiesToyConfig, env: JobEnv, seed: number): Promise<Classifier> {
  return env.memo(`strategies-toy/base/${env.configHash}/${seed}`, async () => {
    const context = await toyContext(config.toy, env);
    const data = await seedOf(config, env, seed);
    const { inputWidth, triggers } = context;
    const cached = await cachedModel({
      path: `${env.artifacts}/bases/seed${seed}`,
      key: `${env.configHash}/seed${seed}`,
      create: () =>
        createClassifier(inputWidth, triggers.colours.length, config.toy.model, data.rng.fork("init")),
      variables: trainableVariables,
      dispose: disposeClassifier,
      train: () => {
        const { model, result } = trainBases(context, [data])[0]!;
        return { model, provenance: { steps: result.steps } };
      },
    });
    return cached.model;
  }, disposeClassifier);
}

/**
 * The sweep's cost: a base per seed, then per point every seed's fine-tune on the task and the proxy (twice
 * the forward work: the frozen reference and the copies some strategies train beside it).
 */
function strategiesToyEstimate(config: StrategiesToyConfig, plan: readonly Job[]): Estimate {
  const toy = config.toy;
  const { params, activations, baseRows, tuneRows, evalRows } = toySizes(toy, 4);
  const seeds = toy.seeds.length;
  const points = plan.filter((job) => job.kind === "point").length;
  const proxyRows = Object.values(config.proxy).reduce((n, k) => n + k, 0) * toy.points.perProxyTrigger;
  const rows = tuneRows + 2 * proxyRows;
  const work = seeds * trainingWork(params, baseRows, toy.base.maxSteps) +
    points * seeds * (2 * trainingWork(params, rows, toy.fineTune.steps) + evalRows * params);
  const bytes = 4 * (3 * seeds * Math.max(rows, evalRows) * activations + 8 * seeds * params);
  return { work, bytes, workPerSecond: STRATEGIES_TOY_WORK_PER_SECOND };
}

/** Measured: the shipped config's 5.0·10¹² multiply-adds in 112 s (WASM, 2 cores, a clean clone, 2026-12-05). */
const STRATEGIES_TOY_WORK_PER_SECOND = 4.4e10;

/** Trains (or loads) a seed's base, leaving it saved for the point jobs, and scores it. */
async function runBase(job: Job, config: StrategiesToyConfig, env: JobEnv) {
  const seed = job.seeds[0]!, base = await baseOf(config, env, seed);
  if (job.records.length === 0) return [];
  const context = await toyContext(config.toy, env);
  const heldOut = evaluate(context, await seedOf(config, env, seed), base, true).heldOut;
  const record: ToyBaseRecord = {
    id: `seed${seed}/base`,
    kind: "base",
    seed,
    configHash: env.configHash,
    backend: env.backend,
    ...flipScores(heldOut, context.triggers.flip.category),
  };
  env.progress(record.id);
  return [{ record, config: { seed, stage: "base" }, metrics: [] }];
}

/** Fine-tunes every seed with one sweep point as one ensemble and scores each member. */
async function runPoint(job: Job, config: StrategiesToyConfig, env: JobEnv) {
  const point = sweepWithTaskOnly(config.strategies).find((p) => p.id === job.point)!;
  const context = await toyContext(config.toy, env);
  const datas = await Promise.all(job.seeds.map((seed) => seedOf(config, env, seed)));
  const bases = await Promise.all(job.seeds.map((seed) => baseOf(config, env, seed)));
  const flip = context.triggers.flip.category;
  const t0 = performance.now();
  using setup = toyEnsembleSetup(context, datas, bases, config.proxy);
  const results = fineTuneMembers(strategyByName(point.strategy), point.params, setup.context);
  // Per-run seconds: the ensemble's time shared evenly by its members.
  const seconds = secondsSince(t0) / job.seeds.length;
  // Every seed trains (a member's numbers do not depend on the others), but only missing records return.
  return job.seeds.flatMap((seed, m) => {
    const id = `seed${seed}/${point.id}`;
    if (!job.records.includes(id)) return [];
    const model = memberClassifier(setup.ensemble, m, bases[m]!);
    const heldOut = evaluate(context, datas[m]!, model, true).heldOut;
    disposeClassifier(model);
    const result = results[m]!;
    const record: StrategyRunRecord = {
      id,
      configHash: env.configHash,
      backend: env.backend,
      ...strategyRunFields(point, seed, result, seconds),
      proxyTriggers: setup.proxyTriggers[m]!,
      ...flipScores(heldOut, flip),
    };
    env.progress(id);
    return [{ record, config: { seed, point }, metrics: lossMetrics(result.losses) }];
  });
}

/** Task (the flipped category under the flipped rule), alignment (the others' mean) and the breakdown. */
function flipScores(heldOut: Record<string, number>, flip: string) {
  return {
    task: heldOut[flip]!,
    alignment: mean(Object.entries(heldOut).filter(([c]) => c !== flip).map(([, v]) => v)),
    breakdown: heldOut,
  };
}

/** Seeds of the whole benchmark (`--full`), each its own base: ten, against the default's five. */
const FULL_BASES = 10;

/** Quick: one seed (one base, so no intervals); full: `FULL_BASES` independent bases. */
function budgetSeeds(config: StrategiesToyConfig, budget: Budget): number[] {
  const seeds = config.toy.seeds;
  return extendSeeds(seeds, budget === "quick" ? 1 : Math.max(FULL_BASES, seeds.length));
}

/** Checks the config's names and counts, then hashes what determines the records (seeds left out). */
async function strategiesToyHash(config: StrategiesToyConfig, backend: string): Promise<string> {
  const sweep = expandSweep(config.strategies);
  for (const p of sweep) strategyByName(p.strategy); // a config built without its schema
  const uses = Object.entries(config.proxy).map(([category, count]) => ({
    path: `proxy.${category}`,
    category,
    count,
  }));
  const issues = await toyConfigIssues(config.toy, uses);
  if (sweep.filter((p) => p.strategy === "task-only").length > 1) {
    issues.push("strategies: task-only runs more than once; list it once (the leaderboard measures from it)");
  }
  if (issues.length) throw new InputError("Cannot run strategies-toy with this config", issues);
  return configHash({ toy: { ...config.toy, seeds: undefined }, proxy: config.proxy, backend });
}

/** A base job per seed, then a job per sweep point that fine-tunes every seed's base at once. */
function strategiesToyPlan(config: StrategiesToyConfig): Job[] {
  const seeds = config.toy.seeds;
  const bases = seeds.map((seed) => ({
    id: `bases/seed${seed}`,
    kind: "base",
    seeds: [seed],
    dependsOn: [],
    records: [`seed${seed}/base`],
  }));
  const points = sweepWithTaskOnly(config.strategies).map((p) => ({
    id: `point/${p.id}`,
    kind: "point",
    seeds,
    point: p.id,
    dependsOn: bases.map((b) => b.id),
    records: seeds.map((seed) => `seed${seed}/${p.id}`),
  }));
  return [...bases, ...points];
}

/**
 * Fine-tuning strategies on the toy, each point's seeds as one ensemble.
 *
 * @example
 * ```ts
 * import { formatFindings, loadStrategiesToyConfig, runExperiment, strategiesToy } from "../../../mod.ts";
 * import { textTable } from "../../../mod.ts";
 * const { summary } = await runExperiment(strategiesToy, await loadStrategiesToyConfig(), { out: "out" });
 * const rows = summary.frontier.map((p) => [p.label, p.task.mean, p.alignment.mean]);
 * console.log(textTable(["frontier point", "task", "alignment"], rows));
 * console.log(formatFindings(strategiesToy.findings(summary)));
 * ```
 */
export const strategiesToy = defineExperiment<StrategiesToyConfig, StrategiesToyRecord, StrategiesToySummary>(
  {
    name: "strategies-toy",
    title: "Fine-tuning strategies on the toy",
    configSchema: StrategiesToyConfigSchema,
    defaultConfig: shippedConfig("strategies-toy"),
    recordSchema: StrategiesToyRecordSchema,
    summarySchema: StrategiesToySummarySchema,
    seeds: (config) => config.toy.seeds,
    withSeeds: (config, seeds) => ({ ...config, toy: { ...config.toy, seeds } }),
    atBudget: (config, budget) => ({ ...config, toy: { ...config.toy, seeds: budgetSeeds(config, budget) } }),
    estimate: strategiesToyEstimate,
    hash: strategiesToyHash,
    plan: strategiesToyPlan,
    run: (job, config, env) => job.kind === "point" ? runPoint(job, config, env) : runBase(job, config, env),
    async summarize(config, records, info) {
      return summarizeStrategiesToy(
        sweepWithTaskOnly(config.strategies),
        records,
        { ...info, flipCategory: (await loadToyTriggers(config.toy)).flip.category, proxy: config.proxy },
      );
    },
    findings: (summary) => claimFindings(summary.claims),
    describe: (s) =>
      `${counted(s.points.length, "point")} × ${counted(s.seeds.length, "seed")}, ${
        s.wallSeconds.toFixed(1)
      } s`,
  },
);
