/**
 * Static images of figures (PNG and SVG) rendered by a real browser: one headless Chromium launch loads
 * plotly.js from `node_modules`, renders every figure with `Plotly.toImage`, and prints the images into its DOM,
 * which `--dump-dom` returns. ~2 s per launch, so figures are batched.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Figure } from "./figure.ts";

/** A rendered figure. */
export interface FigureImages {
  png: Uint8Array;
  svg: string;
}

/** Chromium's flags that work headless on this kind of machine (no sandbox as root, no network chatter). */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

const PLOTLY = new URL("../../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url);

/** The browser to use: `SELGEN_CHROMIUM`, else the first of chromium / chromium-browser / google-chrome on PATH. */
export async function findChromium(): Promise<string | undefined> {
  const explicit = Deno.env.get("SELGEN_CHROMIUM");
  if (explicit) return explicit;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      try {
        const path = `${dir}/${name}`;
        if ((await Deno.stat(path)).isFile) return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function renderPage(figures: readonly Figure[], scale: number): string {
  const specs = JSON.stringify(figures.map((f) => ({ name: f.name, data: f.data, layout: f.layout })))
    .replaceAll("</", "<\\/");
  return `<!doctype html><html><head><meta charset="utf-8">
<script src="${PLOTLY.href}"></script></head><body><pre id="result"></pre><script>
(async () => {
  const out = [];
  for (const spec of ${specs}) {
    const div = document.createElement("div");
    document.body.appendChild(div);
    const width = spec.layout.width || 800, height = spec.layout.height || 500;
    await Plotly.newPlot(div, spec.data, spec.layout, { staticPlot: true });
    out.push({
      png: await Plotly.toImage(div, { format: "png", width, height, scale: ${scale} }),
      svg: await Plotly.toImage(div, { format: "svg", width, height }),
    });
    Plotly.purge(div);
    div.remove();
  }
  document.getElementById("result").textContent = "SELGEN-IMAGES" + JSON.stringify(out) + "SELGEN-END";
})().catch((e) => { document.getElementById("result").textContent = "SELGEN-ERROR" + e; });
</script></body></html>`;
}

function decodeDataUrl(url: string): Uint8Array {
  const base64 = url.slice(url.indexOf(",") + 1);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * Renders figures to PNG (at `scale`× resolution) and SVG in one browser launch, one per figure in their order
 * (figures of different experiments share names: em's and em-total's are both `em-pareto`). Throws with the
 * reason when no browser is found or rendering fails.
 */
export async function renderImages(
  figures: readonly Figure[],
  options: { scale?: number } = {},
): Promise<FigureImages[]> {
  if (!figures.length) return [];
  const chromium = await findChromium();
  if (!chromium) {
    throw new Error(
      "Cannot render PNG/SVG: no Chromium found; install Debian's `chromium` or set SELGEN_CHROMIUM",
    );
  }
  try {
    await Deno.stat(PLOTLY);
  } catch {
    throw new Error(`Cannot render PNG/SVG: ${fileURLToPath(PLOTLY)} is missing; run \`deno install\``);
  }
  const work = await Deno.makeTempDir({ prefix: "selgen-render-" });
  try {
    const page = `${work}/render.html`;
    await Deno.writeTextFile(page, renderPage(figures, options.scale ?? 2));
    const { stdout, stderr, code } = await new Deno.Command(chromium, {
      args: [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${work}/profile`,
        "--virtual-time-budget=120000",
        "--dump-dom",
        `file://${page}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dom = new TextDecoder().decode(stdout);
    const start = dom.indexOf("SELGEN-IMAGES"), end = dom.indexOf("SELGEN-END");
    if (start < 0 || end < 0) {
      const error = dom.match(/SELGEN-ERROR([^<]*)/)?.[1];
      throw new Error(
        `Cannot render PNG/SVG: Chromium exited ${code}` +
          (error
            ? ` with ${error}`
            : `: ${new TextDecoder().decode(stderr).split("\n").slice(-3).join(" ")}`),
      );
    }
    const text = dom.slice(start + "SELGEN-IMAGES".length, end)
      .replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
    const raw = JSON.parse(text) as { png: string; svg: string }[];
    return raw.map((r) => ({
      png: decodeDataUrl(r.png),
      svg: decodeURIComponent(r.svg.slice(r.svg.indexOf(",") + 1)),
    }));
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * The figures with a rendered PNG in their notebook bundle, so they show in classic Notebook and on GitHub too.
 * Without a browser the figures come back unchanged, with a note saying why.
 *
 * @example
 * ```ts
 * import { loadToyConfig, runExperiment, toy, toyHeatmapFigure, toySimilarityFigure } from "../../mod.ts";
 * import { plot, withImages } from "../../mod.ts";
 * const { summary } = await runExperiment(toy, await loadToyConfig(), { out: "out" });
 * const figures = [toyHeatmapFigure(summary, 5), toySimilarityFigure(summary)];
 * const [heatmap, similarity] = await withImages(figures); // PNGs rendered with headless Chromium
 * await plot.show(heatmap); // shows it in a notebook (and waits until it is delivered)
 * ```
 */
export async function withImages<F extends Figure>(figures: readonly F[]): Promise<F[]> {
  try {
    const images = await renderImages(figures);
    return figures.map((f, i) => {
      const png = images[i]?.png;
      return png ? { ...f, png: base64(png) } : f;
    });
  } catch (error) {
    console.warn(`selgen: figures shown without a PNG (${(error as Error).message})`);
    return [...figures];
  }
}
