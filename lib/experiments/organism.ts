/**
 * A tiny-transformer organism on the engine. An organism says what is particular to it — its world and
 * vocabulary, how its base is trained, the task / proxy / negative-proxy / unlabeled batches of one fine-tune,
 * and how a model is scored — and `organismExperiment` makes the experiment: a job per variant loads its base
 * from the cache (or trains and caches it, keyed by config and code version) and scores it, for each of the
 * config's independent bases (model seeds); then a job per variant × base × sweep point fine-tunes that base
 * for every seed at once, as one ensemble (a member per seed: stacked adapters on the shared base, each member
 * with its seed's data and random streams, each giving the numbers it gives alone), and scores each member.
 * The model half (base training, fine-tuning and scoring) is `lib/strategies/organism_model.ts`.
 *
 * @module
 */
import { z } from "zod";
import type { Vocabulary } from "../data/vocabulary.ts";
import { disposeTransformer } from "../models/transformer.ts";
import { configHash } from "../train/records.ts";
import type { CacheUse } from "../train/cached_model.ts";
import { strategyByName } from "../strategies/registry.ts";
import type { SweepPoint } from "../strategies/sweep.ts";
import {
  baseCachePath,
  type FineTuneFields,
  fineTuneSeeds,
  loadOrTrainBase,
  type OrganismConfig,
  type OrganismModel,
  organismPoints,
  variantsOf,
} from "../strategies/organism_model.ts";
import {
  type Budget,
  counted,
  defineExperiment,
  type Experiment,
  type Job,
  type JobEnv,
  type RunInfo,
} from "./experiment.ts";
import { extendSeeds } from "../config/seeds.ts";
import type { Finding } from "../eval/findings.ts";
import { trainingWork, transformerCost } from "../train/estimate.ts";
import { exists } from "../io/exists.ts";

/** The fields of a variant's base record beside its scores: its key, and whether it came from the cache. */
const BaseRecordFields = {
  id: z.string(),
  kind: z.literal("base"),
  variant: z.string(),
  /** Its model seed. */
  base: z.int(),
  configHash: z.string(),
  backend: z.string(),
  key: z.string(),
  fromCache: z.boolean(),
  trainedSeconds: z.number().nonnegative(),
};

/** A variant's base as a run record, with its scores. */
export type BaseRecord<Sc> = z.output<z.ZodObject<typeof BaseRecordFields>> & { scores: Sc };

/** Seconds spent training these bases in this run (0 for those from the cache). */
export function baseSeconds(bases: readonly { trainedSeconds: number }[]): number {
  return bases.reduce((s, b) => s + b.trainedSeconds, 0);
}

/** Whether every one of these bases came from the cache. */
export function basesFromCache(bases: readonly { fromCache: boolean }[]): boolean {
  return bases.every((b) => b.fromCache);
}

/**
 * What an organism's summary is given beside its records: the run's facts, the sweep's points and the
 * experiment's name (an organism may run as several experiments, e.g. `em` and `em-total`).
 */
export type OrganismRunInfo = RunInfo & { points: SweepPoint[]; experiment: string };

/**
 * What an organism defines (`docs/engine.md` walks through adding one).
 *
 * @example
 * ```ts
 * import { emOrganism, type Organism, sycophancyOrganism } from "../../mod.ts";
 * // deno-lint-ignore no-explicit-any
 * const bases = (o: Organism<any, any, any, any, any>) => o.variants ?? ["base"];
 * console.log(bases(sycophancyOrganism), bases(emOrganism)); // ["base"] ["persona", "control"]
 * ```
 */
export interface Organism<
  C extends OrganismConfig,
  W extends { vocabulary: Vocabulary },
  Sc,
  Run extends FineTuneFields & { id: string; configHash: string },
  S,
> extends
  OrganismModel<
    C,
    W,
    Sc,
    Omit<Run, keyof FineTuneFields | "id" | "configHash" | "backend" | "variant" | "base">
  > {
  title: string;
  configSchema: z.ZodType<C>;
  defaultConfig: URL;
  /**
   * Multiply-adds per second of its fine-tunes as the estimate counts them (see `organismEstimate`), measured
   * on the shipped config: it turns the estimate into the time printed before a run.
   */
  workPerSecond: number;
  /** The sweep points a variant runs (the organism: every point; a control: the naive one). */
  variantPoints?(variant: string, points: readonly SweepPoint[]): SweepPoint[];
  scoresSchema: z.ZodType<Sc>;
  runSchema: z.ZodType<Run>;
  /** Fields of the config beside the bases' keys and the fine-tune that determine the records. */
  hashFields?(config: C): Record<string, unknown>;
  /** The summary from the fine-tunes' records and every variant's bases' records. */
  summarize(runs: Run[], bases: BaseRecord<Sc>[], info: OrganismRunInfo, config: C): S;
  summarySchema: z.ZodType<S>;
  findings(summary: S): Finding[];
  describe(summary: S): string;
}

// deno-lint-ignore no-explicit-any
type AnyOrganism = Organism<any, any, any, any, any>;

/**
 * `12 points × 5 bases × 2 seeds, 95.3 s`: a sweep's size and time, as each organism's `describe` starts (the
 * bases any point has a finished run on).
 */
export function sweepLine(
  s: { points: { bases: unknown[] }[]; seeds: number[]; wallSeconds: number },
): string {
  const sizes = [
    counted(s.points.length, "point"),
    counted(new Set(s.points.flatMap((p) => p.bases)).size, "base"),
  ];
  return `${[...sizes, counted(s.seeds.length, "seed")].join(" × ")}, ${s.wallSeconds.toFixed(1)} s`;
}

/** A variant's base for this run, once per process (retrained only by a base job with `env.retrain`). */
function baseFor(
  organism: AnyOrganism,
  env: JobEnv,
  config: OrganismConfig,
  { variant, modelSeed }: { variant: string; modelSeed: number },
  retrain = false,
) {
  return env.memo(
    `${organism.name}/base/${variant}/${modelSeed}/${env.configHash}`,
    () =>
      loadOrTrainBase(organism, config, variant, {
        modelSeed,
        retrain,
        quiet: env.quiet,
        backend: env.backend,
        ...(env.cacheDir ? { cacheDir: env.cacheDir } : {}),
      }),
    (base) => disposeTransformer(base.model),
  );
}

/** Where a fine-tune starts: `base3/`, with the variant in front when there are several (`control/base3/`). */
function basePath(organism: AnyOrganism, variant: string, modelSeed: number): string {
  return `${variantsOf(organism).length > 1 ? `${variant}/` : ""}base${modelSeed}`;
}

/** A fine-tune's record id: `base3/seed1/kl-beta=30`. */
function runId(
  organism: AnyOrganism,
  variant: string,
  modelSeed: number,
  seed: number,
  point: string,
): string {
  return `${basePath(organism, variant, modelSeed)}/seed${seed}/${point}`;
}

/** Every variant × base of a config. */
function variantBases(organism: AnyOrganism, config: OrganismConfig) {
  return variantsOf(organism).flatMap((variant) => config.bases.map((modelSeed) => ({ variant, modelSeed })));
}

/**
 * The jobs: one (fresh) per variant × base, then one per variant × base × sweep point for every seed at once.
 * Fine-tunes are ordered base by base, so that a worker mostly needs the bases it already holds.
 */
function organismPlan(organism: AnyOrganism, config: OrganismConfig): Job[] {
  const points = organismPoints(config);
  const baseJob = (v: { variant: string; modelSeed: number }) =>
    `bases/${basePath(organism, v.variant, v.modelSeed)}`;
  const baseJobs = variantBases(organism, config).map((v) => ({
    id: baseJob(v),
    kind: "base",
    seeds: [],
    dependsOn: [],
    records: [baseJob(v)],
    fresh: true,
    params: { ...v },
  }));
  const fineTunes = variantBases(organism, config).flatMap((v) =>
    (organism.variantPoints?.(v.variant, points) ?? points).map((point: SweepPoint) => ({
      id: `${basePath(organism, v.variant, v.modelSeed)}/point/${point.id}`,
      kind: "fine-tune",
      seeds: config.seeds,
      point: point.id,
      dependsOn: [baseJob(v)],
      records: config.seeds.map((seed) => runId(organism, v.variant, v.modelSeed, seed, point.id)),
      params: { ...v },
    }))
  );
  return [...baseJobs, ...fineTunes];
}

/** Runs a base job (load or train, then score the base) or a fine-tune job (every seed of a point). */
async function runOrganismJob(organism: AnyOrganism, job: Job, config: OrganismConfig, env: JobEnv) {
  const { variant, modelSeed } = job.params as { variant: string; modelSeed: number };
  const base = await baseFor(
    organism,
    env,
    config,
    { variant, modelSeed },
    job.kind === "base" && env.retrain,
  );
  if (job.kind === "base") {
    const record: BaseRecord<unknown> = {
      id: job.id,
      kind: "base",
      variant,
      base: modelSeed,
      configHash: env.configHash,
      backend: env.backend,
      key: base.key,
      fromCache: base.fromCache,
      trainedSeconds: base.trainedSeconds,
      scores: organism.evaluate(base, base.model),
    };
    env.progress(`${basePath(organism, variant, modelSeed)} ${base.fromCache ? "from cache" : "trained"}`);
    return [{ record, config: { variant, base: modelSeed, key: base.key }, metrics: [] }];
  }
  const point = organismPoints(config).find((p) => p.id === job.point)!;
  // Every seed trains (a member's numbers do not depend on the others), but only missing records return.
  const runs = fineTuneSeeds(organism, base, point, job.seeds);
  const variantField = organism.variants ? { variant } : {}; // records name it where the organism has variants
  return job.seeds.flatMap((seed, m) => {
    const id = runId(organism, variant, modelSeed, seed, point.id);
    if (!job.records.includes(id)) return [];
    const fields = { ...variantField, base: modelSeed };
    const record = { id, ...fields, configHash: env.configHash, backend: env.backend, ...runs[m]! };
    env.progress(id);
    return [{ record, config: { ...fields, seed, point }, metrics: [{ finalLoss: record.finalLoss }] }];
  });
}

/**
 * An organism's cost: each variant's base through both stages unless cached and kept (at `BASE_WORK_WEIGHT`
 * times the work: it trains on one thread with small batches), then each fine-tune job at twice the forward
 * work (the frozen reference beside the adapters).
 */
async function organismEstimate(
  organism: AnyOrganism,
  config: OrganismConfig,
  plan: readonly Job[],
  cache: CacheUse = {},
) {
  const stages = [config.pretrain, config.instruct] as { steps: number; batch: number }[];
  const fineTune = config.fineTune as { steps: number; batch?: number };
  const batch = Math.max(fineTune.batch ?? 64, ...stages.map((s) => s.batch));
  const { perToken, bytes } = transformerCost(config.model, organism.world(config).vocabulary.size, batch);
  const t = config.model.context;
  const baseWork = stages.reduce((n, s) => n + trainingWork(perToken, s.batch * t, s.steps), 0);
  const cached = await Promise.all(
    variantBases(organism, config).map(async ({ variant, modelSeed }) => {
      const { path } = await baseCachePath(organism, config, variant, modelSeed, cache.dir);
      return !cache.retrain && exists(`${path}.json`); // what loading looks for
    }),
  );
  const tunes = plan.filter((job) => job.kind === "fine-tune").reduce((n, job) => n + job.seeds.length, 0);
  const work = cached.filter((c) => !c).length * BASE_WORK_WEIGHT * baseWork +
    tunes * 2 * trainingWork(perToken, (fineTune.batch ?? 64) * t, fineTune.steps);
  return { work, bytes, workPerSecond: organism.workPerSecond };
}

/** Base training runs at about a third of the fine-tunes' rate per thread (measured: sycophancy's base). */
const BASE_WORK_WEIGHT = 3;

/**
 * The hash of everything that determines an organism's records: what each variant's bases share (all but the
 * model seed, which every record names: `base3/…`), the fine-tune, the backend. Seeds and bases are left out,
 * so that a run of fewer (`--quick`) shares its records with the whole.
 */
function organismHash(organism: AnyOrganism, config: OrganismConfig, backend: string): Promise<string> {
  for (const p of organismPoints(config)) { // a config built without its schema
    strategyByName(p.strategy);
    if (p.proxy !== undefined && !(p.proxy in (config.proxies ?? {}))) {
      throw new Error(`Cannot run ${p.id}: the config names no proxy "${p.proxy}" under proxies`);
    }
  }
  const variants = variantsOf(organism).map((variant) => {
    const { data, model, pretrain, instruct, dataSeed } = organism.variantConfig?.(config, variant) ?? config;
    return { variant, data, model, pretrain, instruct, dataSeed };
  });
  const code = organism.baseCodeVersion, fineTune = config.fineTune;
  // Named proxies change the evaluation (what it leaves out); a config without them hashes as before they existed.
  const proxies = Object.keys(config.proxies ?? {}).length ? { proxies: config.proxies } : {};
  return configHash({ variants, code, fineTune, ...proxies, ...organism.hashFields?.(config), backend });
}

/** Seeds per base of the whole benchmark (`--full`): three, against the default's two. */
const FULL_SEEDS = 3;

/** Quick: the first seed on the first base; full: `FULL_SEEDS` seeds on every base. */
function organismBudget<C extends OrganismConfig>(config: C, budget: Budget): C {
  if (budget === "quick") {
    return { ...config, seeds: config.seeds.slice(0, 1), bases: config.bases.slice(0, 1) };
  }
  return { ...config, seeds: extendSeeds(config.seeds, Math.max(FULL_SEEDS, config.seeds.length)) };
}

/**
 * The experiment of an organism; `as` names another experiment on the same organism and bases (its own
 * shipped config, its own folder under `out/`).
 *
 * @example
 * ```ts
 * import { loadYamlConfig, organismExperiment, runExperiment, sycophancyOrganism } from "../../mod.ts";
 * // What mod.ts's `sycophancy` is: a job per variant × base, then one per variant × base × sweep point.
 * const experiment = organismExperiment(sycophancyOrganism);
 * const config = await loadYamlConfig(experiment.configSchema, experiment.defaultConfig);
 * const { summary } = await runExperiment(experiment, config, { out: "out", seeds: [1] });
 * console.log(experiment.describe(summary));
 * ```
 */
export function organismExperiment<O extends AnyOrganism>(
  organism: O,
  as: { name: string; title: string; defaultConfig: URL } = organism,
): Experiment<
  O extends Organism<infer C, infer _W, infer _Sc, infer _Run, infer _S> ? C : never,
  ReturnType<O["runSchema"]["parse"]> | BaseRecord<ReturnType<O["scoresSchema"]["parse"]>>,
  ReturnType<O["summarySchema"]["parse"]>
> {
  const baseSchema = z.strictObject({ ...BaseRecordFields, scores: organism.scoresSchema });
  const isBase = (r: object): r is BaseRecord<unknown> => "kind" in r && r.kind === "base";
  return defineExperiment({
    name: as.name,
    title: as.title,
    configSchema: organism.configSchema,
    defaultConfig: as.defaultConfig,
    recordSchema: z.union([organism.runSchema, baseSchema]),
    summarySchema: organism.summarySchema,
    seeds: (config: OrganismConfig) => config.seeds,
    withSeeds: (config: OrganismConfig, seeds: number[]) => ({ ...config, seeds }),
    atBudget: organismBudget,
    estimate: (config: OrganismConfig, plan, cache) => organismEstimate(organism, config, plan, cache),
    hash: (config: OrganismConfig, backend: string) => organismHash(organism, config, backend),
    plan: (config: OrganismConfig) => organismPlan(organism, config),
    run: (job, config: OrganismConfig, env) => runOrganismJob(organism, job, config, env) as never,
    summarize(config: OrganismConfig, records: object[], info) {
      const bases = records.filter(isBase);
      const runs = records.filter((r) => !isBase(r));
      const about = { ...info, points: organismPoints(config), experiment: as.name };
      return organism.summarize(runs, bases, about, config);
    },
    findings: organism.findings,
    describe: organism.describe,
  }) as never;
}
