/**
 * The one driver every experiment runs under: it plans the jobs, reuses finished records (same config hash,
 * valid against the record schema; anything else is reported and recomputed), runs what is missing on an
 * executor with dependencies first, writes every record as soon as its job returns (atomically, so a run
 * killed even with SIGKILL resumes where it stopped), and writes `summary.json` last.
 *
 * @module
 */
import { z } from "zod";
import { initBackend, WEBGPU_SYNC_READS } from "../backend.ts";
import { InputError } from "../config/input_error.ts";
import { parseConfig } from "../config/load.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import { checkFolder, claimFolder } from "../io/claim.ts";
import { lockFolder } from "../io/lock.ts";
import { checkOutDir } from "../io/out_dir.ts";
import { createProgress } from "../train/progress.ts";
import { RunStore, secondsSince } from "../train/records.ts";
import { checkEstimate, DEFAULT_MAX_HOURS, type Estimate, type Limits } from "../train/estimate.ts";
import { defaultExecutor, type Executor } from "./executors.ts";
import { type Experiment, type Job, type JobSpec, type RecordBase, type RunOutput } from "./experiment.ts";

/**
 * Options of `runExperiment`.
 *
 * @example
 * ```ts
 * import type { RunExperimentOptions } from "../../mod.ts";
 * // Two seeds, records in out/toy/, a log line per finished record instead of the console bar.
 * const options: RunExperimentOptions = { out: "out", seeds: [1, 2], quiet: true, onProgress: console.log };
 * ```
 */
export interface RunExperimentOptions {
  /** Output folder; records go to `<out>/<experiment>/`. Without it nothing is written and nothing resumes. */
  out?: string;
  /** Override the config's seeds. */
  seeds?: number[];
  /** Where jobs run (default: a pool of Deno workers, one per core, or this thread for a single job). */
  executor?: Executor;
  /** Where the organisms' bases are cached (default `data/cache/<experiment>/`). */
  cacheDir?: string;
  /** Retrain cached base models. */
  retrain?: boolean;
  /** Delete a run of another config in `<out>/<experiment>/` instead of refusing to write there. */
  replace?: boolean;
  /** Refuse a run estimated to take longer or need more memory (default: 24 h, 3/4 of this machine's memory). */
  limits?: Limits;
  /** No progress output. */
  quiet?: boolean;
  /** Called after each record is done (after the console bar, if any). */
  onProgress?: (done: number, total: number, note: string) => void;
}

/**
 * What an experiment produced: its config (with the seeds run), records in plan order, and summary.
 *
 * @example
 * ```ts
 * import type { ExperimentResult } from "../../mod.ts";
 * const seed1 = (r: ExperimentResult<unknown, { id: string }, unknown>) => r.records.filter((x) => x.id.startsWith("seed1/"));
 * ```
 */
export interface ExperimentResult<C, R, S> {
  config: C;
  records: R[];
  summary: S;
}

/**
 * Runs (or resumes) an experiment and writes its records and summary.
 *
 * @example
 * ```ts
 * import { formatFindings, loadToyConfig, runExperiment, toy } from "../../mod.ts";
 * // Records and summary.json in out/toy/; a rerun reuses finished records and resumes an interrupted run.
 * const { summary, records } = await runExperiment(toy, await loadToyConfig(), { out: "out", seeds: [1] });
 * console.log(`${records.length} records; ${toy.describe(summary)}`);
 * console.log(formatFindings(toy.findings(summary)));
 * ```
 */
export async function runExperiment<C, R extends RecordBase, S>(
  experiment: Experiment<C, R, S>,
  config: C,
  options: RunExperimentOptions = {},
): Promise<ExperimentResult<C, R, S>> {
  return await runPrepared(await prepareExperiment(experiment, config, options), options);
}

/** An experiment checked and planned, ready to run: nothing has been written yet. */
export interface PreparedExperiment<C, R extends RecordBase, S> {
  experiment: Experiment<C, R, S>;
  /** The config with the seeds to run. */
  config: C;
  backend: string;
  configHash: string;
  plan: Job[];
  estimate: Estimate;
}

/**
 * Everything `runExperiment` checks before any work, without writing: the config's names and counts (the
 * experiment's `hash`), the plan, the estimate against the limits, and that `<out>/<experiment>/` holds no
 * run of another config (unless `replace`). Bad input throws an `InputError` naming each problem.
 */
export async function prepareExperiment<C, R extends RecordBase, S>(
  experiment: Experiment<C, R, S>,
  config: C,
  options: Pick<RunExperimentOptions, "out" | "seeds" | "replace" | "limits" | "cacheDir" | "retrain"> = {},
): Promise<PreparedExperiment<C, R, S>> {
  if (options.seeds) {
    config = parseConfig(experiment.configSchema, experiment.withSeeds(config, options.seeds), "--seeds");
  }
  const { id: backend, name } = await initBackend();
  if (name === "webgpu") throw new InputError(`Cannot run ${experiment.name} on webgpu`, [WEBGPU_SYNC_READS]);
  const configHash = await experiment.hash(config, backend);
  const plan = await experiment.plan(config);
  const estimate = await experiment.estimate(config, plan, {
    dir: options.cacheDir || undefined,
    retrain: options.retrain,
  });
  checkEstimate(experiment.name, estimate, options.limits ?? { maxHours: DEFAULT_MAX_HOURS });
  if (options.out !== undefined) {
    const dir = `${checkOutDir(options.out)}/${experiment.name}`;
    if (!options.replace) {
      await checkFolder(dir, { experiment: experiment.name, configHash, backend });
    }
  }
  return { experiment, config, backend, configHash, plan, estimate };
}

/** Runs a prepared experiment: takes the folder's lock, runs the missing jobs, writes the summary last. */
export async function runPrepared<C, R extends RecordBase, S>(
  prepared: PreparedExperiment<C, R, S>,
  options: RunExperimentOptions = {},
): Promise<ExperimentResult<C, R, S>> {
  const started = performance.now();
  const { experiment, config, backend, configHash, plan } = prepared;
  const store = options.out ? new RunStore(`${options.out}/${experiment.name}`) : undefined;
  using _lock = store ? await lockFolder(store.dir) : undefined;
  const claim = { experiment: experiment.name, configHash, backend };
  if (store) await claimFolder(store.dir, claim, config, options.replace ?? false);
  const stored = new Map<string, R>();
  for (const id of plan.flatMap((job) => job.records)) {
    const found = await store?.load(id, experiment.recordSchema, configHash);
    if (found) stored.set(id, found);
  }
  const total = plan.reduce((n, job) => n + job.records.length, 0);
  const todo = jobsToRun(plan, stored);
  let done = total - todo.reduce((n, job) => n + job.records.length, 0);
  const progress = createProgress(experiment.name, total, { quiet: options.quiet ?? false, done });
  const tick = (note: string) => {
    progress.update(++done, note);
    options.onProgress?.(done, total, note);
  };

  const artifacts = store?.dir ?? await Deno.makeTempDir({ prefix: "selgen-" });
  const spec: JobSpec = {
    backend,
    configHash,
    artifacts,
    retrain: options.retrain ?? false,
    quiet: options.quiet ?? false,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  };
  const executor = options.executor ?? defaultExecutor(todo.length);
  try {
    await runJobs(todo, executor, async (job) => {
      const outputs = await executor.run(experiment, config, job, spec, tick);
      await saveOutputs(store, job, outputs, stored);
    });
  } finally {
    if (!options.executor) await executor.close();
    if (!store) await Deno.remove(artifacts, { recursive: true }).catch(() => {});
  }
  await progress.finish();
  store?.reportRejected();

  const records = plan.flatMap((job) => job.records.map((id) => stored.get(id)!));
  reportDiverged(experiment.name, records);
  const info = { backend, seeds: experiment.seeds(config), configHash, wallSeconds: secondsSince(started) };
  const summary = await experiment.summarize(config, records, info);
  checkSummary(experiment.name, experiment.summarySchema, summary);
  if (store) await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  return { config, records, summary };
}

/** Says which runs diverged: they are in the records but off every mean, frontier and finding. */
function reportDiverged(name: string, records: readonly RecordBase[]): void {
  const diverged = records.filter((r) => (r as { diverged?: boolean }).diverged === true).map((r) => r.id);
  if (diverged.length === 0) return;
  const shown = diverged.slice(0, 8).join(", ") +
    (diverged.length > 8 ? `, … (${diverged.length - 8} more)` : "");
  console.warn(
    `selgen: ${name}: ${diverged.length} of ${records.length} runs diverged (${shown}); ` +
      "they are left out of every mean, frontier and finding",
  );
}

/** A summary must validate against its own schema as it will be read back from JSON. */
function checkSummary(name: string, schema: z.ZodType, summary: unknown): void {
  const parsed = schema.safeParse(JSON.parse(JSON.stringify(summary)));
  if (parsed.success) return;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`);
  throw new Error(`Cannot write ${name}'s summary: it fails its schema (${issues.join("; ")})`);
}

/**
 * The jobs to run, each with only its missing records: a job runs when a record of its own is missing, when
 * a job that runs depends on it (its artifacts are needed), or when it is `fresh`.
 */
export function jobsToRun(plan: readonly Job[], stored: ReadonlyMap<string, unknown>): Job[] {
  const needed = new Set<string>();
  for (const job of [...plan].reverse()) {
    const dependedOn = plan.some((other) => needed.has(other.id) && other.dependsOn.includes(job.id));
    if (job.fresh || dependedOn || job.records.some((id) => !stored.has(id))) needed.add(job.id);
  }
  return plan.filter((job) => needed.has(job.id)).map((job) => ({
    ...job,
    records: job.fresh ? job.records : job.records.filter((id) => !stored.has(id)),
  }));
}

/**
 * Runs `jobs` on `executor`, each once its dependencies are done, at most `executor.size` at a time; the first
 * failure is thrown once the jobs already running have settled.
 */
async function runJobs(
  jobs: readonly Job[],
  executor: Executor,
  runOne: (job: Job) => Promise<void>,
): Promise<void> {
  const finished = new Set<string>();
  const waiting = [...jobs];
  const running = new Map<string, Promise<void>>();
  const inPlan = new Set(jobs.map((j) => j.id));
  let failure: unknown;
  while ((waiting.length > 0 && failure === undefined) || running.size > 0) {
    for (let i = 0; i < waiting.length && running.size < executor.size && failure === undefined;) {
      const job = waiting[i]!;
      if (job.dependsOn.some((id) => inPlan.has(id) && !finished.has(id))) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      running.set(
        job.id,
        runOne(job).then(() => void finished.add(job.id), (error) => void (failure ??= error))
          .finally(() => running.delete(job.id)),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure !== undefined) throw failure;
  if (waiting.length > 0) {
    throw new Error(`Cannot run ${waiting.map((j) => j.id).join(", ")}: a job they depend on is not planned`);
  }
}

/** Checks that a job returned exactly its records, then writes each one and keeps it. */
async function saveOutputs<R extends RecordBase>(
  store: RunStore | undefined,
  job: Job,
  outputs: readonly RunOutput<R>[],
  stored: Map<string, R>,
): Promise<void> {
  const ids = outputs.map((o) => o.record.id);
  if (ids.length !== job.records.length || job.records.some((id) => !ids.includes(id))) {
    throw new Error(`Cannot save job ${job.id}: it returned ${ids.join(", ")} for ${job.records.join(", ")}`);
  }
  for (const { record, config, metrics } of outputs) {
    await store?.save(record.id, { config, metrics, summary: record });
    stored.set(record.id, record);
  }
}
