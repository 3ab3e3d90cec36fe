/**
 * Every experiment's figures from what `runExperiment` returned: the one place that knows which builders
 * draw which experiment (`deno task reproduce` and the tests use it).
 *
 * @module
 */
import type { ExperimentResult } from "../experiments/driver.ts";
import type { EmRun, EmSummary } from "../experiments/em/summary.ts";
import type { BaseRecord } from "../experiments/organism.ts";
import type { StrategiesToyConfig } from "../experiments/strategies_toy/config.ts";
import type { StrategiesToySummary } from "../experiments/strategies_toy/summary.ts";
import type { SycophancySummary } from "../experiments/sycophancy/summary.ts";
import type { ToyConfig } from "../experiments/toy/config.ts";
import type { ToyRun } from "../experiments/toy/summary.ts";
import { loadToyTriggers } from "../data/toy_world.ts";
import type { ToySummary } from "../experiments/toy/summary.ts";
import type { EmScores } from "../eval/em.ts";
import { emFigures } from "./em.ts";
import { emProxiesFigures, sycophancyProxiesFigures } from "./proxies.ts";
import type { EmProxiesSummary } from "../experiments/em/proxies.ts";
import type { SycophancyProxiesSummary } from "../experiments/sycophancy/proxies.ts";
import type { Figure } from "./figure.ts";
import { strategiesToyFigures } from "./strategies.ts";
import { sycophancyFigures } from "./sycophancy.ts";
import { toyFigures } from "./toy.ts";

// deno-lint-ignore no-explicit-any
type AnyResult = ExperimentResult<any, any, any>;

/** The base records of an organism's result (every variant × base), and its fine-tune runs. */
export function organismRecords<Run, Sc>(records: readonly (Run | BaseRecord<Sc>)[]) {
  const isBase = (r: Run | BaseRecord<Sc>): r is BaseRecord<Sc> =>
    typeof r === "object" && r !== null && "kind" in r && r.kind === "base";
  return {
    bases: records.filter(isBase),
    runs: records.filter((r): r is Run => !isBase(r)),
  };
}

/**
 * The figures of experiment `name`'s result.
 *
 * @example
 * ```ts
 * import { experimentFigures, loadToyConfig, plot, runExperiment, toy } from "../../mod.ts";
 * const result = await runExperiment(toy, await loadToyConfig(), { out: "out" });
 * for (const figure of await experimentFigures("toy", result)) {
 *   await plot.writeFigure(figure, "out/toy/figures"); // <name>.html (plotly.js inlined) and <name>.json
 * }
 * ```
 */
export async function experimentFigures(name: string, result: AnyResult): Promise<Figure[]> {
  if (name === "toy") {
    const colours = (await loadToyTriggers(result.config as ToyConfig)).colours;
    return toyFigures(result.summary as ToySummary, result.records as ToyRun[], colours);
  }
  if (name === "strategies-toy") {
    const triggers = await loadToyTriggers((result.config as StrategiesToyConfig).toy);
    return strategiesToyFigures(
      result.summary as StrategiesToySummary,
      triggers.categories.map((c) => c.name),
    );
  }
  if (name === "sycophancy") return sycophancyFigures(result.summary as SycophancySummary);
  if (name === "em" || name === "em-total") {
    const { runs } = organismRecords<EmRun, EmScores>(result.records);
    return emFigures(result.summary as EmSummary, runs);
  }
  if (name === "em-proxies") return emProxiesFigures(result.summary as EmProxiesSummary);
  if (name === "sycophancy-proxies") {
    return sycophancyProxiesFigures(result.summary as SycophancyProxiesSummary);
  }
  throw new Error(`Cannot draw experiment "${name}": no figures are defined for it`);
}
