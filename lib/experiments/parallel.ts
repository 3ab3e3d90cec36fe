/**
 * Runs an experiment's seeds on several cores: each Deno worker (with its own tfjs WASM backend, which is
 * single-threaded under Deno) trains a share of the seeds and writes their run records; the caller then reads
 * the records back and aggregates as usual. Each seed's computation is independent and deterministic, so the
 * results equal a serial run's.
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

/** Runs the jobs' seeds in parallel workers and waits for all; throws with the first worker's error. */
export async function runSeedsInWorkers(
  job: Omit<SeedJob, "seeds" | "allSeeds" | "points">,
  seeds: readonly number[],
  workers: number,
  pointShares?: readonly string[][],
): Promise<void> {
  const url = new URL("./seed_worker.ts", import.meta.url).href;
  // Either every worker takes a share of the seeds, or (with point shares) all seeds and a share of the points.
  const jobs = pointShares
    ? pointShares.map((points) => ({ seeds: [...seeds], points }))
    : dealSeeds(seeds, workers).map((share) => ({ seeds: share }));
  const results = await Promise.all(
    jobs.map((share) =>
      new Promise<{ ok: boolean; error?: string }>((resolve) => {
        const worker = new Worker(url, { type: "module" });
        worker.onmessage = (event) => {
          resolve(event.data);
          worker.terminate();
        };
        worker.onerror = (event) => {
          event.preventDefault();
          resolve({ ok: false, error: event.message });
          worker.terminate();
        };
        worker.postMessage({ ...job, ...share, allSeeds: [...seeds] } satisfies SeedJob);
      })
    ),
  );
  const failed = results.find((r) => !r.ok);
  if (failed) throw new Error(`Cannot run ${job.experiment} in workers: ${failed.error}`);
}
