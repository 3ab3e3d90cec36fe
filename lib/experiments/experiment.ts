/**
 * The experiment engine's contract. An experiment is a definition, not a runner: it plans **jobs** (plain,
 * serialisable data), runs one job into run records, and summarises the records. `runExperiment`
 * (`driver.ts`) owns everything around that — reuse of finished records, resumption, corrupt-record checks,
 * progress, atomic writes — and an **executor** (`executors.ts`) decides where jobs run: in this thread, in a
 * pool of Deno workers, or elsewhere. A job's inputs are its spec plus the artifacts of the jobs it depends
 * on; its output is run records (and artifacts in the shared folder): nothing else crosses the boundary.
 *
 * @module
 */
import type { z } from "zod";
import type { Finding } from "./findings.ts";

/** One unit of work: plain data, so it can travel to a worker or another machine. */
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
export interface RunInfo {
  backend: string;
  seeds: number[];
  configHash: string;
  wallSeconds: number;
}

/** Fields every run record has, as the driver needs them. */
export interface RecordBase {
  id: string;
  configHash: string;
}

/** An experiment defined on the engine. */
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
  /** Hash of everything that determines the records' numbers (seeds excluded); checks the config's names. */
  hash(config: C, backend: string): Promise<string>;
  /** The jobs, dependencies first, in the order their records are summarised. */
  plan(config: C): Job[] | Promise<Job[]>;
  /** Runs one job: produces exactly the records in `job.records`. */
  run(job: Job, config: C, env: JobEnv): Promise<RunOutput<R>[]>;
  summarize(config: C, records: R[], info: RunInfo): S | Promise<S>;
  findings(summary: S): Finding[];
  /** One line for the console, e.g. `12 points × 3 seeds, 40.1 s`. */
  describe(summary: S): string;
}

/** Defines an experiment (identity at run time; the generics check the parts against each other). */
export function defineExperiment<C, R extends RecordBase, S>(
  experiment: Experiment<C, R, S>,
): Experiment<C, R, S> {
  return experiment;
}

/** Seconds since `started` (a `performance.now()` reading). */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

/** A run's per-step losses as `metrics.jsonl` lines (null where the loss was not finite). */
export function lossLines(losses: readonly number[]): { step: number; loss: number | null }[] {
  return losses.map((loss, step) => ({ step, loss: Number.isFinite(loss) ? loss : null }));
}
