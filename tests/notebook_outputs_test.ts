// The checker that the notebook tests apply to every executed notebook can fail: it counts what a cell
// shows, and reports a lost output or an error.
import assert from "node:assert/strict";
import {
  type ExecutedCell,
  expectedOutputs,
  outputProblems,
  shownItems,
} from "../lib/cli/notebook_outputs.ts";

Deno.test("shownItems counts the top-level items of every plot.show call", () => {
  assert.equal(shownItems("await plot.show(heatmap);"), 1);
  assert.equal(
    shownItems('await plot.show(pareto, plot.pointsTable(summary, { task: "a", b: [1, 2] }));'),
    2,
  );
  assert.equal(shownItems("await plot.show(`a, ${b(1, 2)}, c`, 'd, e', x);"), 3);
  assert.equal(shownItems("await plot.show(a);\nawait plot.show(b, c);"), 3);
  assert.equal(shownItems("console.log(1, 2);"), 0);
  assert.equal(shownItems("await plot.show(\n  plot.table(a, b),\n);"), 1); // a trailing comma adds nothing
  assert.equal(shownItems("await plot.show();"), 0);
  assert.equal(
    expectedOutputs("const r = await sg.runExperiment(sg.toy, config);\nawait plot.show(`done`);"),
    2,
  );
});

const cell = (source: string, outputs: string[]): ExecutedCell => ({
  cell_type: "code",
  source,
  outputs: outputs.map((output_type) => ({ output_type })),
});

Deno.test("outputProblems reports a cell that lost an output, and errors", () => {
  assert.deepEqual(outputProblems([cell("await plot.show(a, b);", ["display_data", "display_data"])]), []);
  assert.deepEqual(outputProblems([cell("await plot.show(a, b);", ["display_data"])]), [
    "cell 0: 1 outputs, want at least 2",
  ]);
  assert.deepEqual(
    outputProblems([{ ...cell("x;", []), outputs: [{ output_type: "error", ename: "E", evalue: "v" }] }]),
    [
      "cell 0: E: v",
    ],
  );
  assert.deepEqual(outputProblems([{ cell_type: "markdown", source: "plot.show(a)" }]), []);
});
