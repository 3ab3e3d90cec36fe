import assert from "node:assert/strict";
import { InputError } from "../lib/config/input_error.ts";
import { loadPostPareto, parsePostPareto, POST_PARETO_COLUMNS } from "../lib/eval/post_pareto.ts";
import { originalParetoFigure, postComparisonTable, postParetoTable } from "../lib/plot/original.ts";
import type { EmSummary } from "../lib/experiments/em/summary.ts";

const header = `${POST_PARETO_COLUMNS.join(",")}\n`;

Deno.test("the shipped file: 27 runs on the post's axes, in range, with its provenance", async () => {
  const post = await loadPostPareto();
  assert.equal(post.points.length, 27);
  assert.deepEqual(
    [...new Set(post.points.map((p) => p.method))],
    ["base", "naive", "mixed", "up-weighted", "dpo", "kl", "safelora"],
  );
  for (const p of post.points) {
    assert.ok(p.generalAlignment >= 0 && p.generalAlignment <= 100, `${p.label}: x out of range`);
    const y = p.medicalMisalignment;
    assert.ok(Number.isNaN(y) || (y >= 0 && y <= 100), `${p.label}: y out of range`);
  }
  // The post's headline numbers, and the two runs without a task number.
  const at = (label: string) => post.points.find((p) => p.label === label)!;
  assert.deepEqual([at("naive no proxy").generalAlignment, at("naive no proxy").medicalMisalignment], [
    64.5,
    87.7,
  ]);
  assert.deepEqual([at("kl beta 5").generalAlignment, at("kl beta 5").medicalMisalignment], [96.6, 31.8]);
  assert.deepEqual(post.points.filter((p) => Number.isNaN(p.medicalMisalignment)).map((p) => p.label), [
    "base Qwen3-8B",
    "kl beta 10",
  ]);
  const provenance = post.provenance.join("\n");
  assert.match(provenance, /arianaazarbal\/selective-generalization/);
  assert.match(provenance, /commit f7f2e54e6b40da1a0fc307d741d6255bebf02798/);
  assert.match(provenance, /score >= 80/);
  // The frontier: measured on both axes, sorted by alignment, none beaten on both.
  assert.ok(post.frontier.length > 0 && post.frontier.every((p) => Number.isFinite(p.medicalMisalignment)));
  for (const f of post.frontier) {
    assert.ok(
      !post.points.some((q) =>
        q.generalAlignment >= f.generalAlignment && q.medicalMisalignment >= f.medicalMisalignment &&
        (q.generalAlignment > f.generalAlignment || q.medicalMisalignment > f.medicalMisalignment)
      ),
    );
  }
  assert.equal(post.frontier.at(-1)!.label, "safelora n 35");
});

Deno.test("the figure and tables draw the shipped runs and name the ones without a number", async () => {
  const post = await loadPostPareto();
  const figure = originalParetoFigure(post.points, post.frontier);
  const drawn = figure.data.filter((t) => t.name !== "Pareto frontier").flatMap((t) => t.x as number[]);
  assert.equal(drawn.length, 25);
  assert.ok(drawn.every((x) => x >= 0 && x <= 1));
  assert.match(figure.caption, /Not drawn, a number missing: base Qwen3-8B, kl beta 10\./);
  const shipped = postParetoTable(post);
  assert.equal(shipped.rows.length, 27);
  assert.equal(shipped.rows[0]![3], "—");

  const point = (strategy: string, label: string, alignment: number, task: number) => ({
    id: `${strategy}-${alignment}`,
    strategy,
    label,
    params: {},
    swept: {},
    task: { mean: task, sem: 0 },
    alignment: { mean: alignment, sem: 0 },
    seeds: [1],
    divergedSeeds: [],
    breakdown: {},
  });
  const ours = {
    seeds: [1, 2],
    base: { alignment: { n: 5, mean: 1 }, task: { n: 5, mean: 0 } }, // over five bases
    points: [
      point("task-only", "naive (task-only)", 0.04, 1),
      point("kl", "kl", 0.68, 1),
      point("kl", "kl", 0.72, 0.995),
      point("caft", "caft", 0.35, 0.83),
    ],
  } as unknown as EmSummary;
  const compared = postComparisonTable(post.points, ours);
  const row = (method: string) => compared.rows.find((r) => r[0] === method)!;
  assert.deepEqual(row("naive"), ["naive", "1", "0.65", "0.88", "1", "0.04", "1.00"]);
  assert.deepEqual(row("kl"), ["kl", "4", "0.45–0.99", "0.32–0.90", "2", "0.68–0.72", "0.99–1.00"]);
  assert.deepEqual(row("base"), ["base", "1", "1.00", "—", "5", "1.00", "0.00"]);
  assert.deepEqual(row("caft"), ["caft", "0", "—", "—", "1", "0.35", "0.83"]);
  assert.deepEqual(row("dpo").slice(4), ["0", "—", "—"]);
  assert.match(compared.caption!, /mean over 5 independent bases per point, each over its 2 fine-tune seeds/);
});

Deno.test("comments and blank lines are skipped; empty y reads as not measured; degenerate runs stay off the frontier", () => {
  const text = "# one\n#two\n\n" + header + "naive,no proxy,64.5,87.7,0\n# between\nkl,beta 10,99,,0\n" +
    'dpo,"lambda 4, late",80,90,1\n';
  const post = parsePostPareto(text, "mine.csv");
  assert.deepEqual(post.provenance, ["one", "two", "between"]);
  assert.deepEqual(post.points.map((p) => p.label), ["naive no proxy", "kl beta 10", "dpo lambda 4, late"]);
  assert.ok(Number.isNaN(post.points[1]!.medicalMisalignment));
  assert.equal(post.points[2]!.degenerate, true);
  assert.deepEqual(post.frontier.map((p) => p.label), ["naive no proxy"]);
});

function problems(text: string): string {
  try {
    parsePostPareto(text, "bad.csv");
  } catch (error) {
    assert.ok(error instanceof InputError, `not an InputError: ${error}`);
    assert.match(error.message, /^Cannot read bad\.csv:/);
    return error.message;
  }
  assert.fail("bad input was accepted");
}

Deno.test("a non-number, an out-of-range value or a bad flag is named by line and field", () => {
  const message = problems(
    "# note\n" + header + "naive,no proxy,64.5,87.7,0\nkl,beta 1,abc,90,0\nkl,beta 3,92.5,101,0\n" +
      "dpo,lambda 4,79.7,75.7,yes\nsafelora,n 1,,85.5,0\n",
  );
  assert.match(message, /line 4, field x_general_alignment: expected a number from 0 to 100, got "abc"/);
  assert.match(message, /line 5, field y_task: expected a number from 0 to 100 \(or nothing\), got "101"/);
  assert.match(message, /line 6, field degenerate: expected 0 or 1, got "yes"/);
  assert.match(message, /line 7, field x_general_alignment: expected a number from 0 to 100, got ""/);
  assert.doesNotMatch(message, /line 3/);
});

Deno.test("a missing or unknown column, a short row, a repeated run or an empty file is named", () => {
  const noY = problems("# note\nmethod,setting,x_general_alignment,degenerate\nnaive,no proxy,64.5,0\n");
  assert.match(noY, /line 2 \(header\), field y_task: missing column/);
  assert.doesNotMatch(noY, /line 3/); // rows under a bad header are not checked
  assert.match(
    problems(header.trim() + ",seeds\nnaive,,1,2,0,1\n"),
    /line 1 \(header\), field seeds: unknown column/,
  );
  assert.match(problems(header + "naive,no proxy,64.5,0\n"), /line 2: expected 5 fields, got 4/);
  assert.match(
    problems(header + "kl,beta 1,44.7,90.3,0\nkl,beta 1,44.7,90.3,0\n"),
    /line 3, field setting: "kl beta 1" already appears on line 2/,
  );
  assert.match(problems("# only comments\n"), /no header line/);
  assert.match(problems(header), /no runs after the header/);
});

Deno.test("a missing file is named", async () => {
  await assert.rejects(
    loadPostPareto("no/such/post.csv"),
    /Cannot read no\/such\/post\.csv:\n {2}- \(file\): no such file/,
  );
});
