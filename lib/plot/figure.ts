/**
 * A figure is plotly JSON plus a name, a caption and a plain-text rendering. In a notebook it displays as a
 * MIME bundle (plotly JSON for JupyterLab and VS Code, text for everything else); on disk it is a
 * self-contained HTML file (plotly.js inlined) and its plotly JSON. plotly.js is never imported at runtime
 * (it needs `window`); its bundle is only read as text for the HTML.
 *
 * @module
 */
import { writeBytesAtomic, writeJsonAtomic, writeTextAtomic } from "../io/atomic.ts";

/** Plotly traces and layout, as plain JSON. */
export type PlotlyTrace = Record<string, unknown>;

/** A figure ready to display or write. */
export interface Figure {
  /** File stem, e.g. `toy-heatmap-k5`. */
  name: string;
  title: string;
  /** One or two sentences on what the figure shows, used in galleries and under notebook output. */
  caption: string;
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  /** A plain-text rendering (a table of the numbers), for terminals and for frontends without plotly. */
  text: string;
  /** A rendered PNG (base64), shown by frontends without plotly (classic Notebook, GitHub). */
  png?: string;
}

/** The MIME bundle a notebook shows for a figure. */
export function figureBundle(figure: Figure): Record<string, unknown> {
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout: figure.layout },
    ...(figure.png ? { "image/png": figure.png } : {}),
    "text/plain": `${figure.title}\n${figure.text}\n${figure.caption}`,
  };
}

/** Wraps a figure so that a notebook cell ending in it renders the figure. */
export function display(figure: Figure): Figure & { [key: symbol]: () => Record<string, unknown> } {
  // `this`, not the closure: a copy with a PNG added (`{ ...shown, png }`) must show that PNG.
  return {
    ...figure,
    [Symbol.for("Jupyter.display")](this: Figure) {
      return figureBundle(this);
    },
  };
}

const PLOTLY_JS = new URL("../../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url);
let plotlySource: string | undefined;

async function plotlyJs(): Promise<string> {
  try {
    plotlySource ??= await Deno.readTextFile(PLOTLY_JS);
  } catch {
    throw new Error(`Cannot write HTML figures: ${PLOTLY_JS.pathname} is missing; run \`deno install\``);
  }
  return plotlySource;
}

/** The figure as a standalone HTML page with plotly.js inlined (works offline). */
export async function figureHtml(figure: Figure): Promise<string> {
  const spec = JSON.stringify({ data: figure.data, layout: figure.layout }).replaceAll("</", "<\\/");
  const escape = (s: string) => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(figure.title)}</title>
<script>${(await plotlyJs()).replaceAll("</script", "<\\/script")}</script>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1100px}</style></head>
<body><div id="figure"></div><p>${escape(figure.caption)}</p>
<script>const spec=${spec};Plotly.newPlot("figure",spec.data,spec.layout,{responsive:true});</script>
</body></html>
`;
}

/** Paths written for a figure. */
export interface FigureFiles {
  html: string;
  json: string;
  png?: string;
  svg?: string;
}

/**
 * Writes `<dir>/<name>.html` and `.json`, and `.png` and `.svg` when `images` are given, each atomically;
 * returns their paths.
 */
export async function writeFigure(
  figure: Figure,
  dir: string,
  images?: { png: Uint8Array; svg: string },
): Promise<FigureFiles> {
  const stem = `${dir}/${figure.name}`;
  const files: FigureFiles = { html: `${stem}.html`, json: `${stem}.json` };
  const spec = { data: figure.data, layout: figure.layout, title: figure.title, caption: figure.caption };
  await writeJsonAtomic(files.json, spec);
  await writeTextAtomic(files.html, await figureHtml(figure));
  if (images) {
    files.png = `${stem}.png`;
    files.svg = `${stem}.svg`;
    await writeBytesAtomic(files.png, images.png);
    await writeTextAtomic(files.svg, images.svg);
  }
  return files;
}

/**
 * Formats a table of numbers as aligned plain text.
 *
 * @example
 * ```ts
 * import { textTable } from "../../mod.ts";
 * const rows = [["task-only", 0.981, 0.412], ["kl", 0.95, 0.83]];
 * console.log(textTable(["strategy", "task", "alignment"], rows)); // numbers to 2 digits unless told
 * //  strategy  task  alignment
 * // task-only  0.98       0.41
 * //        kl  0.95       0.83
 * ```
 */
export function textTable(header: string[], rows: (string | number)[][], digits = 2): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? c.toFixed(digits) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? "").length)));
  return cells.map((r) => r.map((c, j) => String(c).padStart(widths[j]!)).join("  ")).join("\n");
}
