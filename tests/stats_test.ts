import assert from "node:assert/strict";
import { mean, meanSem, median, pearson, sem } from "../lib/eval/stats.ts";
import { configHash } from "../lib/train/records.ts";
import { writeJsonAtomic } from "../lib/io/atomic.ts";

Deno.test("mean and SEM follow their definitions (sample sd / √n)", () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Math.abs(sem([1, 2, 3, 4]) - Math.sqrt(1.6666666666666667 / 4)) < 1e-12);
  assert.deepEqual(meanSem([0.7]), { mean: 0.7, sem: 0 });
});

Deno.test("Pearson's r is 1 for a line, −1 for a falling line, NaN without variance", () => {
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 6]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [3, 2, 1]) + 1) < 1e-12);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
});

Deno.test("config hashes ignore key order and change with any value", async () => {
  assert.equal(await configHash({ a: 1, b: [1, 2] }), await configHash({ b: [1, 2], a: 1 }));
  assert.notEqual(await configHash({ a: 1 }), await configHash({ a: 2 }));
});

Deno.test("an atomic write leaves no temporary file behind", async () => {
  const dir = await Deno.makeTempDir();
  await writeJsonAtomic(`${dir}/x/y.json`, { ok: true });
  assert.deepEqual([...Deno.readDirSync(`${dir}/x`)].map((e) => e.name), ["y.json"]);
});

Deno.test("median: the middle value, the mean of the two middle ones for an even count, NaN for none", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  const values = [5, 1, 4];
  median(values);
  assert.deepEqual(values, [5, 1, 4], "the input is left unsorted");
});
