/**
 * Every experiment by name, in the order `deno task reproduce` runs them and the gallery shows them. A worker
 * looks a job's experiment up here; a new experiment is one line.
 *
 * @module
 */
import type { Experiment } from "./experiment.ts";
import { em, emTotal } from "./em/organism.ts";
import { emProxies } from "./em/proxies.ts";
import { strategiesToy } from "./strategies_toy/experiment.ts";
import { sycophancy } from "./sycophancy/organism.ts";
import { sycophancyProxies } from "./sycophancy/proxies.ts";
import { toy } from "./toy/experiment.ts";

/**
 * The experiments.
 *
 * @example
 * ```ts
 * import { EXPERIMENTS, textTable } from "../../mod.ts";
 * const rows = EXPERIMENTS.map((e) => [e.name, e.title, e.defaultConfig.pathname]);
 * console.log(textTable(["name", "title", "shipped config"], rows));
 * ```
 */
export const EXPERIMENTS = [
  toy,
  strategiesToy,
  sycophancy,
  sycophancyProxies,
  em,
  emTotal,
  emProxies,
] as const;

/** Their names. */
export const EXPERIMENT_NAMES = EXPERIMENTS.map((e) => e.name);

/**
 * The experiment called `name`.
 *
 * @example
 * ```ts
 * import { experimentByName, experimentFigures, loadYamlConfig, runExperiment } from "../../mod.ts";
 * const name = Deno.args[0] ?? "toy";
 * const experiment = experimentByName(name); // a misspelt name throws, listing the known ones
 * const config = await loadYamlConfig(experiment.configSchema, experiment.defaultConfig);
 * const figures = await experimentFigures(name, await runExperiment(experiment, config, { out: "out" }));
 * ```
 */
export function experimentByName(name: string): Experiment<unknown, never, unknown> {
  const found = EXPERIMENTS.find((e) => e.name === name);
  if (!found) throw new Error(`Cannot find experiment "${name}": known are ${EXPERIMENT_NAMES.join(", ")}`);
  return found as never;
}
