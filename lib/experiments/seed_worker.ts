/**
 * A Deno worker that runs jobs of an experiment (some seeds, or some sweep points) into the run store, one
 * message at a time, until its pool stops it. The WASM backend runs one thread under Deno, so a second worker
 * with its own backend is how both cores get used (see `parallel.ts`).
 *
 * @module
 */
import { initBackend } from "../backend.ts";
import { runToy } from "./toy/run.ts";
import { runStrategiesToy } from "./strategies_toy/run.ts";
import { runEm } from "./em/run.ts";
import { runSycophancy } from "./sycophancy/run.ts";
import type { SeedJob } from "./parallel.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<SeedJob>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

scope.onmessage = async (event) => {
  const job = event.data;
  try {
    await initBackend(job.backend);
    const options = {
      out: job.out,
      seeds: job.seeds,
      quiet: true,
      workers: 1,
      batched: job.batched ?? true,
      workerShare: true,
    };
    if (job.experiment === "toy") {
      // Boundaries belong to the experiment's first seed, not this worker's.
      await runToy(job.config as never, { ...options, boundarySeed: job.allSeeds[0]! });
    } else if (job.experiment === "strategies-toy") {
      await runStrategiesToy(job.config as never, {
        ...options,
        ...(job.points ? { points: job.points } : {}),
        basesOnly: job.basesOnly ?? false,
      });
    } else {
      // The organisms' bases are already cached by the caller; a worker only loads them.
      const cached = { ...options, ...(job.cacheDir ? { cacheDir: job.cacheDir } : {}) };
      const results = job.experiment === "em"
        ? await runEm(job.config as never, cached)
        : await runSycophancy(job.config as never, cached);
      results.dispose();
    }
    scope.postMessage({ ok: true });
  } catch (error) {
    scope.postMessage({ ok: false, error: String((error as Error)?.stack ?? error) });
  }
};
