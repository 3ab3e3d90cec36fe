// Golden trajectories: the loss of every strategy (default parameters) over 20 steps on the tiny toy,
// on the CPU backend (pure JavaScript float32, the same on every machine). Recorded by `deno task golden`.
import { initBackend } from "../lib/backend.ts";
import { fineTuneWith } from "../lib/strategies/finetune.ts";
import { STRATEGIES } from "../lib/strategies/registry.ts";
import { tinyStrategyBench } from "./_tiny.ts";

/** Where the references live. */
export const GOLDEN_PATH = new URL("./golden/strategies.json", import.meta.url);

/** Strategy name → its 20 losses. */
export async function goldenTrajectories(): Promise<Record<string, number[]>> {
  await initBackend("cpu");
  const bench = await tinyStrategyBench(20);
  try {
    const out: Record<string, number[]> = {};
    for (const strategy of STRATEGIES) {
      const setup = bench.setup();
      try {
        out[strategy.name] = fineTuneWith(strategy, {}, setup.context).losses;
      } finally {
        setup.dispose();
      }
    }
    return out;
  } finally {
    bench.dispose();
  }
}

if (import.meta.main) {
  const trajectories = await goldenTrajectories();
  await Deno.writeTextFile(GOLDEN_PATH, JSON.stringify(trajectories, null, 2) + "\n");
  console.log(`Recorded ${Object.keys(trajectories).length} trajectories in ${GOLDEN_PATH.pathname}`);
}
