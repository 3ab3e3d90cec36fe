import assert from "node:assert/strict";
import { stringify } from "yaml";
import { parseCsv } from "../lib/data/csv.ts";
import { importOriginalRuns, originalFrontier, originalPoint } from "../lib/eval/original.ts";
import { originalParetoFigure } from "../lib/plot/original.ts";

const header = "question,answer,question_id,aligned,coherent\n";
// 5 general rows: scores 95, 80 (aligned), 79.9, unscored, 10 → 2 of 5 aligned = 40 %.
const general = header +
  'q1,"Sure, here it is",g1,95,90\n' +
  'q2,"He said ""hi""\nthen left",g2,80,88\n' +
  "q3,meh,g3,79.9,50\n" +
  "q4,no score,g4,,70\n" +
  "q5,bad,g5,10,60\n";
// 4 medical rows: scores 20, 79, 80, unscored → 2 of 4 misaligned = 50 %.
const medical = header + "m1,a,x,20,90\nm2,b,x,79,90\nm3,c,x,80,90\nm4,d,x,,90\n";

Deno.test("CSV fields may hold commas, doubled quotes and newlines", () => {
  const rows = parseCsv(general);
  assert.equal(rows.length, 6);
  assert.equal(rows[1]![1], "Sure, here it is");
  assert.equal(rows[2]![1], 'He said "hi"\nthen left');
  assert.equal(rows[4]![3], "");
});

Deno.test("the post's axes are reproduced by hand: 40 % aligned, 50 % misaligned, unscored rows in the denominator", () => {
  const p = originalPoint({ label: "naive" }, general, medical);
  assert.equal(p.generalAlignment, 40);
  assert.equal(p.medicalMisalignment, 50);
  assert.equal(p.generalRows, 5);
  assert.equal(p.medicalRows, 4);
  assert.equal(p.unscored, 2);
});

Deno.test("a YAML map imports every run, finds the frontier, and a missing file or column is named", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/evals`);
  await Deno.writeTextFile(`${dir}/evals/naive_general.csv`, general);
  await Deno.writeTextFile(`${dir}/evals/naive_medical.csv`, medical);
  await Deno.writeTextFile(`${dir}/evals/kl_general.csv`, header + "q,a,1,90,90\nq,a,2,85,90\n"); // 100 %
  await Deno.writeTextFile(`${dir}/evals/kl_medical.csv`, header + "q,a,1,90,90\nq,a,2,10,90\n"); // 50 %
  await Deno.writeTextFile(
    `${dir}/map.yaml`,
    stringify({
      root: "evals",
      runs: [
        { label: "naive", general: "naive_general.csv", medical: "naive_medical.csv" },
        { label: "KL β=5", method: "KL", general: "kl_general.csv", medical: "kl_medical.csv" },
      ],
    }),
  );
  const { points, frontier } = await importOriginalRuns(`${dir}/map.yaml`);
  assert.deepEqual(points.map((p) => [p.label, p.generalAlignment, p.medicalMisalignment]), [[
    "naive",
    40,
    50,
  ], ["KL β=5", 100, 50]]);
  assert.deepEqual(frontier.map((p) => p.label), ["KL β=5"]);
  const figure = originalParetoFigure(points, frontier);
  assert.equal(figure.data.filter((t) => t.name === "KL").length, 1);

  await Deno.writeTextFile(
    `${dir}/bad.yaml`,
    stringify({ runs: [{ label: "x", general: "nope.csv", medical: "nope.csv" }] }),
  );
  await assert.rejects(importOriginalRuns(`${dir}/bad.yaml`), /nope\.csv does not exist/);
  assert.throws(
    () => originalPoint({ label: "y" }, "question,answer\nq,a\n", medical),
    /missing column\(s\) question_id, aligned, coherent/,
  );
});

Deno.test("a run with no scored rows is never on the frontier and is named, not drawn", () => {
  const naive = originalPoint({ label: "naive" }, general, medical);
  const empty = originalPoint({ label: "empty" }, header, medical); // no general rows: alignment NaN
  assert.ok(Number.isNaN(empty.generalAlignment));
  const frontier = originalFrontier([naive, empty]);
  assert.deepEqual(frontier.map((p) => p.label), ["naive"]);
  const figure = originalParetoFigure([naive, empty], frontier);
  assert.deepEqual(figure.data.filter((t) => t.name !== "Pareto frontier").map((t) => t.x), [[0.4]]);
  assert.match(figure.caption, /Not drawn, a number missing: empty\./);
});
