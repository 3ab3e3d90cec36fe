/**
 * The toy experiment on the engine: one job per seed trains its base (stage 1), the narrow flip (stage 2)
 * and every proxy condition (stage 3) as one ensemble on that base, and writes a record per model. One base
 * is trained per seed (the original trained one base from a single seed).
 *
 * @module
 */
import { loadYamlConfig, parseConfig } from "../../config/load.ts";
import { categoryByName, flippedRule } from "../../data/triggers.ts";
import { type Classifier, disposeClassifier } from "../../models/mlp.ts";
import { configHash } from "../../train/records.ts";
import type { TrainResult } from "../../train/loop.ts";
import {
  defineExperiment,
  type Job,
  type JobEnv,
  lossLines,
  type RunOutput,
  secondsSince,
} from "../experiment.ts";
import { DEFAULT_TOY_CONFIG_PATH, type ToyConfig, type ToyConfigInput, ToyConfigSchema } from "./config.ts";
import { fineTuneConditions, trainBases } from "./ensembles.ts";
import { toyFindings } from "./findings.ts";
import { type Boundary, type ToyRun, ToyRunSchema } from "./records.ts";
import {
  boundaryGrid,
  type Condition,
  conditionId,
  conditions,
  disposeSeedData,
  evaluate,
  loadToyTriggers,
  prepareToy,
  type SeedData,
  seedData,
  type ToyContext,
} from "./stages.ts";
import { summarizeToy, type ToySummary, ToySummarySchema } from "./summary.ts";

/** Loads the default config file (`data/configs/toy.yaml`), or another, with overrides on top. */
export async function loadToyConfig(
  path: string | URL = DEFAULT_TOY_CONFIG_PATH,
  overrides: ToyConfigInput = {},
): Promise<ToyConfig> {
  const fromFile = await loadYamlConfig(ToyConfigSchema, path);
  return parseConfig(ToyConfigSchema, { ...fromFile, ...overrides }, String(path));
}

/** The toy's context, loaded once per process and config. */
export function toyContext(config: ToyConfig, env: JobEnv): Promise<ToyContext> {
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
  const data = seedData(context, seed);
  const record = recordOf(context, data, env, job.params?.drawBoundaries === true);
  try {
    let t0 = performance.now();
    const base = trainBases(context, [data])[0]!;
    const baseSeconds = secondsSince(t0);
    try {
      const outputs: RunOutput<ToyRun>[] = [];
      if (wanted.has(`seed${seed}/base`)) {
        const run = record({ kind: "base" }, base.result, baseSeconds, base.model, {
          ...evaluate(context, data, base.model, false),
          curve: [],
          proxyTriggers: [],
        });
        outputs.push(output(run, { seed, stage: "base" }, base.result));
        env.progress(`seed ${seed}: base`);
      }
      const missing = conditions(context).filter((c) => wanted.has(`seed${seed}/${conditionId(c)}`));
      t0 = performance.now();
      const tuned = fineTuneConditions(context, data, base.model, missing);
      try {
        const seconds = secondsSince(t0) / Math.max(1, missing.length);
        for (const t of tuned.runs) {
          const model = t.condition.kind === "none" ? t.classifier() : undefined;
          const run = record(t.condition, t.result, seconds, model, {
            ...t.evaluation,
            curve: t.curve,
            proxyTriggers: t.proxyTriggers,
          });
          outputs.push(output(run, { seed, condition: t.condition }, t.result));
          env.progress(`seed ${seed}: ${conditionId(t.condition)}`);
        }
      } finally {
        tuned.release();
      }
      return outputs;
    } finally {
      disposeClassifier(base.model);
    }
  } finally {
    disposeSeedData(data);
  }
}

type Measured = Pick<ToyRun, "heldOut" | "heldOutAllPoints" | "perTrigger" | "curve" | "proxyTriggers">;

/** Builds a seed's run records; boundaries are drawn (base and narrow flip) only for the drawing seed. */
function recordOf(context: ToyContext, data: SeedData, env: JobEnv, drawBoundaries: boolean) {
  const heldOutTriggers = Object.fromEntries(Object.entries(data.split).map(([c, s]) => [c, s.heldOut]));
  const boundaryTriggers = drawBoundaries ? pickBoundaryTriggers(context, data.split) : [];
  const boundaries = (flipped: boolean, model: Classifier): Boundary[] =>
    boundaryTriggers.map(({ trigger, category }) => {
      const cat = categoryByName(context.triggers, category);
      const rule = flipped ? flippedRule(context.triggers, cat) : cat.rule;
      return { trigger, category, ...boundaryGrid(context, model, trigger, rule) };
    });
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
    steps: result.steps,
    finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
    diverged: result.diverged,
    seconds,
    heldOutTriggers,
    ...measured,
    boundaries: model ? boundaries(condition.kind !== "base", model) : [],
  });
}

function output(run: ToyRun, config: unknown, result: TrainResult): RunOutput<ToyRun> {
  return { record: run, config, metrics: lossLines(result.losses) };
}

function pickBoundaryTriggers(
  ctx: ToyContext,
  split: Record<string, { heldOut: string[] }>,
): { trigger: string; category: string }[] {
  const flip = ctx.triggers.flip.category;
  const firstOther = ctx.triggers.categories.find((c) => c.name !== flip)?.name;
  const names = ctx.config.boundary.categories ?? [flip, ...(firstOther ? [firstOther] : [])];
  return names.map((category) => {
    const trigger = split[categoryByName(ctx.triggers, category).name]?.heldOut[0];
    if (!trigger) throw new Error(`Cannot draw a boundary for ${category}: it has no held-out trigger`);
    return { trigger, category };
  });
}

/** The trigger toy: forgetting, Goodharting and spillover. */
export const toy = defineExperiment<ToyConfig, ToyRun, ToySummary>({
  name: "toy",
  title: "The trigger toy: forgetting, Goodharting and spillover",
  configSchema: ToyConfigSchema,
  defaultConfig: DEFAULT_TOY_CONFIG_PATH,
  recordSchema: ToyRunSchema,
  summarySchema: ToySummarySchema,
  seeds: (config) => config.seeds,
  withSeeds: (config, seeds) => ({ ...config, seeds }),
  hash: (config, backend) => configHash({ ...config, seeds: undefined, backend }),
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
