// Executes every notebook headlessly with the Deno kernel and checks what it writes and what it shows:
// every cell's outputs, in its own cell, with no error. The notebooks share one SELGEN_OUT, as after
// `./run reproduce`: each experiment's sweep runs in the first notebook that shows it (00–03 own one each), and
// a later notebook that draws it again (04 draws 03's, 05 draws 01–03's) reuses its records. The executions
// after a notebook's first reuse its records and run beside busy processes that load every core, where an
// output that leaves the kernel late would be lost. SELGEN_NOTEBOOK_RUNS (default 2) sets how many executions,
// and SELGEN_NOTEBOOK_BUSY (default 6) how many busy processes; SELGEN_SKIP_NOTEBOOKS=1 skips, visibly.
import assert from "node:assert/strict";
import { ToySummarySchema } from "../lib/experiments/toy/summary.ts";
import { StrategiesToySummarySchema } from "../lib/experiments/strategies_toy/summary.ts";
import { SycophancySummarySchema } from "../lib/experiments/sycophancy/summary.ts";
import { EmSummarySchema } from "../lib/experiments/em/summary.ts";
import { denoKernelProblem, jupyterPath } from "../lib/cli/render_notebooks.ts";
import { type ExecutedCell, outputCounts, outputProblems } from "../lib/cli/notebook_outputs.ts";

const NOTEBOOKS = new URL("../notebooks/", import.meta.url);
const NBCONVERT = "/usr/bin/jupyter-nbconvert"; // Debian's, under /usr/bin/python3 (not the pyenv python3)
const RUNS = Number(Deno.env.get("SELGEN_NOTEBOOK_RUNS") ?? 2);
const BUSY = Number(Deno.env.get("SELGEN_NOTEBOOK_BUSY") ?? 6);
// Where Jupyter looks first for the Deno kernel spec: $JUPYTER_PATH, else the clone's .tools/jupyter, which
// `./run test` writes (so `deno task test` works after it without the export).
const JUPYTER_PATH = jupyterPath();
const skip = Deno.env.get("SELGEN_SKIP_NOTEBOOKS") === "1";
/** The notebooks' shared SELGEN_OUT, made by the first notebook test that runs. */
let sharedOut: Promise<string> | undefined;

/** What each notebook must leave in SELGEN_OUT, validated by the experiment's schema. */
const WRITES: Record<string, { file: string; check: (text: string) => void }> = {
  "00_trigger_toy.ipynb": {
    file: "toy/summary.json",
    check: (text) => ToySummarySchema.parse(JSON.parse(text)),
  },
  "01_strategies_on_toy.ipynb": {
    file: "strategies-toy/summary.json",
    check: (text) => StrategiesToySummarySchema.parse(JSON.parse(text)),
  },
  "02_sycophancy.ipynb": {
    file: "sycophancy/summary.json",
    check: (text) => SycophancySummarySchema.parse(JSON.parse(text)),
  },
  "03_emergent_misalignment.ipynb": {
    file: "em/summary.json",
    check: (text) => EmSummarySchema.parse(JSON.parse(text)),
  },
  "04_original_results.ipynb": {
    // The post's runs from data/post/ always; `imported` is null without a checkout of the original repository.
    file: "original/status.json",
    check: (text) => {
      const status = JSON.parse(text);
      assert.ok(Array.isArray(status.points) && status.points.length > 0, "no runs of the post drawn");
      assert.ok(
        status.points.every((p: { generalAlignment: unknown }) => typeof p.generalAlignment === "number"),
      );
      assert.ok(status.imported === null || Array.isArray(status.imported.points));
    },
  },
  "05_newer_methods.ipynb": {
    file: "em-total/summary.json",
    check: (text) => EmSummarySchema.parse(JSON.parse(text)),
  },
};

const notebooks = [...Deno.readDirSync(NOTEBOOKS)].map((e) => e.name).filter((n) => n.endsWith(".ipynb"))
  .sort();

Deno.test("every notebook is committed without outputs or execution counts", async () => {
  for (const name of notebooks) {
    const nb = JSON.parse(await Deno.readTextFile(new URL(name, NOTEBOOKS)));
    for (const cell of nb.cells) {
      if (cell.cell_type !== "code") continue;
      assert.deepEqual(cell.outputs, [], `${name}: a cell has outputs`);
      assert.equal(cell.execution_count, null, `${name}: a cell has an execution count`);
    }
    assert.equal(nb.metadata.kernelspec.name, "deno", `${name}: not on the Deno kernel`);
  }
});

/** Busy processes, one loop each, until the returned function stops them. */
function loadCores(count: number): () => Promise<void> {
  const busy = Array.from(
    { length: count },
    () =>
      new Deno.Command("sh", { args: ["-c", "while :; do :; done"], stdout: "null", stderr: "null" }).spawn(),
  );
  return async () => {
    for (const p of busy) p.kill("SIGKILL");
    await Promise.all(busy.map((p) => p.status));
  };
}

/** Executes a notebook into `dir` with nbconvert; returns its executed cells. */
async function execute(name: string, out: string, dir: string, run: number): Promise<ExecutedCell[]> {
  const output = `${name.replace(/\.ipynb$/, "")}.run${run}`;
  const { code, stderr } = await new Deno.Command(NBCONVERT, {
    args: [
      "--to=notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      "--ExecutePreprocessor.timeout=1200",
      `--output-dir=${dir}`,
      `--output=${output}`,
      name,
    ],
    cwd: NOTEBOOKS,
    env: { NO_COLOR: "1", SELGEN_SEEDS: "1", SELGEN_BASES: "1", SELGEN_OUT: out, JUPYTER_PATH },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${name} failed (execution ${run}):\n${log.slice(-3000)}`);
  return JSON.parse(await Deno.readTextFile(`${dir}/${output}.ipynb`)).cells;
}

for (const name of notebooks) {
  Deno.test({
    name: `notebook ${name} runs top to bottom ${RUNS}× (beside ${BUSY} busy processes after the first), ` +
      "writes its results and shows every output in its own cell",
    ignore: skip,
    async fn() {
      const expected = WRITES[name];
      assert.ok(expected, `${name}: add what it writes to WRITES in this test`);
      try {
        await Deno.stat(NBCONVERT);
      } catch {
        assert.fail(
          `${NBCONVERT} is missing: run ./run test (it installs Debian's Jupyter and the Deno kernel)`,
        );
      }
      const kernel = await denoKernelProblem(JUPYTER_PATH);
      if (kernel) {
        assert.fail(`Cannot run ${name}: ${kernel}; run ./run test (it writes .tools/jupyter/kernels/deno/)`);
      }
      const out = await (sharedOut ??= Deno.makeTempDir({ prefix: "selgen-nb-" }));
      const dir = await Deno.makeTempDir({ prefix: "selgen-nb-executed-" });
      const first = await execute(name, out, dir, 1);
      assert.deepEqual(outputProblems(first), [], `${name}, execution 1`);
      expected.check(await Deno.readTextFile(`${out}/${expected.file}`));
      for (let run = 2; run <= RUNS; run++) {
        const stop = loadCores(BUSY);
        let cells: ExecutedCell[];
        try {
          cells = await execute(name, out, dir, run);
        } finally {
          await stop();
        }
        assert.deepEqual(outputProblems(cells), [], `${name}, execution ${run}`);
        assert.deepEqual(
          outputCounts(cells),
          outputCounts(first),
          `${name}: execution ${run} shows other outputs`,
        );
      }
    },
  });
}
