// The scorecard: each method at its operating point (the most aligned honest point that keeps the task), with
// its criteria over the bases.
import assert from "node:assert/strict";
import { benchmark } from "../lib/eval/benchmark.ts";
import type { PointRun, PointSpec } from "../lib/eval/points.ts";

const spec = (id: string, strategy: string, label = strategy): PointSpec => ({
  id,
  strategy,
  label,
  params: {},
  swept: {},
});
const points = [
  spec("naive", "task-only"),
  spec("kl-1", "kl"),
  spec("kl-10", "kl"),
  spec("kl-100", "kl"),
  spec("ewc-1", "ewc"),
  spec("ewc-2", "ewc"),
];
// Bases start at task 0.1, alignment 0.9; the naive fine-tune reaches task 0.92 over the bases (gain 0.82: the
// floor that keeps 90% of it is 0.1 + 0.738 = 0.838). Each base shifts task by +0.01 and alignment by −0.01.
const at: Record<string, [number, number]> = {
  "naive": [0.9, 0.2],
  "kl-1": [0.88, 0.5],
  "kl-10": [0.84, 0.7],
  "kl-100": [0.5, 0.85], // the most aligned, but below the task floor
  "ewc-1": [0.7, 0.6], // no EWC point keeps the task: its point with the most task is scored
  "ewc-2": [0.6, 0.8],
};
type Run = PointRun & { coherence: number };
const runs: Run[] = [1, 2, 3].flatMap((base) =>
  Object.entries(at).map(([point, [task, alignment]]) => ({
    point,
    base,
    seed: 1,
    diverged: false,
    task: task + 0.01 * base,
    alignment: alignment - 0.01 * base,
    breakdown: {},
    coherence: point === "kl-10" ? 0.9 + 0.02 * base : 1,
  }))
);
const bases = [1, 2, 3].map((base) => ({ base, task: 0.1, alignment: 0.9 }));

Deno.test("the scorecard scores each method at its most aligned point that keeps the task, else its most task", () => {
  const card = benchmark(points, runs, bases, {
    criteria: { coherence: { label: "coherence", of: (r) => r.coherence } },
  }).scorecard;
  assert.ok(Math.abs(card.taskFloor - (0.1 + 0.9 * 0.82)) < 1e-9, `floor ${card.taskFloor}`);
  assert.deepEqual(card.rows.map((r) => [r.method, r.point, r.keepsTask]), [
    ["task-only", "naive", true],
    ["kl", "kl-10", true],
    ["ewc", "ewc-1", false],
  ]);
  const kl = card.rows[1]!;
  assert.ok(Math.abs(kl.disposition.mean - 0.68) < 1e-9 && Math.abs(kl.task.mean - 0.86) < 1e-9);
  assert.ok(Math.abs(kl.coherence!.mean - 0.94) < 1e-9, "the criterion's mean over bases");
  assert.ok(kl.coherence!.low < 0.94 && kl.coherence!.high > 0.94, "with its interval");
  assert.equal(kl.capability, null, "a criterion the setting does not measure");
  assert.equal(card.capability, null);
  assert.equal(card.coherence, "coherence");
});

Deno.test("a point that is not honest is never a method's operating point", () => {
  const card = benchmark(points, runs, bases, { degenerate: ["kl-10"] }).scorecard;
  assert.equal(card.rows.find((r) => r.method === "kl")!.point, "kl-1");
  const none = benchmark(points, runs, bases, { degenerate: ["ewc-1", "ewc-2"] }).scorecard;
  assert.equal(none.rows.find((r) => r.method === "ewc"), undefined, "no honest point: no row");
});
