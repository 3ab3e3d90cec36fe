/**
 * `deno task reproduce [experiment …] [--seeds N|a,b,c] [--out DIR] [--config FILE] [--quiet] [--retrain]`
 *
 * Runs the named experiments (all when none is named), writing `<out>/<experiment>/summary.json`, the run
 * records and the figures (`<out>/<experiment>/figures/*.html|json`). Finished runs are reused, so an
 * interrupted command resumes.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend } from "../backend.ts";
import { formatFindings, toyFindings } from "../experiments/toy/findings.ts";
import { loadToyConfig, runToy } from "../experiments/toy/run.ts";
import { DEFAULT_TOY_CONFIG_PATH } from "../experiments/toy/config.ts";
import { writeFigure } from "../plot/figure.ts";
import { toyFigures } from "../plot/toy.ts";
import { strategiesToyFigures } from "../plot/strategies.ts";
import { strategiesToyFindings } from "../experiments/strategies_toy/findings.ts";
import { loadStrategiesToyConfig, runStrategiesToy } from "../experiments/strategies_toy/run.ts";
import { DEFAULT_STRATEGIES_TOY_CONFIG_PATH } from "../experiments/strategies_toy/config.ts";
import { emFindings } from "../experiments/em/findings.ts";
import { loadEmConfig, runEm } from "../experiments/em/run.ts";
import { emFigures } from "../plot/em.ts";
import { sycophancyFindings } from "../experiments/sycophancy/findings.ts";
import { loadSycophancyConfig, runSycophancy } from "../experiments/sycophancy/run.ts";
import { sycophancyFigures } from "../plot/sycophancy.ts";

const EXPERIMENTS = ["toy", "strategies-toy", "sycophancy", "em"] as const;
type Experiment = typeof EXPERIMENTS[number];

const USAGE = `usage: deno task reproduce [${
  EXPERIMENTS.join("|")
} …] [--seeds N|a,b,c] [--out DIR] [--config FILE] [--quiet] [--retrain]`;

/** `--seeds 3` takes the config's first three seeds (extended by consecutive integers); `--seeds 1,7` lists them. */
export function resolveSeeds(arg: string | undefined, configured: number[]): number[] | undefined {
  if (arg === undefined) return undefined;
  if (arg.includes(",")) {
    const seeds = arg.split(",").map(Number);
    if (seeds.some((s) => !Number.isInteger(s))) {
      throw new Error(`Cannot use --seeds ${arg}: list whole numbers, e.g. 1,2,25`);
    }
    return seeds;
  }
  const n = Number(arg);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Cannot use --seeds ${arg}: give a count ≥ 1 or a list like 1,2,25`);
  }
  const seeds = configured.slice(0, n);
  for (let next = Math.max(...configured) + 1; seeds.length < n; next++) seeds.push(next);
  return seeds;
}

async function reproduceToy(
  out: string,
  seedsArg: string | undefined,
  configPath: string | undefined,
  quiet: boolean,
) {
  const config = await loadToyConfig(configPath ?? DEFAULT_TOY_CONFIG_PATH);
  const seeds = resolveSeeds(seedsArg, config.seeds);
  const { summary, runs, context } = await runToy(config, { out, ...(seeds ? { seeds } : {}), quiet });
  const dir = `${out}/toy/figures`;
  for (const figure of toyFigures(summary, runs, context.triggers.colours)) {
    const { html } = await writeFigure(figure, dir);
    console.log(`figure: ${html}`);
  }
  console.log(
    `summary: ${out}/toy/summary.json (${summary.seeds.length} seeds, ${
      summary.wallSeconds.toFixed(1)
    } s, backend ${summary.backend})`,
  );
  console.log(formatFindings(toyFindings(summary)));
}

async function reproduceStrategiesToy(
  out: string,
  seedsArg: string | undefined,
  configPath: string | undefined,
  quiet: boolean,
) {
  const config = await loadStrategiesToyConfig(configPath ?? DEFAULT_STRATEGIES_TOY_CONFIG_PATH);
  const seeds = resolveSeeds(seedsArg, config.toy.seeds);
  const { summary, context } = await runStrategiesToy(config, { out, ...(seeds ? { seeds } : {}), quiet });
  const categories = context.triggers.categories.map((c) => c.name);
  for (const figure of strategiesToyFigures(summary, categories)) {
    const { html } = await writeFigure(figure, `${out}/strategies-toy/figures`);
    console.log(`figure: ${html}`);
  }
  console.log(
    `summary: ${out}/strategies-toy/summary.json (${summary.points.length} points × ${summary.seeds.length} seeds, ` +
      `${summary.wallSeconds.toFixed(1)} s, backend ${summary.backend})`,
  );
  console.log(formatFindings(strategiesToyFindings(summary)));
}

async function reproduceSycophancy(
  out: string,
  seedsArg: string | undefined,
  configPath: string | undefined,
  quiet: boolean,
  retrain: boolean,
) {
  const config = configPath ? await loadSycophancyConfig(configPath) : await loadSycophancyConfig();
  const seeds = resolveSeeds(seedsArg, config.seeds);
  const results = await runSycophancy(config, { out, ...(seeds ? { seeds } : {}), quiet, retrain });
  const { summary } = results;
  for (const figure of sycophancyFigures(summary)) {
    const { html } = await writeFigure(figure, `${out}/sycophancy/figures`);
    console.log(`figure: ${html}`);
  }
  results.dispose();
  const base = summary.baseFromCache ? "from cache" : `trained in ${summary.baseSeconds.toFixed(0)} s`;
  console.log(
    `summary: ${out}/sycophancy/summary.json (${summary.points.length} points × ${summary.seeds.length} seeds, ` +
      `${summary.wallSeconds.toFixed(1)} s, backend ${summary.backend}; base ${base})`,
  );
  if (summary.degenerate.length) {
    console.log(
      `degenerate (confirm-correct < 0.5): ${
        summary.degenerate.map((d) => `${d.point} [${d.domains}]`).join(", ")
      }`,
    );
  }
  console.log(formatFindings(sycophancyFindings(summary)));
}

async function reproduceEm(
  out: string,
  seedsArg: string | undefined,
  configPath: string | undefined,
  quiet: boolean,
  retrain: boolean,
) {
  const config = configPath ? await loadEmConfig(configPath) : await loadEmConfig();
  const seeds = resolveSeeds(seedsArg, config.seeds);
  const results = await runEm(config, { out, ...(seeds ? { seeds } : {}), quiet, retrain });
  const { summary, runs, baseScores } = results;
  for (const figure of emFigures(summary, runs, baseScores.control.perDomain)) {
    const { html } = await writeFigure(figure, `${out}/em/figures`);
    console.log(`figure: ${html}`);
  }
  results.dispose();
  const bases = (["persona", "control"] as const)
    .map((v) =>
      `${v} ${summary.baseFromCache[v] ? "from cache" : `trained in ${summary.baseSeconds[v].toFixed(0)} s`}`
    )
    .join(", ");
  console.log(
    `summary: ${out}/em/summary.json (${summary.points.length} points × ${summary.seeds.length} seeds, ` +
      `${summary.wallSeconds.toFixed(1)} s, backend ${summary.backend}; bases: ${bases})`,
  );
  console.log(formatFindings(emFindings(summary)));
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      seeds: { type: "string" },
      out: { type: "string", default: "out" },
      config: { type: "string" },
      quiet: { type: "boolean", default: false },
      retrain: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const unknown = positionals.filter((p) => !(EXPERIMENTS as readonly string[]).includes(p));
  if (unknown.length) {
    console.error(
      `Cannot reproduce ${unknown.join(", ")}: known experiments are ${EXPERIMENTS.join(", ")}\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const chosen = (positionals.length ? positionals : [...EXPERIMENTS]) as Experiment[];
  if (values.config && chosen.length > 1) {
    console.error("Cannot use --config with several experiments: name one experiment");
    Deno.exit(2);
  }
  const backend = await initBackend();
  console.log(`backend: ${backend.name} (${backend.provider}; ${backend.reason})`);
  for (const experiment of chosen) {
    if (experiment === "toy") await reproduceToy(values.out, values.seeds, values.config, values.quiet);
    if (experiment === "strategies-toy") {
      await reproduceStrategiesToy(values.out, values.seeds, values.config, values.quiet);
    }
    if (experiment === "sycophancy") {
      await reproduceSycophancy(values.out, values.seeds, values.config, values.quiet, values.retrain);
    }
    if (experiment === "em") {
      await reproduceEm(values.out, values.seeds, values.config, values.quiet, values.retrain);
    }
  }
}
