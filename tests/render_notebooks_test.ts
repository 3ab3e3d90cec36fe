// Which notebooks reproduce renders and how it reports them (pure parts of lib/cli/render_notebooks.ts), the
// kernel-spec lookup, and the entry script's help.
import assert from "node:assert/strict";
import {
  denoKernelProblem,
  failureLine,
  jupyterPath,
  NOTEBOOK_EXPERIMENTS,
  notebookTitle,
  planNotebooks,
  type RanExperiment,
} from "../lib/cli/render_notebooks.ts";
import { EXPERIMENT_NAMES } from "../lib/experiments/registry.ts";

const NOTEBOOKS = [...Deno.readDirSync(new URL("../notebooks/", import.meta.url))].map((e) => e.name)
  .filter((n) => n.endsWith(".ipynb")).sort();
const ran = (name: string, seeds = [1, 2, 3], extra: Partial<RanExperiment> = {}): RanExperiment => ({
  name,
  seeds,
  configuredSeeds: [1, 2, 3],
  ownConfig: false,
  ...extra,
});

Deno.test("every notebook names an experiment that exists", () => {
  for (const notebook of NOTEBOOKS) {
    const experiments = NOTEBOOK_EXPERIMENTS[notebook];
    assert.ok(experiments?.length && experiments.every((e) => EXPERIMENT_NAMES.includes(e)), notebook);
  }
});

Deno.test("only the notebooks of the experiments run are rendered, all of them when all ran", () => {
  const all = planNotebooks(NOTEBOOKS, EXPERIMENT_NAMES.map((n) => ran(n)));
  assert.deepEqual(all.map((p) => p.notebook), NOTEBOOKS);
  assert.ok(all.every((p) => "seeds" in p && p.seeds === 3));
  assert.deepEqual(planNotebooks(NOTEBOOKS, [ran("em", [1]), ran("em-total", [1]), ran("em-proxies", [1])]), [
    { notebook: "03_emergent_misalignment.ipynb", experiment: "em", seeds: 1 },
    { notebook: "04_original_results.ipynb", experiment: "em", seeds: 1 },
    {
      notebook: "05_newer_methods.ipynb",
      skip: "it also reads strategies-toy's records, which this command did not run (add strategies-toy)",
    },
  ]);
  // 03 reads em-total beside em: without it, 03 is skipped with the reason (it would train em-total itself).
  const [alone, withOriginal] = planNotebooks(NOTEBOOKS, [ran("em", [1])]);
  assert.match("skip" in alone! ? alone.skip : "", /it also reads em-total's records/);
  assert.equal(withOriginal!.notebook, "04_original_results.ipynb");
  assert.deepEqual(planNotebooks(NOTEBOOKS, [ran("em-total")]), [], "03 goes with em, its own");
  assert.deepEqual(planNotebooks(["00_trigger_toy.ipynb"], [ran("em")]), []);
  // An organism run on its first base (--quick) renders its notebook on that base (SELGEN_BASES=1).
  const quick = [ran("sycophancy", [1], { bases: 1 }), ran("sycophancy-proxies", [1], { bases: 1 })];
  assert.deepEqual(planNotebooks(["02_sycophancy.ipynb"], quick), [
    { notebook: "02_sycophancy.ipynb", experiment: "sycophancy", seeds: 1, bases: 1 },
  ]);
});

Deno.test("a notebook that cannot reuse the records is skipped with its reason", () => {
  const [config] = planNotebooks(["00_trigger_toy.ipynb"], [ran("toy", [1], { ownConfig: true })]);
  assert.match("skip" in config! ? config.skip : "", /toy ran with --config/);
  for (const seeds of [[2], [1, 3], [1, 2, 3, 4]]) {
    const [plan] = planNotebooks(["00_trigger_toy.ipynb"], [ran("toy", seeds)]);
    assert.match("skip" in plan! ? plan.skip : "", new RegExp(`toy ran seeds ${seeds.join(",")};`));
  }
  const [other] = planNotebooks(["03_emergent_misalignment.ipynb"], [
    ran("em"),
    ran("em-total", [2]),
    ran("em-proxies"),
  ]);
  assert.match(
    "skip" in other! ? other.skip : "",
    /em-total ran seeds 2;/,
    "every experiment it reads is checked",
  );
  const [unknown] = planNotebooks(["09_new.ipynb"], [ran("toy")]);
  assert.match("skip" in unknown! ? unknown.skip : "", /NOTEBOOK_EXPERIMENTS/);
});

Deno.test("a notebook's title is its first heading", () => {
  const ipynb = (source: string[]) =>
    JSON.stringify({
      cells: [{ cell_type: "code", source: ["# not this"] }, { cell_type: "markdown", source }],
    });
  assert.equal(
    notebookTitle(ipynb(["# 03 · Emergent misalignment\n", "\n", "text"]), "x"),
    "03 · Emergent misalignment",
  );
  assert.equal(notebookTitle(ipynb(["no heading"]), "fallback"), "fallback");
  assert.equal(notebookTitle("not json", "fallback"), "fallback");
});

Deno.test("a failed rendering is told in one line: the cell's error, else the last exception", () => {
  const cell = [
    "Traceback (most recent call last):",
    '  File "/usr/bin/jupyter-nbconvert", line 33, in <module>',
    "nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:",
    "------------------",
    "const { summary } = await runExperiment(em, config);",
    "await plot.show(summary);",
    "------------------",
    "",
    "\x1b[31mError: Cannot write /x/em: another run is writing it\x1b[0m",
    "    at <anonymous>:3:7",
  ].join("\n");
  assert.equal(
    failureLine(cell, 1),
    "Error: Cannot write /x/em: another run is writing it " +
      "(in the cell `const { summary } = await runExperiment(em, config);`)",
  );
  const timeout = "Traceback …\nnbclient.exceptions.CellTimeoutError: A cell timed out while it was being " +
    "executed, after 3 seconds.\nThe message was: Cell execution timed out.\n-------------------\nx\n";
  assert.equal(
    failureLine(timeout, 1),
    "CellTimeoutError: A cell timed out while it was being executed, after 3 seconds.",
  );
  assert.equal(
    failureLine("jupyter_client.kernelspec.NoSuchKernel: No such kernel named deno\n", 1),
    "NoSuchKernel: No such kernel named deno",
  );
  assert.equal(failureLine("", 7), "jupyter-nbconvert exited with status 7");
});

Deno.test("the Deno kernel spec is looked up in JUPYTER_PATH, and one whose deno is gone is named", async () => {
  const root = await Deno.makeTempDir();
  const empty = `${root}/empty`, broken = `${root}/broken`, good = `${root}/good`;
  const spec = async (dir: string, deno: string) => {
    await Deno.mkdir(`${dir}/kernels/deno`, { recursive: true });
    await Deno.writeTextFile(`${dir}/kernels/deno/kernel.json`, JSON.stringify({ argv: [deno, "jupyter"] }));
  };
  await spec(broken, `${root}/gone/.tools/node_modules/.bin/deno`);
  await spec(good, Deno.execPath());
  assert.match((await denoKernelProblem(empty))!, /no Deno kernel spec .* in JUPYTER_PATH=.*empty/);
  assert.match(
    (await denoKernelProblem(`${broken}:${good}`))!,
    /starts .*\/gone\/\.tools\/.*, which is missing/,
  );
  assert.equal(await denoKernelProblem(`${empty}:${good}:${broken}`), undefined);
  assert.equal(jupyterPath("/a:/b"), "/a:/b");
  assert.match(jupyterPath(""), /\/\.tools\/jupyter$/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("./run without a command prints its usage, which lists reproduce, test and notebooks", async () => {
  const run = new URL("../run", import.meta.url).pathname;
  const { code, stdout } = await new Deno.Command("bash", { args: [run], stdout: "piped", stderr: "piped" })
    .output();
  const help = new TextDecoder().decode(stdout);
  assert.equal(code, 2);
  for (
    const line of [
      /^ {2}\.\/run reproduce .*--no-notebooks/m,
      /^ {2}\.\/run test/m,
      /^ {2}\.\/run notebooks \[--port N\]/m,
    ]
  ) {
    assert.match(help, line);
  }
  assert.doesNotMatch(help, /^#/m);
});
