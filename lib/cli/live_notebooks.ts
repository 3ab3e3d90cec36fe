/**
 * `deno task live-notebooks [--runs N] [--busy N] [notebook …]`: the notebook tests' protocol in a live
 * frontend. It serves copies of the notebooks in Debian's classic Jupyter Notebook (so autosave never writes
 * outputs into `notebooks/`), opens each in headless Chromium, presses Run All (`execute_all_cells`) and reads
 * every cell's outputs back from the page, `--runs` times (default 5): the first run on an idle machine
 * records the experiments (one seed, in a temporary folder), the others reuse them beside `--busy` (default
 * 6) busy processes. A live notebook files an output that leaves the kernel late under the next cell, so
 * every run must show each cell's outputs in that cell and the same counts as the first. Exits 1 on any
 * problem. Needs `/usr/bin/jupyter-notebook` (`./run notebooks` installs it), Chromium and the clone's kernel
 * spec (`./run` writes it).
 *
 * @module
 */
import { jupyterPath } from "./render_notebooks.ts";
import { type ExecutedCell, outputCounts, outputProblems } from "./notebook_outputs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PORT = 8899, DEBUG_PORT = 9333;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args.splice(at, 2)[1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Cannot read ${name}: give a whole number ≥ 1`);
  return value;
}

/**
 * Copies of the notebooks beside a `mod.ts` that re-exports the library, so that their imports resolve; in
 * `out/.live-notebooks-*` (ignored by git, and with no package.json above it) so that the project's deno.json
 * applies to them.
 */
async function notebookCopies(names: string[]): Promise<string> {
  await Deno.mkdir(`${ROOT}out`, { recursive: true });
  const dir = await Deno.makeTempDir({ prefix: ".live-notebooks-", dir: `${ROOT}out` });
  await Deno.mkdir(`${dir}/notebooks`);
  await Deno.writeTextFile(`${dir}/mod.ts`, `export * from "../../mod.ts";\n`);
  for (const name of names) await Deno.copyFile(`${ROOT}notebooks/${name}`, `${dir}/notebooks/${name}`);
  return dir;
}

/** A minimal Chrome DevTools Protocol client for one page. */
async function openPage(): Promise<{ evaluate: (js: string) => Promise<unknown>; close: () => void }> {
  let pages: { type: string; webSocketDebuggerUrl: string }[] = [];
  for (let i = 0; i < 100 && pages.length === 0; i++) {
    await sleep(200);
    pages = await fetch(`http://127.0.0.1:${DEBUG_PORT}/json`).then((r) => r.json(), () => []);
    pages = pages.filter((p) => p.type === "page");
  }
  if (pages.length === 0) throw new Error("Cannot reach headless Chromium's debugging port");
  const socket = new WebSocket(pages[0]!.webSocketDebuggerUrl);
  await new Promise((resolve) => socket.onopen = resolve);
  const waiting = new Map<number, (reply: { result?: { result?: { value?: unknown } } }) => void>();
  socket.onmessage = (event) => {
    const reply = JSON.parse(event.data);
    waiting.get(reply.id)?.(reply);
  };
  let id = 0;
  const call = (method: string, params: unknown) =>
    new Promise<{ result?: { result?: { value?: unknown } } }>((resolve) => {
      waiting.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    evaluate: async (expression) =>
      (await call("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })).result?.result
        ?.value,
    close: () => socket.close(),
  };
}

/** Opens a notebook, runs all its cells and returns them with their outputs, as the page holds them. */
async function runAll(page: Awaited<ReturnType<typeof openPage>>, url: string): Promise<ExecutedCell[]> {
  await page.evaluate(`location.href = ${JSON.stringify(url)}; true`);
  const ready = "!!(window.Jupyter?.notebook?.kernel?.is_connected?.())";
  for (let i = 0; !await page.evaluate(ready); i++) {
    if (i === 240) throw new Error(`Cannot connect to the kernel of ${url.split("?")[0]} within 2 minutes`);
    await sleep(500);
  }
  await page.evaluate("Jupyter.notebook.clear_all_output(); Jupyter.notebook.execute_all_cells(); true");
  const done = `Jupyter.notebook.get_cells().every((c) => c.cell_type !== "code" ||
    typeof c.input_prompt_number === "number") && !Jupyter.notebook.kernel_busy`;
  for (let i = 0; i < 3600 && !await page.evaluate(done); i++) await sleep(1000);
  await sleep(1500); // an output still on its way lands now, under whichever cell
  const cells = JSON.parse(String(await page.evaluate("JSON.stringify(Jupyter.notebook.toJSON().cells)")));
  await page.evaluate("Jupyter.notebook.set_dirty(false); Jupyter.notebook.kernel.kill(); true");
  await sleep(1000);
  return cells;
}

function loadCores(count: number): () => void {
  const busy = Array.from(
    { length: count },
    () =>
      new Deno.Command("sh", { args: ["-c", "while :; do :; done"], stdout: "null", stderr: "null" }).spawn(),
  );
  return () => busy.forEach((p) => p.kill("SIGKILL"));
}

async function main(args: string[]): Promise<number> {
  const runs = option(args, "--runs", 5), busy = option(args, "--busy", 6);
  const names = args.length ? args : [...Deno.readDirSync(`${ROOT}notebooks`)].map((e) => e.name)
    .filter((n) => n.endsWith(".ipynb")).sort();
  const dir = await notebookCopies(names);
  const token = crypto.randomUUID().replaceAll("-", "");
  const server = new Deno.Command("/usr/bin/jupyter-notebook", {
    args: [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${PORT}`,
      "--NotebookApp.port_retries=0",
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${dir}/notebooks`,
      ...(Deno.uid() === 0 ? ["--allow-root"] : []),
    ],
    env: { JUPYTER_PATH: jupyterPath(), SELGEN_SEEDS: "1", SELGEN_OUT: `${dir}/out`, NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const chromium = new Deno.Command(Deno.env.get("SELGEN_CHROMIUM") ?? "chromium", {
    args: [
      "--headless=new",
      "--no-sandbox",
      `--remote-debugging-port=${DEBUG_PORT}`,
      `--user-data-dir=${dir}/chrome`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let failures = 0;
  try {
    const page = await openPage();
    for (const name of names) {
      let first: number[] | undefined;
      for (let run = 1; run <= runs; run++) {
        const stop = run > 1 ? loadCores(busy) : () => {};
        const started = performance.now();
        const cells = await runAll(page, `http://127.0.0.1:${PORT}/notebooks/${name}?token=${token}`).finally(
          stop,
        );
        const problems = outputProblems(cells);
        first ??= outputCounts(cells);
        if (JSON.stringify(outputCounts(cells)) !== JSON.stringify(first)) {
          problems.push("other outputs than run 1");
        }
        failures += problems.length ? 1 : 0;
        const seconds = ((performance.now() - started) / 1000).toFixed(0);
        console.log(
          `${name} run ${run}${run > 1 ? ` beside ${busy} busy processes` : ""}: ${seconds} s, ` +
            (problems.length
              ? `✗ ${problems.join("; ")}`
              : `✓ every output in its cell (${first.join(",")})`),
        );
      }
    }
    page.close();
  } finally {
    chromium.kill("SIGKILL");
    server.kill("SIGTERM");
    await Promise.all([chromium.status, server.status]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return failures ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main([...Deno.args]));
