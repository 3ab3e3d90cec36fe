/**
 * The notebooks, executed and rendered as HTML into `<out>/notebooks/<name>.html`, so that a reader without
 * a kernel sees each whole story with its figures: `reproduce` calls this after its experiments, once their
 * folders are unlocked (each notebook takes the lock of the folder it reads, in its own kernel process).
 *
 * Which notebooks: only those whose experiment this command ran (so every notebook when every experiment
 * ran), not all of them every time. Each notebook runs its experiment through `runExperiment` on
 * `SELGEN_OUT`, so with the records the command has just written it only reads them back; a notebook whose
 * experiment did not run would instead train that experiment from scratch inside the kernel (hours for
 * sycophancy), or render records of another command. For the same reason a notebook is skipped, with one
 * line saying why, when its experiment ran with `--config` (a notebook runs its experiment's default config)
 * or with seeds that `SELGEN_SEEDS` (the count of the config's first seeds a notebook takes) cannot name.
 *
 * Each notebook runs alone, under Debian's `/usr/bin/jupyter-nbconvert --to html --execute` with the clone's
 * Deno kernel (found through `JUPYTER_PATH`, by default `.tools/jupyter`, which `./run` writes), `SELGEN_OUT`
 * set to the command's output folder, `SELGEN_SEEDS` to the seeds it ran and `SELGEN_BACKEND` to its
 * backend (the records' config hash includes the backend). A notebook renders to a temporary file beside
 * its target and is renamed over it, so a reader sees the previous rendering or the complete new one. A
 * failing notebook is reported in one line (its log kept beside it) without failing the others or the
 * figures; without nbconvert or the kernel spec, rendering is skipped with one line saying how to get them.
 *
 * @module
 */
import { resolve } from "node:path";
import { writeTextAtomic } from "../io/atomic.ts";

/** Debian's nbconvert, under /usr/bin/python3 (not the python3 first on PATH). */
export const NBCONVERT = "/usr/bin/jupyter-nbconvert";

/** The Jupyter data folder `./run` writes the clone's Deno kernel spec into (`kernels/deno/kernel.json`). */
export const CLONE_JUPYTER_PATH = new URL("../../.tools/jupyter", import.meta.url).pathname;

const NOTEBOOKS = new URL("../../notebooks/", import.meta.url).pathname;

/** The longest one cell may run; a notebook reusing its records takes seconds to minutes. */
const CELL_TIMEOUT_S = 3600;

/**
 * Which experiments' records each notebook reads: the first is its own (it is rendered when that ran); the
 * others it reads beside it (02 and 03 their organism's proxy-quality experiment, 03 em-total's sweep beside
 * em's, 04 the em organism beside the post's numbers, 05 every setting's sweep).
 */
export const NOTEBOOK_EXPERIMENTS: Readonly<Record<string, readonly string[]>> = {
  "00_trigger_toy.ipynb": ["toy"],
  "01_strategies_on_toy.ipynb": ["strategies-toy"],
  "02_sycophancy.ipynb": ["sycophancy", "sycophancy-proxies"],
  "03_emergent_misalignment.ipynb": ["em", "em-total", "em-proxies"],
  "04_original_results.ipynb": ["em"],
  "05_newer_methods.ipynb": ["em", "em-total", "strategies-toy", "sycophancy"],
};

/** One experiment the command ran, as far as the notebooks care. */
export interface RanExperiment {
  name: string;
  /** The seeds it ran. */
  seeds: readonly number[];
  /** Its default config's seeds, of which a notebook takes the first `SELGEN_SEEDS`. */
  configuredSeeds: readonly number[];
  /** Whether it ran with `--config` rather than its default config. */
  ownConfig: boolean;
  /** How many bases it ran (an organism), of which a notebook takes the config's first `SELGEN_BASES`. */
  bases?: number;
}

/** A notebook to render with `SELGEN_SEEDS=seeds`, or one that cannot be, and why. */
export type NotebookPlan =
  | { notebook: string; experiment: string; seeds: number; bases?: number }
  | { notebook: string; skip: string };

/**
 * The notebooks to render after running `ran`, in `notebooks`' order: those whose own experiment did not run
 * are left out; those that cannot reuse the records (of every experiment they read), or that name no
 * experiment, come with a reason.
 */
export function planNotebooks(notebooks: readonly string[], ran: readonly RanExperiment[]): NotebookPlan[] {
  const plans: NotebookPlan[] = [];
  for (const notebook of notebooks) {
    const names = NOTEBOOK_EXPERIMENTS[notebook];
    if (names === undefined) {
      plans.push({
        notebook,
        skip: "it names no experiment (add it to NOTEBOOK_EXPERIMENTS in lib/cli/render_notebooks.ts)",
      });
      continue;
    }
    const own = ran.find((r) => r.name === names[0]);
    if (!own) continue;
    const skip = names.map((name) => reuseProblem(name, ran.find((r) => r.name === name))).find(Boolean);
    plans.push(
      skip ? { notebook, skip } : {
        notebook,
        experiment: own.name,
        seeds: own.seeds.length,
        ...(own.bases ? { bases: own.bases } : {}),
      },
    );
  }
  return plans;
}

/** Why a notebook cannot reuse experiment `name`'s records from this command, or undefined if it can. */
function reuseProblem(name: string, run: RanExperiment | undefined): string | undefined {
  if (!run) return `it also reads ${name}'s records, which this command did not run (add ${name})`;
  const prefix = run.configuredSeeds.slice(0, run.seeds.length);
  if (run.ownConfig) return `${name} ran with --config; the notebook runs ${name}'s default config`;
  if (prefix.length !== run.seeds.length || prefix.some((s, i) => s !== run.seeds[i])) {
    return `${name} ran seeds ${run.seeds.join(",")}; the notebook takes the first N of the config's seeds ` +
      `${run.configuredSeeds.join(",")} (SELGEN_SEEDS=N)`;
  }
  return undefined;
}

/** The folders Jupyter searches first for kernel specs: `$JUPYTER_PATH`, else the clone's `.tools/jupyter`. */
export function jupyterPath(env: string | undefined = Deno.env.get("JUPYTER_PATH")): string {
  return env?.trim() ? env : CLONE_JUPYTER_PATH;
}

/**
 * What is wrong with the Deno kernel spec Jupyter would find first in `path` (a `JUPYTER_PATH` value), or
 * undefined when there is one whose `deno` exists.
 */
export async function denoKernelProblem(path: string): Promise<string | undefined> {
  for (const dir of path.split(":").filter(Boolean)) {
    const spec = `${dir}/kernels/deno/kernel.json`;
    let text;
    try {
      text = await Deno.readTextFile(spec);
    } catch {
      continue;
    }
    let deno: unknown;
    try {
      deno = JSON.parse(text).argv?.[0];
    } catch {
      return `${spec} is not JSON`;
    }
    if (typeof deno !== "string") return `${spec} names no program in argv`;
    try {
      await Deno.stat(deno);
    } catch {
      return `${spec} starts ${deno}, which is missing`;
    }
    return undefined;
  }
  return `no Deno kernel spec (kernels/deno/kernel.json) in JUPYTER_PATH=${path}`;
}

/** A notebook's title: the first heading of its first markdown cell, else its file name. */
export function notebookTitle(ipynb: string, fallback: string): string {
  try {
    const cells: { cell_type: string; source: string | string[] }[] = JSON.parse(ipynb).cells ?? [];
    const first = cells.find((c) => c.cell_type === "markdown");
    const source = Array.isArray(first?.source) ? first.source.join("") : first?.source ?? "";
    const heading = source.split("\n").find((line) => /^#\s/.test(line));
    return heading ? heading.replace(/^#+\s*/, "").trim() : fallback;
  } catch {
    return fallback;
  }
}

/**
 * What went wrong, in one line, from nbconvert's stderr: the failing cell's error and first line, or the
 * last exception named (a timeout, a dead kernel, a missing kernel spec).
 */
export function failureLine(stderr: string, code: number): string {
  // deno-lint-ignore no-control-regex
  const lines = stderr.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trimEnd());
  const cut = (s: string, n: number) => s.length > n ? `${s.slice(0, n - 1)}…` : s;
  const failed = lines.findIndex((l) => /^nbclient\.exceptions\.CellExecutionError:/.test(l));
  if (failed >= 0) {
    const rules = lines.flatMap((l, i) => i > failed && /^-{10,}$/.test(l) ? [i] : []);
    const source = rules.length >= 2 ? lines.slice(rules[0]! + 1, rules[1]).find((l) => l.trim()) : undefined;
    const error = rules.length >= 2
      ? lines.slice(rules[1]! + 1).find((l) => l.trim() && l.trim() !== "Stack trace:")
      : undefined;
    if (error) {
      return `${cut(error.trim(), 200)}${source ? ` (in the cell \`${cut(source.trim(), 60)}\`)` : ""}`;
    }
  }
  const named = lines.filter((l) => /^(?:[a-z_]\w*\.)*[A-Z]\w*: \S/.test(l)).at(-1);
  if (named) return cut(named.replace(/^(?:[a-z_]\w*\.)+/, ""), 200);
  return cut(lines.filter((l) => l.trim()).at(-1) ?? `jupyter-nbconvert exited with status ${code}`, 200);
}

/** One notebook rendered: its title and page, the page's path relative to the output folder. */
export interface RenderedNotebook {
  notebook: string;
  title: string;
  html: string;
}

/** Options for `renderNotebooks`. */
export interface RenderOptions {
  /** The command's output folder (`SELGEN_OUT`). */
  out: string;
  /** The backend the experiments ran on (`SELGEN_BACKEND`). */
  backend: string;
}

/**
 * Executes and renders the planned notebooks one at a time into `<out>/notebooks/`, printing one line for
 * each (and for each skipped one); returns those rendered. Never throws for a notebook's failure.
 */
export async function renderNotebooks(
  plans: readonly NotebookPlan[],
  options: RenderOptions,
): Promise<RenderedNotebook[]> {
  for (const plan of plans) {
    if ("skip" in plan) console.warn(`selgen: notebook ${plan.notebook} not rendered: ${plan.skip}`);
  }
  const todo = plans.filter((p): p is Extract<NotebookPlan, { seeds: number }> => !("skip" in p));
  if (todo.length === 0) return [];
  if (!await Deno.stat(NBCONVERT).then(() => true, () => false)) {
    console.warn(
      `selgen: notebooks not rendered: ${NBCONVERT} is missing (./run reproduce installs Debian's ` +
        "jupyter-nbconvert; --no-notebooks skips this step)",
    );
    return [];
  }
  const path = jupyterPath();
  const problem = await denoKernelProblem(path);
  if (problem) {
    console.warn(
      `selgen: notebooks not rendered: ${problem} (./run reproduce writes this clone's in .tools/jupyter/; ` +
        "--no-notebooks skips this step)",
    );
    return [];
  }
  const dir = `${resolve(options.out)}/notebooks`;
  await Deno.mkdir(dir, { recursive: true });
  console.log(`\nnotebooks: executing ${todo.length} on these records into ${options.out}/notebooks/`);
  const rendered: RenderedNotebook[] = [];
  for (const plan of todo) {
    const stem = plan.notebook.replace(/\.ipynb$/, "");
    const started = performance.now();
    const failure = await renderOne(plan, { dir, stem, jupyterPath: path, ...options });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (failure) {
      console.warn(`selgen: notebook ${plan.notebook} failed after ${seconds} s: ${failure}`);
      continue;
    }
    const title = notebookTitle(await Deno.readTextFile(`${NOTEBOOKS}${plan.notebook}`), stem);
    rendered.push({ notebook: plan.notebook, title, html: `notebooks/${stem}.html` });
    console.log(`notebook ${options.out}/notebooks/${stem}.html (${seconds} s)`);
  }
  return rendered;
}

/** Renders one notebook atomically; returns what went wrong (its log written beside it), or undefined. */
async function renderOne(
  plan: Extract<NotebookPlan, { seeds: number }>,
  options: RenderOptions & { dir: string; stem: string; jupyterPath: string },
): Promise<string | undefined> {
  const { dir, stem } = options;
  const temp = `${stem}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`; // nbconvert appends .html
  const log = `${dir}/${stem}.log`, shownLog = `${options.out}/notebooks/${stem}.log`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(NBCONVERT, {
      args: [
        "--to=html",
        "--execute",
        "--ExecutePreprocessor.kernel_name=deno",
        `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
        `--output-dir=${dir}`,
        `--output=${temp}`,
        plan.notebook,
      ],
      cwd: NOTEBOOKS,
      env: {
        JUPYTER_PATH: options.jupyterPath,
        NO_COLOR: "1",
        SELGEN_OUT: resolve(options.out),
        SELGEN_SEEDS: String(plan.seeds),
        ...(plan.bases ? { SELGEN_BASES: String(plan.bases) } : {}),
        SELGEN_BACKEND: options.backend,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return `cannot start ${NBCONVERT}: ${(error as Error).message}`;
  }
  const html = `${dir}/${temp}.html`;
  if (result.success) {
    try {
      await Deno.rename(html, `${dir}/${stem}.html`);
      await Deno.remove(log).catch(() => {});
      return undefined;
    } catch (error) {
      await Deno.remove(html).catch(() => {});
      return `cannot write ${dir}/${stem}.html: ${(error as Error).message}`;
    }
  }
  await Deno.remove(html).catch(() => {});
  const stderr = new TextDecoder().decode(result.stderr);
  await writeTextAtomic(log, stderr);
  return `${failureLine(stderr, result.code)} (log: ${shownLog})`;
}
