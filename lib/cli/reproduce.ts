/**
 * `deno task reproduce [experiment …] [--skip NAME …] [--seeds N|a,b,c] [--quick] [--out DIR] [--config FILE]
 * [--retrain] [--quiet]`
 *
 * Runs the named experiments (all when none is named) with `runExperiment` and writes, per experiment,
 * `<out>/<experiment>/summary.json`, its run records and its figures — interactive HTML and plotly JSON, plus
 * PNG and SVG rendered in headless Chromium (one launch for all figures) — and `<out>/index.html`, a gallery
 * with captions. Finished runs are reused, so an interrupted command resumes where it stopped.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend } from "../backend.ts";
import { loadYamlConfig } from "../config/load.ts";
import { writeTextAtomic } from "../io/atomic.ts";
import { type ExperimentResult, runExperiment } from "../experiments/driver.ts";
import type { Experiment } from "../experiments/experiment.ts";
import { type Finding, formatFindings } from "../experiments/findings.ts";
import { EXPERIMENT_NAMES, experimentByName } from "../experiments/registry.ts";
import { experimentFigures } from "../plot/experiments.ts";
import type { Figure } from "../plot/figure.ts";
import { writeFigure } from "../plot/figure.ts";
import { renderImages } from "../plot/export.ts";
import { galleryHtml, type GallerySection } from "../plot/gallery.ts";

const USAGE =
  `usage: deno task reproduce [${EXPERIMENT_NAMES.join("|")} …] [--skip NAME] [--seeds N|a,b,c] ` +
  "[--quick] [--out DIR] [--config FILE] [--retrain] [--quiet]";

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

/** What one experiment hands back to the command. */
interface Outcome {
  experiment: Experiment<unknown, never, unknown>;
  figures: Figure[];
  findings: Finding[];
  line: string;
}

interface Options {
  out: string;
  seeds: string | undefined;
  config: string | undefined;
  quiet: boolean;
  retrain: boolean;
}

async function reproduce(name: string, o: Options): Promise<Outcome> {
  const experiment = experimentByName(name);
  const config = await loadYamlConfig(experiment.configSchema, o.config ?? experiment.defaultConfig);
  const seeds = resolveSeeds(o.seeds, experiment.seeds(config));
  const result: ExperimentResult<unknown, never, unknown> = await runExperiment(experiment, config, {
    out: o.out,
    quiet: o.quiet,
    retrain: o.retrain,
    ...(seeds ? { seeds } : {}),
  });
  return {
    experiment,
    figures: await experimentFigures(name, result),
    findings: experiment.findings(result.summary),
    line: `${o.out}/${name}/summary.json: ${experiment.describe(result.summary)}`,
  };
}

/** Writes every figure (with images when a browser is available) and the gallery; returns the gallery's path. */
async function publish(out: string, outcomes: Outcome[]): Promise<string> {
  let images = new Map<string, { png: Uint8Array; svg: string }>();
  try {
    images = await renderImages(outcomes.flatMap((o) => o.figures));
  } catch (error) {
    console.warn(`selgen: wrote HTML and JSON figures only — ${(error as Error).message}`);
  }
  const sections: GallerySection[] = [];
  for (const outcome of outcomes) {
    const figures = [];
    for (const figure of outcome.figures) {
      const dir = `${out}/${outcome.experiment.name}/figures`;
      const files = await writeFigure(figure, dir, images.get(figure.name));
      const rel = (path: string | undefined) => path?.slice(out.length + 1);
      figures.push({
        title: figure.title,
        caption: figure.caption,
        html: rel(files.html)!,
        ...(files.png ? { png: rel(files.png)!, svg: rel(files.svg)! } : {}),
      });
    }
    sections.push({
      title: outcome.experiment.title,
      notes: formatFindings(outcome.findings).split("\n"),
      figures,
    });
  }
  const index = `${out}/index.html`;
  await writeTextAtomic(index, galleryHtml("selgen: selective generalisation, reproduced", sections));
  return index;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      seeds: { type: "string" },
      out: { type: "string", default: "out" },
      config: { type: "string" },
      skip: { type: "string", multiple: true, default: [] },
      quick: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      retrain: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const unknown = [...positionals, ...values.skip].filter((p) => !EXPERIMENT_NAMES.includes(p));
  if (unknown.length) {
    console.error(
      `Cannot reproduce ${unknown.join(", ")}: known experiments are ${
        EXPERIMENT_NAMES.join(", ")
      }\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const chosen = (positionals.length ? positionals : EXPERIMENT_NAMES).filter((e) =>
    !values.skip.includes(e)
  );
  if (values.config && chosen.length > 1) {
    console.error("Cannot use --config with several experiments: name one experiment");
    Deno.exit(2);
  }
  const started = performance.now();
  const backend = await initBackend();
  console.log(`backend: ${backend.name} (${backend.provider}; ${backend.reason})`);
  const options: Options = {
    out: values.out,
    seeds: values.seeds ?? (values.quick ? "1" : undefined),
    config: values.config,
    quiet: values.quiet,
    retrain: values.retrain,
  };
  const outcomes: Outcome[] = [];
  for (const name of chosen) {
    const outcome = await reproduce(name, options);
    outcomes.push(outcome);
    console.log(`\n${name}: ${outcome.line}\n${formatFindings(outcome.findings)}`);
  }
  const index = await publish(values.out, outcomes);
  console.log(`\ngallery: ${index} (${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
}
