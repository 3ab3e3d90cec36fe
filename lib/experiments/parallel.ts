/**
 * Runs an experiment's work on several cores: each Deno worker (with its own tfjs WASM backend, which is
 * single-threaded under Deno) runs jobs — a share of the seeds, or one sweep point — and writes their run
 * records; the caller then reads the records back and aggregates as usual. Each job's computation is
 * independent and deterministic, so the results equal a serial run's.
 *
 * @module
 */
import type { BackendName } from "../backend.ts";

/** One worker's share of an experiment. */
export interface SeedJob {
  experiment: "toy" | "strategies-toy" | "sycophancy" | "em";
  /** The validated config (plain JSON). */
  config: unknown;
  /** This worker's seeds, and all of the experiment's. */
  seeds: number[];
  allSeeds: number[];
  out: string;
  backend: BackendName;
  /** Where the organisms' cached bases live (default: `data/cache/`). */
  cacheDir?: string;
  /** Train the toy experiments' models as ensembles (default true). */
  batched?: boolean;
  /** Only these sweep points (strategies-toy, batched: workers share out points, not seeds). */
  points?: string[];
  /** strategies-toy, batched: only train and save this share's bases. */
  basesOnly?: boolean;
}

/** How many workers to use by default: one per core, at most the number of seeds, at most 4. */
export function defaultWorkers(seeds: number): number {
  return Math.max(1, Math.min(navigator.hardwareConcurrency ?? 1, seeds, 4));
}

/** Deals seeds round-robin to `workers` jobs. */
export function dealSeeds(seeds: readonly number[], workers: number): number[][] {
  const shares: number[][] = Array.from({ length: Math.min(workers, seeds.length) }, () => []);
  seeds.forEach((seed, i) => shares[i % shares.length]!.push(seed));
  return shares;
}

/**
 * A pool of experiment workers, each with its own backend: `run` hands a job to the next idle worker and resolves
 * when it is done, so jobs of uneven cost keep every core busy, and workers (their modules and WASM loaded once)
 * serve many jobs. Release with `close`.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];

  constructor(size: number) {
    const url = new URL("./seed_worker.ts", import.meta.url).href;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { type: "module" });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  /** Runs one job on the next idle worker; rejects with the worker's error. */
  async run(job: SeedJob): Promise<void> {
    const worker = this.idle.pop() ?? await new Promise<Worker>((resolve) => this.waiting.push(resolve));
    const result = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        resolve({ ok: false, error: event.message });
      };
      worker.postMessage(job);
    });
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
    if (!result.ok) throw new Error(`Cannot run ${job.experiment} in workers: ${result.error}`);
  }

  /** Stops every worker. */
  close(): void {
    for (const worker of this.all) worker.terminate();
  }
}

/** Trains `seeds` in `workers` Deno workers, a share of the seeds each (see `dealSeeds`). */
export async function runSeedsInWorkers(
  job: Omit<SeedJob, "seeds" | "allSeeds">,
  seeds: readonly number[],
  workers: number,
): Promise<void> {
  const pool = new WorkerPool(Math.min(workers, seeds.length));
  try {
    await runShares(pool, job, seeds, dealSeeds(seeds, workers).map((share) => ({ seeds: share })));
  } finally {
    pool.close();
  }
}

/** Runs one job per share on `pool` and waits for all (a failure is reported once every job has settled). */
export async function runShares(
  pool: WorkerPool,
  job: Omit<SeedJob, "seeds" | "allSeeds">,
  allSeeds: readonly number[],
  shares: readonly Pick<SeedJob, "seeds" | "points">[],
): Promise<void> {
  const results = await Promise.allSettled(
    shares.map((share) => pool.run({ ...job, ...share, allSeeds: [...allSeeds] })),
  );
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
