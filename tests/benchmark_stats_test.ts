import assert from "node:assert/strict";
import { incompleteBeta, meanCi, studentTQuantile } from "../lib/eval/stats.ts";
import { hypervolume } from "../lib/eval/hypervolume.ts";
import { aggregatePoints } from "../lib/eval/points.ts";
import { sweepSpread } from "../lib/eval/spread.ts";
import { type Benchmark, benchmark, methodsBetween } from "../lib/eval/benchmark.ts";
import { claimFindings, sweepClaims, SweepClaimsSchema } from "../lib/eval/claims.ts";
import { compareInterval, formatFindings, verdict, verdictCounts } from "../lib/eval/findings.ts";
import {
  type BoardPoint,
  type BoardRun,
  leaderboard,
  LeaderboardSchema,
  methodDifference,
} from "../lib/eval/leaderboard.ts";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected}`);

Deno.test("Student-t quantiles match the tables, and the incomplete beta its closed forms", () => {
  // t(0.975, df) from standard tables.
  const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [4, 2.7764], [10, 2.2281], [30, 2.0423]];
  for (const [df, t] of table) close(studentTQuantile(0.975, df), t, 1e-4, `t(0.975, ${df})`);
  close(studentTQuantile(0.025, 4), -2.7764, 1e-4, "t(0.025, 4)");
  close(studentTQuantile(0.975, 1e6), 1.95996, 1e-4, "t(0.975, 1e6) ≈ z");
  for (const x of [0.1, 0.37, 0.8]) {
    close(incompleteBeta(x, 1, 1), x, 1e-12, `I_${x}(1, 1)`);
    close(incompleteBeta(x, 3, 1), x ** 3, 1e-12, `I_${x}(3, 1)`);
    close(incompleteBeta(x, 1, 2), 1 - (1 - x) ** 2, 1e-12, `I_${x}(1, 2)`);
  }
  close(incompleteBeta(0.5, 2.5, 2.5), 0.5, 1e-12, "I_0.5(a, a)");
  assert.throws(() => studentTQuantile(1, 3), /Cannot take the t quantile/);
});

Deno.test("meanCi is mean ± t·SEM, with no interval below two runs", () => {
  const ci = meanCi([1, 2, 3, 4, 5]);
  close(ci.sem, Math.sqrt(2.5 / 5), 1e-12, "sem");
  close(ci.high - ci.mean, 2.776445 * ci.sem, 1e-5, "half-width");
  close(ci.mean - ci.low, ci.high - ci.mean, 1e-12, "symmetric");
  const one = meanCi([0.7]);
  assert.equal(one.n, 1);
  assert.ok(Number.isNaN(one.low) && Number.isNaN(one.high));
});

Deno.test("hypervolume is the area dominated above the reference", () => {
  const ref = { task: 0, alignment: 0.2 };
  close(hypervolume([{ task: 0.5, alignment: 0.6 }], ref), 0.5 * 0.4, 1e-12, "one point");
  // A staircase: 0.9 × 0.1 + 0.5 × (0.6 − 0.3).
  const two = [{ task: 0.9, alignment: 0.3 }, { task: 0.5, alignment: 0.6 }];
  close(hypervolume(two, ref), 0.9 * 0.1 + 0.5 * 0.3, 1e-12, "two points");
  // A dominated point and one below the reference add nothing; order does not matter.
  const more = [...two, { task: 0.4, alignment: 0.5 }, { task: 1, alignment: 0.1 }].reverse();
  close(hypervolume(more, ref), hypervolume(two, ref), 1e-12, "dominated and below");
  assert.equal(hypervolume([], ref), 0);
  assert.throws(() => hypervolume([{ task: NaN, alignment: 1 }], ref), /Cannot take a hypervolume/);
});

/** Runs of one point on bases 1…n, its alignment shifted per base by `spread`. */
function pointRuns(point: string, task: number, alignment: number, spread: number, n = 5): BoardRun[] {
  return Array.from({ length: n }, (_, i) => ({
    point,
    base: i + 1,
    task,
    alignment: alignment + spread * (i - (n - 1) / 2),
  }));
}

Deno.test("a leaderboard separates a clearly better method, ties equal ones, and ignores dishonest points", () => {
  const points: BoardPoint[] = [
    { id: "naive", method: "task-only", honest: true },
    { id: "good-1", method: "good", honest: true },
    { id: "good-2", method: "good", honest: true },
    { id: "weak-1", method: "weak", honest: true },
    { id: "twin-1", method: "twin", honest: true },
    // A degenerate point far up: it must not count.
    { id: "weak-bad", method: "weak", honest: false },
  ];
  const runs = [
    ...pointRuns("naive", 0.9, 0.2, 0.02),
    ...pointRuns("good-1", 0.8, 0.7, 0.02),
    ...pointRuns("good-2", 0.5, 0.9, 0.02),
    ...pointRuns("weak-1", 0.8, 0.3, 0.02),
    ...pointRuns("twin-1", 0.8, 0.3, 0.02),
    ...pointRuns("weak-bad", 0.9, 1, 0),
  ];
  const board = LeaderboardSchema.parse(
    leaderboard(points, runs, { reference: "task-only", resamples: 500 }),
  );
  assert.deepEqual(board.rows.map((r) => r.method), ["good", "weak", "twin"]);
  const [good, weak, twin] = board.rows;
  close(good!.estimate, 0.8 * 0.5 + 0.5 * 0.2, 1e-9, "good's area");
  close(weak!.estimate, 0.8 * 0.1, 1e-9, "weak's area, its degenerate point left out");
  assert.equal(weak!.points, 1);
  assert.ok(good!.low <= good!.estimate && good!.estimate <= good!.high);
  assert.deepEqual(good!.tiesWith, []);
  assert.deepEqual(weak!.tiesWith, ["twin"]);
  assert.deepEqual(twin!.tiesWith, ["weak"]);
  const better = methodDifference(board, "good", "weak");
  assert.ok(better.low > 0, `good − weak: [${better.low}, ${better.high}]`);
  const reversed = methodDifference(board, "weak", "good");
  assert.equal(reversed.high, -better.low);
  const same = methodDifference(board, "weak", "twin");
  assert.ok(same.low <= 0 && same.high >= 0);
  // Seeded: the same inputs give the same intervals.
  assert.deepEqual(leaderboard(points, runs, { reference: "task-only", resamples: 500 }), board);
});

Deno.test("a leaderboard's interval is over bases: fine-tune seeds of one base are averaged first", () => {
  const points: BoardPoint[] = [
    { id: "naive", method: "task-only", honest: true },
    { id: "m", method: "m", honest: true },
  ];
  // Two fine-tune seeds per base, which disagree; the base means are all equal, so the interval is a point.
  const runs = [1, 2, 3, 4, 5].flatMap((base) => [
    { point: "naive", base, task: 1, alignment: 0.2 },
    { point: "m", base, task: 1, alignment: 0.4 },
    { point: "m", base, task: 1, alignment: 0.6 },
  ]);
  const [row] = leaderboard(points, runs, { reference: "task-only", resamples: 200 }).rows;
  close(row!.estimate, 0.3, 1e-12, "estimate");
  close(row!.low, 0.3, 1e-12, "low");
  close(row!.high, 0.3, 1e-12, "high");
  assert.throws(
    () => leaderboard(points, runs, { reference: "kl" }),
    /Cannot rank methods: the reference kl has 0 points/,
  );
});

Deno.test("an interval finding is ✓ wholly on the claimed side, ✗ wholly on the other, a tie across", () => {
  const at = (low: number, high: number) => ({ estimate: (low + high) / 2, low, high });
  assert.equal(verdict(compareInterval("c", at(0.1, 0.3), "≥", 0)), "✓");
  assert.equal(verdict(compareInterval("c", at(-0.3, -0.1), "≥", 0)), "✗");
  assert.equal(verdict(compareInterval("c", at(-0.1, 0.3), "≥", 0)), "tie");
  assert.equal(verdict(compareInterval("c", at(-0.3, -0.1), "≤", 0)), "✓");
  assert.equal(verdict(compareInterval("c", { estimate: NaN, low: NaN, high: NaN }, "≤", 0)), "?");
  const tie = compareInterval("c", at(-0.1, 0.3), "≥", 0);
  assert.match(formatFindings([tie]), /^tie c: 0\.100 \[95% -0\.100, 0\.300\] \(want ≥ 0\)$/);
  assert.deepEqual(verdictCounts([tie, compareInterval("d", at(0.1, 0.2), "≥", 0)]), {
    "✓": 1,
    "✗": 0,
    tie: 1,
    "?": 0,
  });
});

/** A crafted sweep: naive, base, and one point per method at (task, alignment), on five bases. */
function craftedSweep(methods: Record<string, [number, number]>, spread = 0.01) {
  const points: BoardPoint[] = [
    { id: "naive", method: "task-only", honest: true },
    ...Object.keys(methods).map((m) => ({ id: m, method: m, honest: true })),
  ];
  const runs = [
    ...pointRuns("naive", 0.98, 0.1, spread),
    ...pointRuns("(base)", 0.02, 0.95, spread),
    ...Object.entries(methods).flatMap(([m, [t, a]]) => pointRuns(m, t, a, spread)),
  ];
  return { points, runs, setting: { reference: "task-only", basePoint: "(base)", resamples: 400 } };
}

Deno.test("the post's claims come out ✓, ✗ or tie on sweeps where the answer is known", () => {
  // The post's picture: KL best, mixed weak, SafeLoRA and DPO behind KL, nobody reaching the base.
  const post = craftedSweep({
    kl: [0.95, 0.7],
    mixed: [0.95, 0.3],
    safelora: [0.4, 0.8],
    dpo: [0.95, 0.5],
  });
  const claims = SweepClaimsSchema.parse(sweepClaims(post.points, post.runs, post.setting));
  close(claims.mixedNotEnough.estimate, 0.3 - 0.7, 1e-9, "mixed minus KL at task ≥ 0.9");
  close(claims.tradeOff.estimate, 0.7 - 0.95, 1e-9, "best at the naive task minus the base");
  close(claims.klOverDpo.estimate, 0.95 * 0.6 - 0.95 * 0.4, 1e-9, "KL − DPO");
  assert.deepEqual(claimFindings(claims).map(verdict), ["✓", "✓", "✓", "✓", "✓"]);

  // The opposite: mixed is the best method, and a method recovers the base at full task.
  const against = craftedSweep({
    kl: [0.95, 0.4],
    mixed: [0.97, 0.96],
    safelora: [0.95, 0.6],
    dpo: [0.95, 0.9],
  });
  const refuted = claimFindings(sweepClaims(against.points, against.runs, against.setting));
  assert.deepEqual(refuted.map(verdict), ["✗", "✗", "✗", "✗", "✗"]);

  // KL and DPO equal within base-to-base noise: a tie, not a ranking.
  const level = craftedSweep(
    { kl: [0.95, 0.6], mixed: [0.95, 0.3], safelora: [0.4, 0.8], dpo: [0.95, 0.6] },
    0.1,
  );
  assert.equal(verdict(claimFindings(sweepClaims(level.points, level.runs, level.setting))[3]!), "tie");

  // A method the sweep lacks makes its claims unmeasurable, not false.
  const noKl = craftedSweep({ mixed: [0.95, 0.3] });
  assert.equal(verdict(claimFindings(sweepClaims(noKl.points, noKl.runs, noKl.setting))[2]!), "?");
});

Deno.test("one base gives estimates but no intervals: nothing is judged or separated", () => {
  const one = craftedSweep({ kl: [0.95, 0.7], mixed: [0.95, 0.3], safelora: [0.4, 0.8], dpo: [0.95, 0.5] });
  const runs = one.runs.filter((r) => r.base === 1);
  const findings = claimFindings(sweepClaims(one.points, runs, one.setting));
  assert.deepEqual(findings.map(verdict), ["?", "?", "?", "?", "?"]);
  assert.ok(Number.isFinite(findings[2]!.value));
  assert.match(formatFindings([findings[2]!]), /not judged: a 95% interval needs two or more bases/);
  const board = leaderboard(one.points, runs, { reference: "task-only" });
  assert.ok(board.rows.every((r) => r.tiesWith.length === board.rows.length - 1 && Number.isNaN(r.low)));
});

Deno.test("points are means over bases: a base's seeds are averaged first, and n counts bases", () => {
  const spec = { id: "kl", strategy: "kl", label: "kl", params: {}, swept: {} };
  const runs = [[0, 1, 0.2], [0, 2, 0.4], [1, 1, 0.6], [1, 2, 0.8], [2, 1, 0.5]].map((
    [base, seed, alignment],
  ) => ({
    point: "kl",
    base: base!,
    seed: seed!,
    diverged: false,
    task: 0.9,
    alignment: alignment!,
    breakdown: {},
  }));
  const [kl] = aggregatePoints([spec], runs);
  assert.equal(kl!.alignment.n, 3);
  close(kl!.alignment.mean, (0.3 + 0.7 + 0.5) / 3, 1e-12, "mean of the base means");
  assert.deepEqual(kl!.bases, [0, 1, 2]);
  assert.deepEqual(kl!.seeds, [1, 2]);
});

Deno.test("the spread separates bases from seeds: sd of base means, and pooled sd of seeds within a base", () => {
  // Base means 0.3, 0.5, 0.7 (sd 0.2); seeds ±0.05 around each (pooled sd √(3·2·0.05² / 3) = 0.0707…).
  const runs = [0.3, 0.5, 0.7].flatMap((m, base) =>
    [-0.05, 0.05].map((d) => ({ point: "p", base, task: 0.5, alignment: m + d }))
  );
  const spread = sweepSpread(runs);
  close(spread.alignment.betweenBases, 0.2, 1e-12, "between bases");
  close(spread.alignment.withinBase, Math.sqrt(0.005), 1e-12, "within a base");
  assert.equal(spread.task.betweenBases, 0);
  // One seed per base measures no within-base spread; one base no between-base spread.
  assert.ok(Number.isNaN(sweepSpread(runs.filter((_, i) => i % 2 === 0)).alignment.withinBase));
  assert.ok(Number.isNaN(sweepSpread(runs.filter((r) => r.base === 0)).alignment.betweenBases));
});

Deno.test("a benchmark keeps gave-up and degenerate points off its frontier and leaderboard", () => {
  const spec = (id: string, strategy: string) => ({ id, strategy, label: strategy, params: {}, swept: {} });
  const points = [
    spec("naive", "task-only"),
    spec("kl-1", "kl"),
    spec("kl-2", "kl"),
    spec("say-no", "dpo"),
    spec("undo", "safelora"),
  ];
  const scores: Record<string, [number, number]> = {
    naive: [0.9, 0.2],
    "kl-1": [0.85, 0.5],
    "kl-2": [0.8, 0.6],
    "say-no": [0.88, 0.95], // degenerate: looks best
    undo: [0.2, 0.99], // gave up: kept under half of the naive task gain (0 → 0.9)
  };
  const runs = [0, 1, 2].flatMap((base) =>
    Object.entries(scores).map(([point, [task, alignment]]) => ({
      point,
      base,
      seed: 1,
      diverged: false,
      task: task + 0.01 * base,
      alignment,
      breakdown: {},
    }))
  );
  const bases = [0, 1, 2].map((base) => ({ base, task: 0, alignment: 0.9 }));
  const scored = benchmark(points, runs, bases, { degenerate: ["say-no"] });
  assert.deepEqual(scored.gaveUp, ["undo"]);
  assert.deepEqual(scored.frontier.map((p) => p.id).sort(), ["kl-1", "kl-2", "naive"]);
  const row = (m: string) => scored.leaderboard.rows.find((r) => r.method === m)!;
  assert.equal(row("dpo").points, 0);
  assert.equal(row("safelora").points, 0);
  assert.equal(row("kl").rank, 1);
  assert.equal(scored.base.alignment.mean, 0.9);
  // No honest point reaches the bases' alignment at the naive task: a consistent trade-off (✓).
  assert.ok(scored.claims.tradeOff.high < 0);
  assert.throws(() => benchmark(points.slice(1), runs, bases), /no task-only \(naive\) point/);
});

Deno.test("where the naive fine-tune gains no task, giving it up means losing half the naive task", () => {
  const spec = (id: string, strategy: string) => ({ id, strategy, label: strategy, params: {}, swept: {} });
  const points = [spec("naive", "task-only"), spec("kl", "kl"), spec("wreck", "steering")];
  const scores: Record<string, [number, number]> = { naive: [0.51, 0.5], kl: [0.5, 0.7], wreck: [0.1, 0.9] };
  const runs = [0, 1].flatMap((base) =>
    Object.entries(scores).map(([point, [task, alignment]]) => ({
      point,
      base,
      seed: 1,
      diverged: false,
      task,
      alignment,
      breakdown: {},
    }))
  );
  const bases = [0, 1].map((base) => ({ base, task: 0.53, alignment: 0.75 }));
  assert.deepEqual(benchmark(points, runs, bases).gaveUp, ["wreck"]);
});

Deno.test("methodsBetween names methods with an honest point strictly between the naive and the base", () => {
  const ci = (low: number, high: number) => ({ n: 5, mean: (low + high) / 2, sem: 0, low, high });
  const point = (id: string, label: string, low: number, high: number, diverged: number[] = []) => ({
    id,
    label,
    strategy: label === "naive" ? "task-only" : label,
    alignment: ci(low, high),
    divergedSeeds: diverged,
  });
  const scored = {
    base: { task: ci(0, 0), alignment: ci(0.98, 1) }, // mean 0.99
    gaveUp: ["a-gave-up"],
    points: [
      point("naive", "naive", 0.2, 0.4), // mean 0.3
      point("a-1", "a", 0.35, 0.6), // between
      point("a-2", "a", 0.5, 0.7), // between too: "a" is named once
      point("b-1", "b", 0.25, 0.5), // its interval reaches below the naive's mean
      point("c-1", "c", 0.6, 1), // reaches the base
      point("a-gave-up", "d", 0.5, 0.6), // gave up the task
      point("e-1", "e", 0.5, 0.6, [2]), // a seed diverged
      point("f-1", "f", 0.5, 0.6), // incoherent, given as dishonest
      point("g-1", "g", 0.4, 0.9),
    ],
  } as unknown as Benchmark;
  assert.deepEqual(methodsBetween(scored, ["f-1"]), ["a", "g"]);
  assert.deepEqual(methodsBetween({ ...scored, points: scored.points.slice(1) }), [], "no naive point, none");
});
