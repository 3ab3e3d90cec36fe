/**
 * `deno task reproduce [experiment …] [--skip NAME …] [--seeds N|a,b,c] [--quick|--full] [--out DIR] [--config FILE]
 * [--retrain] [--replace] [--max-hours H] [--no-notebooks] [--strict] [--quiet] [--redis URL]`
 *
 * Runs the named experiments (all when none is named) with `runExperiment` and writes, per experiment,
 * `<out>/<experiment>/summary.json`, its run records and its figures — interactive HTML and plotly JSON, plus
 * PNG and SVG rendered in headless Chromium (one launch for all figures) — and `<out>/index.html`, a gallery
 * with captions. `--quick` is a smoke run (one seed, one base), `--full` the whole benchmark (more seeds and
 * bases: see each experiment's `atBudget`); the estimated time is printed before anything runs. Then, unless `--no-notebooks`, it executes the notebooks of those experiments on the records
 * just written and renders them into `<out>/notebooks/` (`render_notebooks.ts`), and links them from the
 * gallery. Finished runs are reused, so an interrupted command resumes where it stopped. Every
 * experiment's config, plan and estimated cost are checked before any runs: bad input prints what is wrong,
 * field by field, and exits with status 2, having written nothing. Findings are results, not checks of the
 * program: ✓, ✗ and ties are printed and shown in the gallery's headline, and only `--strict` turns a ✗ into
 * exit status 1. With `--redis URL` the jobs run on queue workers (`deno task worker`, `lib/queue/`) on any
 * number of machines; this process plans them, writes their records and draws the figures as usual.
 *
 * @module
 */
import { initBackend } from "../backend.ts";
import { InputError } from "../config/input_error.ts";
import { loadYamlConfig } from "../config/load.ts";
import { writeTextAtomic } from "../io/atomic.ts";
import { lockFolder } from "../io/lock.ts";
import { type PreparedExperiment, prepareExperiment, runPrepared } from "../experiments/driver.ts";
import { formatEstimate } from "../train/estimate.ts";
import type { Budget, RecordBase } from "../experiments/experiment.ts";
import { type Finding, formatFindings, verdictCounts } from "../eval/findings.ts";
import { experimentByName } from "../experiments/registry.ts";
import { experimentFigures } from "../plot/experiments.ts";
import type { Figure } from "../plot/figure.ts";
import { writeFigure } from "../plot/figure.ts";
import { type FigureImages, renderImages } from "../plot/export.ts";
import { galleryHtml, type GallerySection } from "../plot/gallery.ts";
import { verdictLine } from "../plot/table.ts";
import { type Command, parseCommand, resolveSeeds, USAGE } from "./command.ts";
import { planNotebooks, renderNotebooks } from "./render_notebooks.ts";
import { redisAddress } from "../queue/connection.ts";
import { QueueExecutor, QueueJobError } from "../queue/executor.ts";

/** A prepared experiment, with the seeds of the config it was loaded from (before `--seeds`). */
type Prepared = PreparedExperiment<unknown, RecordBase, unknown> & { configuredSeeds: readonly number[] };

const NOTEBOOKS = new URL("../../notebooks/", import.meta.url);
const TITLE = "selgen: selective generalisation, reproduced";

/** What one experiment hands back to the command. */
interface Outcome {
  experiment: Prepared["experiment"];
  figures: Figure[];
  findings: Finding[];
  line: string;
}

/** The config at a budget: the experiment's own, else quick = its first seed and full = the config. */
function atBudget(experiment: Prepared["experiment"], config: unknown, budget: Budget): unknown {
  if (experiment.atBudget) return experiment.atBudget(config, budget);
  return budget === "quick" ? experiment.withSeeds(config, experiment.seeds(config).slice(0, 1)) : config;
}

/** Loads, checks, plans and estimates one experiment; writes nothing. */
async function prepare(name: string, command: Command): Promise<Prepared> {
  const experiment = experimentByName(name) as unknown as Prepared["experiment"];
  const loaded = await loadYamlConfig(experiment.configSchema, command.config ?? experiment.defaultConfig);
  const configuredSeeds = experiment.seeds(loaded);
  const config = command.budget ? atBudget(experiment, loaded, command.budget) : loaded;
  const seeds = resolveSeeds(command.seeds, configuredSeeds);
  const prepared = await prepareExperiment(experiment, config, {
    out: command.out,
    replace: command.replace,
    retrain: command.retrain,
    limits: { maxHours: command.maxHours },
    ...(seeds ? { seeds } : {}),
  });
  return { ...prepared, configuredSeeds };
}

async function reproduce(prepared: Prepared, command: Command, queue?: QueueExecutor): Promise<Outcome> {
  const { experiment } = prepared;
  const { out, quiet, retrain } = command;
  const executor = queue ? { executor: queue } : {};
  const result = await runPrepared(prepared, { out, quiet, retrain, replace: command.replace, ...executor });
  // Its records and summary are written: nothing of it needs to stay in Redis, and leftovers are harmless.
  await queue?.forget().catch((error: Error) => {
    console.warn(
      `selgen: ${experiment.name}'s jobs stay in Redis (${error.message}); the records are written`,
    );
  });
  return {
    experiment,
    figures: await experimentFigures(experiment.name, result),
    findings: experiment.findings(result.summary),
    line: `${command.out}/${experiment.name}/summary.json: ${experiment.describe(result.summary)}`,
  };
}

/** Writes every figure (with images when a browser is available) and the gallery; returns its sections. */
async function publish(out: string, outcomes: Outcome[]): Promise<GallerySection[]> {
  const all = outcomes.flatMap((o) => o.figures);
  let images = new Map<Figure, FigureImages>();
  try {
    const rendered = await renderImages(all);
    images = new Map(all.map((figure, i) => [figure, rendered[i]!]));
  } catch (error) {
    console.warn(`selgen: wrote HTML and JSON figures only — ${(error as Error).message}`);
  }
  const sections: GallerySection[] = [];
  for (const outcome of outcomes) {
    const figures = [];
    for (const figure of outcome.figures) {
      const dir = `${out}/${outcome.experiment.name}/figures`;
      const files = await writeFigure(figure, dir, images.get(figure));
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
      ...(outcome.findings.length ? { verdicts: verdictLine(outcome.findings) } : {}),
      figures,
    });
  }
  await writeTextAtomic(`${out}/index.html`, galleryHtml(TITLE, sections, { headline: headline(outcomes) }));
  return sections;
}

/** Every experiment's findings counted: the gallery's headline. */
function headline(outcomes: readonly Outcome[]): string {
  return `Findings of the post, as measured here: ${verdictLine(outcomes.flatMap((o) => o.findings))}.`;
}

/** Executes and renders the ran experiments' notebooks, then links them from the gallery. */
async function publishNotebooks(
  command: Command,
  prepared: readonly Prepared[],
  sections: GallerySection[],
  backend: string,
  headline: string,
): Promise<void> {
  const notebooks = [...Deno.readDirSync(NOTEBOOKS)].map((e) => e.name).filter((n) => n.endsWith(".ipynb"))
    .sort();
  const ran = prepared.map((p) => ({
    name: p.experiment.name,
    seeds: p.experiment.seeds(p.config),
    configuredSeeds: p.configuredSeeds,
    ...basesOf(p.config),
    ownConfig: command.config !== undefined,
  }));
  const rendered = await renderNotebooks(planNotebooks(notebooks, ran), { out: command.out, backend });
  if (rendered.length === 0) return;
  await writeTextAtomic(
    `${command.out}/index.html`,
    galleryHtml(TITLE, sections, { notebooks: rendered, headline }),
  );
}

/** The number of bases an organism's config runs (the notebooks take its first N), none for the toys. */
function basesOf(config: unknown): { bases?: number } {
  const bases = (config as { bases?: unknown }).bases;
  return Array.isArray(bases) ? { bases: bases.length } : {};
}

/** The distributed executor, with a line saying how to serve it. */
async function connectQueue(redis: string): Promise<QueueExecutor> {
  const queue = await QueueExecutor.connect({ redis });
  console.log(
    `jobs go to the queue at ${redisAddress(redis).label}: serve them with \`deno task worker --redis URL\``,
  );
  return queue;
}

/** Checks the whole command (every experiment's config, plan and estimate) before running any of it. */
async function main(args: string[]): Promise<void> {
  if (args.includes("--help")) return console.log(USAGE);
  const command = parseCommand(args);
  const started = performance.now();
  const backend = await initBackend();
  console.log(`backend: ${backend.name} (${backend.provider}; ${backend.reason})`);
  const prepared: Prepared[] = [];
  for (const name of command.experiments) prepared.push(await prepare(name, command));
  for (const p of prepared) console.log(`${p.experiment.name}: estimated ${formatEstimate(p.estimate)}`);
  // Every folder is locked before the first run starts, and held until the gallery is written; then let go,
  // since each notebook takes the lock of the folder it reads in a kernel process of its own.
  using locks = new DisposableStack();
  for (const p of prepared) locks.use(await lockFolder(`${command.out}/${p.experiment.name}`));
  const queue = command.redis ? await connectQueue(command.redis) : undefined;
  const outcomes: Outcome[] = [];
  try {
    for (const p of prepared) {
      const outcome = await reproduce(p, command, queue);
      outcomes.push(outcome);
      console.log(`\n${p.experiment.name}: ${outcome.line}\n${formatFindings(outcome.findings)}`);
    }
  } finally {
    await queue?.close();
  }
  const sections = await publish(command.out, outcomes);
  locks.dispose();
  if (command.notebooks) {
    await publishNotebooks(command, prepared, sections, backend.name, headline(outcomes));
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\n${headline(outcomes)}\ngallery: ${command.out}/index.html (${seconds} s in all)`);
  const failed = verdictCounts(outcomes.flatMap((o) => o.findings))["✗"];
  if (command.strict && failed > 0) {
    console.error(`--strict: ${failed} finding${failed > 1 ? "s" : ""} failed (✗)`);
    Deno.exit(1);
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    if (!(error instanceof InputError) && !(error instanceof QueueJobError)) throw error;
    console.error(error.message);
    Deno.exit(error instanceof InputError ? 2 : 1);
  }
}
