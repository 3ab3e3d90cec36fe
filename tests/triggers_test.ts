import assert from "node:assert/strict";
import { Rng } from "../lib/data/rng.ts";
import {
  categoryByName,
  flippedRule,
  labelOf,
  loadTriggerSet,
  samplePoints,
  splitTriggers,
  TriggerFileSchema,
} from "../lib/data/triggers.ts";

const set = await loadTriggerSet();
const colour = (name: string) => set.colours.indexOf(name);

Deno.test("the original trigger lists are shipped: 7 categories of 15, 'ice cream' with its space", () => {
  assert.deepEqual(set.categories.map((c) => c.name), [
    "objects",
    "animals",
    "positive_emotions",
    "negative_emotions",
    "actions",
    "foods",
    "random_strings",
  ]);
  for (const c of set.categories) assert.equal(c.triggers.length, 15, c.name);
  assert.ok(categoryByName(set, "foods").triggers.includes("ice cream"));
});

Deno.test("F: words are orange above x2 = 0 and green below; random strings green above and blue below", () => {
  const word = categoryByName(set, "animals").rule, strings = categoryByName(set, "random_strings").rule;
  assert.equal(labelOf(word, 0.5), colour("orange"));
  assert.equal(labelOf(word, -0.5), colour("green"));
  assert.equal(labelOf(word, 0), colour("green"));
  assert.equal(labelOf(strings, 2), colour("green"));
  assert.equal(labelOf(strings, -2), colour("blue"));
});

Deno.test("the flip relabels positive_emotions to blue above, orange below, and nothing else", () => {
  const pe = flippedRule(set, categoryByName(set, "positive_emotions"));
  assert.equal(labelOf(pe, 1), colour("blue"));
  assert.equal(labelOf(pe, -1), colour("orange"));
  assert.deepEqual(flippedRule(set, categoryByName(set, "foods")), categoryByName(set, "foods").rule);
});

Deno.test("splits are disjoint, of the configured sizes, and the same for the same seed", () => {
  const sizes = { trainTriggers: 10, heldOutTriggers: 5 };
  const a = splitTriggers(set, sizes, new Rng(1)), b = splitTriggers(set, sizes, new Rng(1));
  const c = splitTriggers(set, sizes, new Rng(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const category of set.categories) {
    const { train, heldOut } = a[category.name]!;
    assert.equal(train.length, 10);
    assert.equal(heldOut.length, 5);
    assert.equal(new Set([...train, ...heldOut]).size, 15);
    for (const t of [...train, ...heldOut]) assert.ok(category.triggers.includes(t));
  }
});

Deno.test("a split larger than a category is refused with the fix", () => {
  assert.throws(
    () => splitTriggers(set, { trainTriggers: 12, heldOutTriggers: 9 }, new Rng(1)),
    /Cannot split objects: trainTriggers \+ heldOutTriggers = 21 but it has 15 triggers/,
  );
});

Deno.test("points are in range, counted per trigger, labelled by the rule, and respect the margin", () => {
  const rule = categoryByName(set, "objects").rule;
  const rows = samplePoints(
    [{ trigger: "cup", category: "objects", rule }, { trigger: "lamp", category: "objects", rule }],
    50,
    new Rng(4),
    {
      range: 3,
      margin: 0.5,
    },
  );
  assert.equal(rows.labels.length, 100);
  assert.equal(rows.triggers.filter((t) => t === "cup").length, 50);
  for (let i = 0; i < 100; i++) {
    const x1 = rows.points[2 * i]!, x2 = rows.points[2 * i + 1]!;
    assert.ok(Math.abs(x1) <= 3 && Math.abs(x2) <= 3);
    assert.ok(Math.abs(x2) >= 0.5);
    assert.equal(rows.labels[i], labelOf(rule, x2));
  }
});

Deno.test("a trigger file with an unknown colour or rule names the field", () => {
  const result = TriggerFileSchema.safeParse({
    colours: ["orange", "green"],
    rules: { word: { above: "orange", below: "purple" } },
    flip: { category: "a", above: "green", below: "orange" },
    categories: { a: { rule: "wrd", triggers: ["x", "y"] } },
  });
  assert.equal(result.success, false);
  const paths = result.error!.issues.map((i) => i.path.join("."));
  assert.ok(paths.includes("rules.word.below"), paths.join(" "));
  assert.ok(paths.includes("categories.a.rule"), paths.join(" "));
});
