/**
 * Executors run an experiment's jobs. `InProcessExecutor` runs them one at a time in this thread; `WorkerPool`
 * hands each job to the next idle Deno worker (each with its own backend: tfjs-WASM runs one thread under
 * Deno, so workers are how every core gets used) and streams its progress back. A job's computation depends
 * only on its spec and the artifacts it reads, so results equal a serial run's.
 *
 * @module
 */
import type { Experiment, Job, JobEnv, JobSpec, RecordBase, RunOutput } from "./experiment.ts";

/** Runs one job of `experiment` with its config and spec; resolves with the job's records. */
export type RunJob = <C, R extends RecordBase>(
  experiment: Experiment<C, R, unknown>,
  config: C,
  job: Job,
  spec: JobSpec,
  onProgress: (note: string) => void,
) => Promise<RunOutput<R>[]>;

/**
 * Runs jobs; `size` is how many it runs at once. Whoever passes one to `runExperiment` closes it.
 *
 * @example
 * ```ts
 * import { type Executor, InProcessExecutor, WorkerPool } from "../../mod.ts";
 * const executor: Executor = navigator.hardwareConcurrency > 1 ? new WorkerPool(2) : new InProcessExecutor();
 * ```
 */
export interface Executor {
  readonly size: number;
  run: RunJob;
  /** Releases what the executor holds (memoised values, workers, connections). */
  close(): void | Promise<void>;
}

/** Values made once per process and released together (see `JobEnv.memo`). */
export class Memo {
  private readonly values = new Map<string, Promise<unknown>>();
  private readonly disposers: (() => void)[] = [];

  get<T>(key: string, make: () => T | Promise<T>, dispose?: (value: T) => void): Promise<T> {
    if (!this.values.has(key)) {
      const value = Promise.resolve().then(make);
      this.values.set(key, value);
      if (dispose) value.then((v) => this.disposers.push(() => dispose(v)), () => {});
    }
    return this.values.get(key) as Promise<T>;
  }

  /** Releases every value, newest first. */
  clear(): void {
    for (const dispose of this.disposers.reverse()) dispose();
    this.disposers.length = 0;
    this.values.clear();
  }
}

/** The environment a job sees in a process with `memo`. */
export function jobEnv(spec: JobSpec, memo: Memo, onProgress: (note: string) => void): JobEnv {
  return { ...spec, memo: (key, make, dispose) => memo.get(key, make, dispose), progress: onProgress };
}

/**
 * Runs jobs one at a time in this thread (so breakpoints and stack traces reach the experiment's code).
 *
 * @example
 * ```ts
 * import { InProcessExecutor, loadToyConfig, runExperiment, toy } from "../../mod.ts";
 * const executor = new InProcessExecutor();
 * await runExperiment(toy, await loadToyConfig(), { seeds: [1], executor }).finally(() => executor.close());
 * ```
 */
export class InProcessExecutor implements Executor {
  readonly size = 1;
  private readonly memo = new Memo();

  run: RunJob = (experiment, config, job, spec, onProgress) =>
    experiment.run(job, config, jobEnv(spec, this.memo, onProgress));

  close(): void {
    this.memo.clear();
  }
}

/** What a worker receives: the experiment by name (see `registry.ts`), its config, one job and its spec. */
export interface WorkerRequest {
  experiment: string;
  config: unknown;
  job: Job;
  spec: JobSpec;
}

/** What a worker sends back, any number of progress messages, then one result. */
export type WorkerReply =
  | { type: "progress"; note: string }
  | { type: "done"; outputs: RunOutput<RecordBase>[] }
  | { type: "error"; error: string };

/**
 * A pool of Deno workers (see `job_worker.ts`); workers serve many jobs, their modules loaded once.
 *
 * @example
 * ```ts
 * import { loadStrategiesToyConfig, runExperiment, strategiesToy, WorkerPool } from "../../mod.ts";
 * const pool = new WorkerPool(4); // each worker with its own backend
 * await runExperiment(strategiesToy, await loadStrategiesToyConfig(), { executor: pool }).finally(() => pool.close());
 * ```
 */
export class WorkerPool implements Executor {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];

  constructor(size: number) {
    this.size = size;
    const url = new URL("./job_worker.ts", import.meta.url).href;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { type: "module" });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run: RunJob = async (experiment, config, job, spec, onProgress) => {
    const worker = this.idle.pop() ?? await new Promise<Worker>((resolve) => this.waiting.push(resolve));
    const reply = await new Promise<Exclude<WorkerReply, { type: "progress" }>>((resolve) => {
      worker.onmessage = (event: MessageEvent<WorkerReply>) => {
        if (event.data.type === "progress") onProgress(event.data.note);
        else resolve(event.data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        resolve({ type: "error", error: event.message });
      };
      const request: WorkerRequest = { experiment: experiment.name, config, job, spec };
      worker.postMessage(request);
    });
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
    if (reply.type === "error") {
      throw new Error(`Cannot run ${experiment.name} job ${job.id}: ${reply.error}`);
    }
    return reply.outputs as never;
  };

  close(): void {
    for (const worker of this.all) worker.terminate();
  }
}

/** How many workers to use by default: one per core, at most `jobs`, at most 4. */
export function defaultWorkers(jobs: number): number {
  return Math.max(1, Math.min(navigator.hardwareConcurrency ?? 1, jobs, 4));
}

/** Workers when there is more than one job to share and more than one core; else this thread. */
export function defaultExecutor(jobs: number, workers = defaultWorkers(jobs)): Executor {
  return workers > 1 ? new WorkerPool(workers) : new InProcessExecutor();
}
