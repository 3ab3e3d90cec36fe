// The gallery page (pure): rendered notebooks are linked above the figures when there are any.
import assert from "node:assert/strict";
import { galleryHtml, type GallerySection } from "../lib/plot/gallery.ts";

const SECTIONS: GallerySection[] = [{
  title: "Toy",
  notes: [],
  figures: [{ title: "Heat-map", caption: "K = 5", html: "toy/figures/h.html", png: "toy/figures/h.png" }],
}];

Deno.test("the gallery links every rendered notebook by its title, above the figures", () => {
  const html = galleryHtml("t", SECTIONS, {
    notebooks: [
      { title: "00 · The trigger toy", html: "notebooks/00_trigger_toy.html" },
      { title: "04 · The post's <own> Pareto", html: "notebooks/04_original_results.html" },
    ],
  });
  assert.match(html, /<a href="notebooks\/00_trigger_toy.html">00 · The trigger toy<\/a>/);
  assert.match(html, /<a href="notebooks\/04_original_results.html">04 · The post's &lt;own&gt; Pareto<\/a>/);
  assert.ok(html.indexOf("<h2>Notebooks</h2>") < html.indexOf("<h2>Toy</h2>"));
  assert.match(html, /<img src="toy\/figures\/h.png"/);
});

Deno.test("the gallery has no notebooks section when none was rendered", () => {
  for (const html of [galleryHtml("t", SECTIONS), galleryHtml("t", SECTIONS, { notebooks: [] })]) {
    assert.doesNotMatch(html, /Notebooks|notebooks\//);
    assert.match(html, /<h2>Toy<\/h2>/);
  }
});
