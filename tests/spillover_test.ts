import assert from "node:assert/strict";
import { cosine } from "../lib/data/embeddings.ts";
import { verdict } from "../lib/eval/findings.ts";
import { type ProxyRun, similarityWithInterval } from "../lib/eval/spillover.ts";
import { proxyCloseness } from "../lib/experiments/toy/findings.ts";

// Four categories on a quarter circle (0°, 25°, 55°, 90°), and the flipped one, which has no centroid.
const ANGLES = { a: 0, b: 25, c: 55, d: 90 };
const centroids = new Map<string, Float32Array | null>(
  Object.entries(ANGLES).map((
    [c, deg],
  ) => [c, Float32Array.of(Math.cos(deg * Math.PI / 180), Math.sin(deg * Math.PI / 180))]),
);
centroids.set("flip", null);
const rows = Object.keys(ANGLES);
const axes = { rows, cols: [...rows, "flip"] };

/** K = 5 runs of each seed, whose accuracy on a target is `accuracy(seed, cosine of proxy and target)`. */
function runs(seeds: number[], accuracy: (seed: number, cos: number) => number): ProxyRun[] {
  return seeds.flatMap((seed) =>
    rows.map((proxy) => ({
      seed,
      k: 5,
      proxyCategory: proxy,
      heldOut: Object.fromEntries(
        axes.cols.map((
          t,
        ) => [t, t === "flip" ? 0 : accuracy(seed, cosine(centroids.get(proxy)!, centroids.get(t)!))]),
      ),
    }))
  );
}

/** The proxy-closeness finding on these runs. */
function closeness(rs: ProxyRun[]) {
  const similarity = similarityWithInterval(rs, 5, axes, centroids, "flip");
  return { similarity, verdict: verdict(proxyCloseness({ similarity })) };
}

const wobble = (seed: number) => 0.02 * Math.sin(seed * 7);

Deno.test("proxy closeness holds when every seed's spillover rises with similarity", () => {
  const { similarity, verdict: v } = closeness(runs([1, 2, 3, 4, 5], (s, c) => 0.2 + 0.6 * c + wobble(s)));
  assert.ok(similarity.pearsonR! > 0.99, `r = ${similarity.pearsonR}`);
  assert.ok(similarity.interval.low > 0.9, `interval ${JSON.stringify(similarity.interval)}`);
  assert.equal(
    similarity.pairs.length,
    4 * 3,
    "off-diagonal pairs with a centroid: the flipped column left out",
  );
  assert.equal(v, "✓");
});

Deno.test("proxy closeness fails when spillover falls with similarity", () => {
  assert.equal(closeness(runs([1, 2, 3, 4, 5], (s, c) => 0.8 - 0.6 * c + wobble(s))).verdict, "✗");
});

Deno.test("seeds that disagree give a tie, and one seed is not judged", () => {
  // Odd seeds rise with similarity, even seeds fall: the mean rises, but resamples go either way.
  const mixed = closeness(runs([1, 2, 3, 4, 5], (s, c) => 0.5 + (s % 2 ? 0.3 : -0.3) * c + wobble(s)));
  assert.ok(mixed.similarity.pearsonR! > 0, `r = ${mixed.similarity.pearsonR}`);
  assert.ok(mixed.similarity.interval.low < 0 && mixed.similarity.interval.high > 0);
  assert.equal(mixed.verdict, "tie");
  const single = closeness(runs([1], (_, c) => c));
  assert.ok(Number.isNaN(single.similarity.interval.low));
  assert.equal(single.verdict, "?");
});
