/**
 * The experiment engine's contract: an experiment plans **jobs** (plain data), runs one job into run records,
 * and summarises the records; the driver (`driver.ts`) owns reuse, resumption and writes, and an executor
 * (`executors.ts`) decides where jobs run. A job's inputs are its spec plus the artifacts of the jobs it
 * depends on; its output is run records (and artifacts): nothing else crosses the boundary.
 *
 * @module
 */
import { z } from "zod";
import type { Finding } from "../eval/findings.ts";
import type { Estimate } from "../train/estimate.ts";
import type { CacheUse } from "../train/cached_model.ts";

/**
 * One unit of work: plain data, so it can travel to a worker or another machine.
 *
 * @example
 * ```ts
 * import { type Job, loadStrategiesToyConfig, strategiesToy } from "../../mod.ts";
 * // The plan: a base job per seed, then a job per sweep point that waits for every base.
 * const plan: Job[] = await strategiesToy.plan(await loadStrategiesToyConfig());
 * for (const job of plan) console.log(`${job.id} (${job.kind}) after [${job.dependsOn.join(", ")}]`);
 * ```
 */
export interface Job {
  /** Unique within the plan, e.g. `seed1`, `bases/persona` or `point/kl-beta=30`. */
  id: string;
  /** What the job does, for the experiment's `run` (e.g. `base`, `fine-tune`). */
  kind: string;
  seeds: number[];
  /** The sweep point the job runs, when it runs one. */
  point?: string;
  /** Ids of jobs whose artifacts this job uses (a fine-tune waits for its base). */
  dependsOn: string[];
  /** Ids of the run records the job writes; the driver hands over only those still missing. */
  records: string[];
  /**
   * Run even when its records are stored, all of them again: for cheap jobs whose record says something about
   * this run (an organism's base job: loaded from the cache now, or trained).
   */
  fresh?: boolean;
  /** Anything else the job needs, as JSON. */
  params?: Record<string, unknown>;
}

/** One run record a job produced, with what is stored beside it. */
export interface RunOutput<R> {
  record: R;
  /** Written as the run's `config.yaml`. */
  config: unknown;
  /** Written as the run's `metrics.jsonl`, one line each. */
  metrics: readonly object[];
}

/** What a job may know of the run it belongs to (plain data). */
export interface JobSpec {
  backend: string;
  configHash: string;
  /** Folder for artifacts jobs share (e.g. saved base weights): the experiment's output folder, or a temporary one. */
  artifacts: string;
  /** Where the organisms' base models are cached (default `data/cache/<experiment>/`). */
  cacheDir?: string;
  /** Retrain cached base models. */
  retrain: boolean;
  quiet: boolean;
}

/** A job's view of the process it runs in. */
export interface JobEnv extends JobSpec {
  /**
   * A value made once per process (a loaded base, a seed's data) and shared by the jobs that run there;
   * `dispose` releases it when the executor closes.
   */
  memo<T>(key: string, make: () => T | Promise<T>, dispose?: (value: T) => void): Promise<T>;
  /** Reports that one of the job's records is done. */
  progress(note: string): void;
}

/** What every experiment's summary carries. */
export const RunInfoSchema = z.strictObject({
  backend: z.string(),
  seeds: z.array(z.int()),
  wallSeconds: z.number().nonnegative(),
  configHash: z.string(),
});
export type RunInfo = z.output<typeof RunInfoSchema>;

/** Fields every run record has, as the driver needs them. */
export interface RecordBase {
  id: string;
  configHash: string;
}

/** How much of an experiment to run: a smoke run, or the whole benchmark (the default is in between). */
export type Budget = "quick" | "full";

/**
 * An experiment defined on the engine.
 *
 * @example
 * ```ts
 * import { EXPERIMENTS, type Experiment, loadYamlConfig, runExperiment } from "../../mod.ts";
 * // Runs any experiment with its shipped config and one seed, writing nothing, and describes the result.
 * async function quickLook<C, R extends { id: string; configHash: string }, S>(e: Experiment<C, R, S>) {
 *   const config = await loadYamlConfig(e.configSchema, e.defaultConfig);
 *   return e.describe((await runExperiment(e, config, { seeds: [1], quiet: true })).summary);
 * }
 * console.log(await quickLook(EXPERIMENTS[0]));
 * ```
 */
export interface Experiment<C = unknown, R extends RecordBase = RecordBase, S = unknown> {
  /** Its name on the command line and its folder under `out/`. */
  name: string;
  /** A title for the gallery. */
  title: string;
  configSchema: z.ZodType<C>;
  /** The shipped config file. */
  defaultConfig: URL;
  recordSchema: z.ZodType<R>;
  summarySchema: z.ZodType<S>;
  /** The config's seeds, and the config with others. */
  seeds(config: C): number[];
  withSeeds(config: C, seeds: number[]): C;
  /**
   * The config at a budget: `quick`, a smoke run; `full`, the whole benchmark. Without it, quick runs the
   * first seed and full the config as it is.
   */
  atBudget?(config: C, budget: Budget): C;
  /** Hash of everything that determines the records' numbers (seeds excluded); checks the config's names. */
  hash(config: C, backend: string): Promise<string>;
  /**
   * The run's cost from its config and plan, checked against the limits before anything runs; `cache` says
   * where the run looks for trained models (an organism's bases) if not in their default place, and whether it
   * retrains them.
   */
  estimate(config: C, plan: readonly Job[], cache?: CacheUse): Estimate | Promise<Estimate>;
  /** The jobs, dependencies first, in the order their records are summarised. */
  plan(config: C): Job[] | Promise<Job[]>;
  /** Runs one job: produces exactly the records in `job.records`. */
  run(job: Job, config: C, env: JobEnv): Promise<RunOutput<R>[]>;
  summarize(config: C, records: R[], info: RunInfo): S | Promise<S>;
  findings(summary: S): Finding[];
  /** One line for the console, e.g. `12 points × 3 seeds, 40.1 s`. */
  describe(summary: S): string;
}

/** `1 seed`, `3 seeds`: a count in a `describe` line or a table. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * Defines an experiment (identity at run time; the generics check the parts against each other).
 *
 * @example
 * ```ts
 * import { defineExperiment, toy } from "../../mod.ts";
 * // The toy's jobs and records (so out/toy/ is reused), described in a line of your own.
 * const myToy = defineExperiment({ ...toy, describe: (s) => `flip: ${s.noProxy.accuracy[s.flipCategory]?.mean}` });
 * ```
 */
export function defineExperiment<C, R extends RecordBase, S>(
  experiment: Experiment<C, R, S>,
): Experiment<C, R, S> {
  return experiment;
}
