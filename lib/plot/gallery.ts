/**
 * The `index.html` gallery of a reproduction: the notebooks rendered on its records, then every figure with
 * its PNG (linking to the interactive HTML), title and caption, grouped by experiment. Pure.
 *
 * @module
 */

/** One figure's entry: paths relative to the gallery. */
export interface GalleryFigure {
  title: string;
  caption: string;
  html: string;
  png?: string;
  svg?: string;
}

/** One experiment's section. */
export interface GallerySection {
  title: string;
  /** One line on what the experiment shows, or its findings. */
  notes: string[];
  /** How its findings came out, e.g. "5 of 7 hold, 1 fails, 1 tie" (shown beside the title). */
  verdicts?: string;
  figures: GalleryFigure[];
}

/** One rendered notebook: its title and HTML page, the path relative to the gallery. */
export interface GalleryNotebook {
  title: string;
  html: string;
}

/** Options for `galleryHtml`. */
export interface GalleryOptions {
  /** The headline under the title: every experiment's findings counted, ✓ and ✗ as they are. */
  headline?: string;
  /** Notebooks executed on these records, linked above the figures; none when absent or empty. */
  notebooks?: readonly GalleryNotebook[];
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The gallery page. */
export function galleryHtml(
  title: string,
  sections: readonly GallerySection[],
  options: GalleryOptions = {},
): string {
  const notebooks = options.notebooks?.length
    ? `<section><h2>Notebooks</h2><p>Each story in full, executed on these records (no kernel needed):</p><ul>${
      options.notebooks.map((n) => `<li><a href="${escape(n.html)}">${escape(n.title)}</a></li>`).join("")
    }</ul></section>\n`
    : "";
  const body = notebooks + sections.map((s) => {
    const figures = s.figures.map((f) => {
      const image = f.png
        ? `<a href="${escape(f.html)}"><img src="${escape(f.png)}" alt="${escape(f.title)}"></a>`
        : "";
      const links = [
        `<a href="${escape(f.html)}">interactive</a>`,
        ...(f.svg ? [`<a href="${escape(f.svg)}">SVG</a>`] : []),
      ];
      return `<figure>${image}<figcaption><b>${escape(f.title)}</b> — ${escape(f.caption)} (${
        links.join(", ")
      })</figcaption></figure>`;
    }).join("\n");
    const notes = s.notes.length ? `<pre>${escape(s.notes.join("\n"))}</pre>` : "";
    const verdicts = s.verdicts ? `<p><b>Findings:</b> ${escape(s.verdicts)}</p>` : "";
    return `<section><h2>${escape(s.title)}</h2>${verdicts}${notes}\n${figures}</section>`;
  }).join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}figcaption{margin-top:.4em;line-height:1.4}
pre{background:#f6f6f6;padding:.6em;overflow:auto}.headline{font-size:1.15em}
</style></head>
<body><h1>${escape(title)}</h1>
${options.headline ? `<p class="headline">${escape(options.headline)}</p>\n` : ""}${body}
</body></html>
`;
}
