/**
 * `deno task reproduce [experiment …] [--skip NAME …] [--seeds N|a,b,c] [--quick] [--out DIR] [--config FILE]
 * [--retrain] [--unbatched] [--quiet]`
 *
 * The toy trains each stage's models as one ensemble, and strategies-toy each sweep point's seeds; `--unbatched`
 * trains them one by one instead (debugging, comparison; its records are kept apart from the batched ones).
 *
 * Runs the named experiments (all when none is named) and writes, per experiment, `<out>/<experiment>/summary.json`,
 * its run records and its figures — interactive HTML and plotly JSON, plus PNG and SVG rendered in headless
 * Chromium (one launch for all figures) — and `<out>/index.html`, a gallery with captions. Finished runs are
 * reused, so an interrupted command resumes where it stopped.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend } from "../backend.ts";
import { writeTextAtomic } from "../io/atomic.ts";
import { type Finding, formatFindings, toyFindings } from "../experiments/toy/findings.ts";
import { loadToyConfig, runToy } from "../experiments/toy/run.ts";
import { DEFAULT_TOY_CONFIG_PATH } from "../experiments/toy/config.ts";
import { strategiesToyFindings } from "../experiments/strategies_toy/findings.ts";
import { loadStrategiesToyConfig, runStrategiesToy } from "../experiments/strategies_toy/run.ts";
import { sycophancyFindings } from "../experiments/sycophancy/findings.ts";
import { loadSycophancyConfig, runSycophancy } from "../experiments/sycophancy/run.ts";
import { emFindings } from "../experiments/em/findings.ts";
import { loadEmConfig, runEm } from "../experiments/em/run.ts";
import type { Figure } from "../plot/figure.ts";
import { writeFigure } from "../plot/figure.ts";
import { renderImages } from "../plot/export.ts";
import { galleryHtml, type GallerySection } from "../plot/gallery.ts";
import { toyFigures } from "../plot/toy.ts";
import { strategiesToyFigures } from "../plot/strategies.ts";
import { sycophancyFigures } from "../plot/sycophancy.ts";
import { emFigures } from "../plot/em.ts";

/** The experiments, in the order they run and appear in the gallery. */
export const EXPERIMENTS = ["toy", "strategies-toy", "sycophancy", "em"] as const;
type Experiment = typeof EXPERIMENTS[number];

const TITLES: Record<Experiment, string> = {
  toy: "The trigger toy: forgetting, Goodharting and spillover",
  "strategies-toy": "Fine-tuning strategies on the toy",
  sycophancy: "Sycophancy from underspecified GCD data",
  em: "Emergent misalignment through a shared persona",
};

const USAGE =
  `usage: deno task reproduce [${EXPERIMENTS.join("|")} …] [--skip NAME] [--seeds N|a,b,c] [--quick] ` +
  "[--out DIR] [--config FILE] [--retrain] [--unbatched] [--quiet]";

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
  /** The toy: train models one by one instead of as ensembles. */
  unbatched: boolean;
}

const seedOption = (seeds: number[] | undefined) => (seeds ? { seeds } : {});

async function runExperiment(experiment: Experiment, o: Options): Promise<Outcome> {
  const dir = `${o.out}/${experiment}`;
  if (experiment === "toy") {
    const config = await loadToyConfig(o.config ?? DEFAULT_TOY_CONFIG_PATH);
    const r = await runToy(config, {
      out: o.out,
      ...seedOption(resolveSeeds(o.seeds, config.seeds)),
      quiet: o.quiet,
      batched: !o.unbatched,
    });
    return {
      figures: toyFigures(r.summary, r.runs, r.context.triggers.colours),
      findings: toyFindings(r.summary),
      line: `${dir}/summary.json: ${r.summary.seeds.length} seeds, ${r.summary.wallSeconds.toFixed(1)} s`,
    };
  }
  if (experiment === "strategies-toy") {
    const config = o.config ? await loadStrategiesToyConfig(o.config) : await loadStrategiesToyConfig();
    const r = await runStrategiesToy(config, {
      out: o.out,
      ...seedOption(resolveSeeds(o.seeds, config.toy.seeds)),
      quiet: o.quiet,
      batched: !o.unbatched,
    });
    return {
      figures: strategiesToyFigures(r.summary, r.context.triggers.categories.map((c) => c.name)),
      findings: strategiesToyFindings(r.summary),
      line: `${dir}/summary.json: ${r.summary.points.length} points × ${r.summary.seeds.length} seeds, ` +
        `${r.summary.wallSeconds.toFixed(1)} s`,
    };
  }
  const shared = { out: o.out, quiet: o.quiet, retrain: o.retrain };
  if (experiment === "sycophancy") {
    const config = o.config ? await loadSycophancyConfig(o.config) : await loadSycophancyConfig();
    const r = await runSycophancy(config, { ...shared, ...seedOption(resolveSeeds(o.seeds, config.seeds)) });
    r.dispose();
    const s = r.summary;
    const degenerate = s.degenerate.map((d) => `${d.point} [${d.domains}]`).join(", ");
    return {
      figures: sycophancyFigures(s),
      findings: sycophancyFindings(s),
      line:
        `${dir}/summary.json: ${s.points.length} points × ${s.seeds.length} seeds, ${
          s.wallSeconds.toFixed(1)
        } s; base ` +
        (s.baseFromCache ? "from cache" : `trained in ${s.baseSeconds.toFixed(0)} s`) +
        (degenerate ? `; degenerate (confirm-correct < 0.5): ${degenerate}` : ""),
    };
  }
  const config = o.config ? await loadEmConfig(o.config) : await loadEmConfig();
  const r = await runEm(config, { ...shared, ...seedOption(resolveSeeds(o.seeds, config.seeds)) });
  r.dispose();
  const s = r.summary;
  const bases = (["persona", "control"] as const)
    .map((v) => `${v} ${s.baseFromCache[v] ? "from cache" : `trained in ${s.baseSeconds[v].toFixed(0)} s`}`)
    .join(", ");
  return {
    figures: emFigures(s, r.runs, r.baseScores.control.perDomain),
    findings: emFindings(s),
    line: `${dir}/summary.json: ${s.points.length} points × ${s.seeds.length} seeds, ${
      s.wallSeconds.toFixed(1)
    } s; bases: ${bases}`,
  };
}

/** Writes every figure (with images when a browser is available) and the gallery; returns the gallery's path. */
async function publish(out: string, outcomes: [Experiment, Outcome][]): Promise<string> {
  let images = new Map<string, { png: Uint8Array; svg: string }>();
  try {
    images = await renderImages(outcomes.flatMap(([, o]) => o.figures));
  } catch (error) {
    console.warn(`selgen: wrote HTML and JSON figures only — ${(error as Error).message}`);
  }
  const sections: GallerySection[] = [];
  for (const [experiment, outcome] of outcomes) {
    const figures = [];
    for (const figure of outcome.figures) {
      const files = await writeFigure(figure, `${out}/${experiment}/figures`, images.get(figure.name));
      const rel = (path: string | undefined) => path?.slice(out.length + 1);
      figures.push({
        title: figure.title,
        caption: figure.caption,
        html: rel(files.html)!,
        ...(files.png ? { png: rel(files.png)!, svg: rel(files.svg)! } : {}),
      });
    }
    sections.push({
      title: TITLES[experiment],
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
      unbatched: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const unknown = [...positionals, ...values.skip].filter((p) =>
    !(EXPERIMENTS as readonly string[]).includes(p)
  );
  if (unknown.length) {
    console.error(
      `Cannot reproduce ${unknown.join(", ")}: known experiments are ${EXPERIMENTS.join(", ")}\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const chosen = (positionals.length ? positionals : [...EXPERIMENTS]).filter((e) =>
    !values.skip.includes(e)
  ) as Experiment[];
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
    unbatched: values.unbatched,
  };
  const outcomes: [Experiment, Outcome][] = [];
  for (const experiment of chosen) {
    const outcome = await runExperiment(experiment, options);
    outcomes.push([experiment, outcome]);
    console.log(`\n${experiment}: ${outcome.line}\n${formatFindings(outcome.findings)}`);
  }
  const index = await publish(values.out, outcomes);
  console.log(`\ngallery: ${index} (${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
}
