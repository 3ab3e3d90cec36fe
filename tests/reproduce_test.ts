// The reproduce command end to end: figures as HTML, PNG and SVG with a gallery, and a run killed with SIGKILL
// that resumes to the same results as an uninterrupted one. Rendering the notebooks would be slow here, so the
// runs pass --no-notebooks, or a --config the notebooks do not run (which says so in one line).
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { renderImages } from "../lib/plot/export.ts";
import { galleryHtml } from "../lib/plot/gallery.ts";
import { display } from "../lib/plot/figure.ts";
import { reproduceCommand } from "./_cli.ts";

const reproduce = reproduceCommand;

async function tinyConfig(steps: number, seeds = [3, 4]): Promise<string> {
  const path = `${await Deno.makeTempDir()}/toy.yaml`;
  await Deno.writeTextFile(
    path,
    stringify({
      seeds,
      split: { trainTriggers: 5, heldOutTriggers: 2 },
      points: { perTrainTrigger: 6, perTestTrigger: 6, perProxyTrigger: 6 },
      model: { hidden: [16, 16] },
      base: { maxSteps: 60 },
      fineTune: { steps, curveEvery: 20 },
      proxy: { ks: [1, 5] },
      boundary: { gridSize: 5 },
    }),
  );
  return path;
}

const withoutClock = (summary: Record<string, unknown>) => ({ ...summary, wallSeconds: 0 });

Deno.test("Chromium renders figures to non-empty PNG and SVG in one launch, and a notebook bundle carries the PNG", async () => {
  const figure = display({
    name: "check",
    title: "check",
    caption: "a line",
    data: [{ type: "scatter", x: [0, 1], y: [1, 0] }],
    layout: { width: 300, height: 200 },
    text: "",
  });
  // Two experiments' figures may share a name (em's and em-total's `em-pareto`): each gets its own image.
  const other = { ...figure, data: [{ type: "bar", x: [0, 1], y: [2, 3] }] };
  const images = await renderImages([figure, other]);
  assert.equal(images.length, 2);
  assert.notEqual(images[0]!.svg, images[1]!.svg);
  assert.match(images[1]!.svg, /trace bars/);
  const { png, svg } = images[0]!;
  assert.deepEqual([...png.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]); // PNG signature
  assert.ok(png.length > 1000);
  assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
  const bundle = display({ ...figure, png: "AAAA" })[Symbol.for("Jupyter.display")]!();
  assert.equal(bundle["image/png"], "AAAA");
  const copied: typeof figure = { ...figure, png: "BBBB" }; // what withImages returns for a displayed figure
  assert.equal(copied[Symbol.for("Jupyter.display")]!()["image/png"], "BBBB");
  assert.ok("application/vnd.plotly.v1+json" in bundle);
});

Deno.test("the gallery links every figure's image and interactive page, with its caption", () => {
  const html = galleryHtml("t", [{
    title: "Toy",
    notes: ["✓ a finding"],
    figures: [{
      title: "A <b>",
      caption: "shows x",
      html: "toy/figures/a.html",
      png: "toy/figures/a.png",
      svg: "toy/figures/a.svg",
    }],
  }]);
  assert.match(html, /<img src="toy\/figures\/a.png"/);
  assert.match(html, /href="toy\/figures\/a.svg">SVG/);
  assert.match(html, /A &lt;b&gt;/);
  assert.match(html, /✓ a finding/);
});

Deno.test("reproduce writes HTML, PNG and SVG for every figure, a summary and an index", async () => {
  const out = await Deno.makeTempDir();
  const { code, stderr } = await reproduce(["toy", "--config", await tinyConfig(20), "--out", out, "--quiet"])
    .output();
  const log = new TextDecoder().decode(stderr);
  assert.equal(code, 0, log);
  // Notebook 00 runs the default toy config, not this one: it is not rendered, in one line.
  assert.match(log, /^selgen: notebook 00_trigger_toy\.ipynb not rendered: toy ran with --config;/m);
  await assert.rejects(Deno.stat(`${out}/notebooks`));
  const figures = [...Deno.readDirSync(`${out}/toy/figures`)].map((e) => e.name);
  const stems = new Set(figures.map((f) => f.replace(/\.(html|json|png|svg)$/, "")));
  assert.ok(stems.size >= 5, [...stems].join(" "));
  for (const stem of stems) {
    for (const ext of ["html", "json", "png", "svg"]) {
      const info = await Deno.stat(`${out}/toy/figures/${stem}.${ext}`);
      assert.ok(info.size > 0, `${stem}.${ext} is empty`);
    }
  }
  const index = await Deno.readTextFile(`${out}/index.html`);
  for (const stem of stems) assert.ok(index.includes(`toy/figures/${stem}.png`), stem);
});

Deno.test("a reproduce killed with SIGKILL mid-way resumes to the same summary as an uninterrupted run", async () => {
  // Three seeds on two workers: one worker has a second seed to train after its first seed's records are out, so
  // a kill soon after the fourth record always lands mid-way.
  const config = await tinyConfig(150, [3, 4, 5]);
  const reference = await Deno.makeTempDir(), interrupted = await Deno.makeTempDir();
  const full = await reproduce(["toy", "--config", config, "--out", reference, "--quiet", "--no-notebooks"])
    .output();
  assert.equal(full.code, 0, new TextDecoder().decode(full.stderr));

  const child = reproduce(["toy", "--config", config, "--out", interrupted, "--quiet", "--no-notebooks"])
    .spawn();
  const finished = () => {
    let n = 0;
    for (const seed of ["seed3", "seed4", "seed5"]) {
      try {
        for (const run of Deno.readDirSync(`${interrupted}/toy/${seed}`)) {
          try {
            Deno.statSync(`${interrupted}/toy/${seed}/${run.name}/summary.json`);
            n++;
          } catch { /* not finished */ }
        }
      } catch { /* seed not started */ }
    }
    return n;
  };
  while (finished() < 4) await new Promise((r) => setTimeout(r, 25));
  child.kill("SIGKILL");
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.equal(status.signal, "SIGKILL");
  assert.ok(finished() < 42, "the run finished all 42 models before it could be killed"); // 3 seeds × (base + 13)
  await assert.rejects(Deno.stat(`${interrupted}/toy/summary.json`));

  const resumed = await reproduce([
    "toy",
    "--config",
    config,
    "--out",
    interrupted,
    "--quiet",
    "--no-notebooks",
  ]).output();
  assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
  const a = JSON.parse(await Deno.readTextFile(`${reference}/toy/summary.json`));
  const b = JSON.parse(await Deno.readTextFile(`${interrupted}/toy/summary.json`));
  assert.deepEqual(withoutClock(b), withoutClock(a));
});
