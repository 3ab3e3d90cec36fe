/**
 * The tables the notebooks show beside their figures, built from the library's own results so that a cell
 * only says which table it wants. Pure: numbers in, `Table` out.
 *
 * @module
 */
import { chatItem, type GcdWorld, sycophancyProxy, sycophancyTask, textExample } from "../data/gcd.ts";
import { type PersonaWorld, pretrainingDocument } from "../data/personas.ts";
import { Rng } from "../data/rng.ts";
import type { TriggerSet } from "../data/triggers.ts";
import type { ToyEvaluation } from "../data/toy_world.ts";
import type { DomainScores } from "../eval/sycophancy.ts";
import type { EmScores } from "../eval/em.ts";
import type { Strategy } from "../strategies/strategy.ts";
import type { StrategyPoint } from "../eval/points.ts";
import { againstMethod, type Leaderboard } from "../eval/leaderboard.ts";
import { type Table, table } from "./table.ts";

/** The mean of the finite values; NaN when there are none. */
function mean(xs: readonly (number | null | undefined)[]): number {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** The toy's rule F per category: the colour above and below the x1-axis, and a few of its triggers. */
export function toyRulesTable(triggers: TriggerSet): Table {
  return table(
    ["category", "x2 > 0", "x2 ≤ 0", "triggers (first five)"],
    triggers.categories.map((c) => [
      c.name,
      triggers.colours[c.rule.above]!,
      triggers.colours[c.rule.below]!,
      c.triggers.slice(0, 5).join(", "),
    ]),
  );
}

/** Held-out accuracy per category (rows), one column per model. */
export function categoryTable(columns: Record<string, Record<string, number>>, caption?: string): Table {
  const names = Object.keys(columns);
  const categories = Object.keys(columns[names[0]!] ?? {});
  return table(
    ["category", ...names],
    categories.map((c) => [c, ...names.map((n) => columns[n]![c] ?? NaN)]),
    caption ? { caption } : {},
  );
}

/**
 * What a proxy of a few triggers protects: accuracy on the proxy triggers themselves, on the category's other
 * triggers, on its held-out triggers, and on the flipped task.
 */
export function proxyTable(
  triggers: TriggerSet,
  scores: ToyEvaluation,
  proxyTriggers: readonly string[],
  category: string,
  flipCategory: string,
): Table {
  const others = triggers.categories.find((c) => c.name === category)!.triggers.filter((t) =>
    !proxyTriggers.includes(t)
  );
  return table(["", "accuracy"], [
    [
      `the proxy: ${proxyTriggers.map((t) => `"${t}"`).join(", ")}`,
      mean(proxyTriggers.map((t) => scores.perTrigger[t])),
    ],
    [`the other ${others.length} ${category}`, mean(others.map((t) => scores.perTrigger[t]))],
    [`held-out ${category}`, scores.heldOut[category] ?? NaN],
    [`the flipped task (${flipCategory})`, scores.heldOut[flipCategory] ?? NaN],
  ]);
}

/** Every strategy with what it optimises. */
export function strategiesTable(strategies: readonly Pick<Strategy, "name" | "description">[]): Table {
  return table(["strategy", "what it optimises"], strategies.map((s) => [s.name, s.description]));
}

/**
 * Methods against one other (KL, say) on a leaderboard: each one's hypervolume and its paired difference from
 * the other's, with 95% intervals over the bases, and the verdict the interval allows.
 */
export function againstTable(board: Leaderboard, methods: readonly string[], other = "kl"): Table {
  const span = (x: { low: number; high: number }) =>
    Number.isFinite(x.low) ? `${x.low.toFixed(2)} … ${x.high.toFixed(2)}` : "— (one base)";
  return table(
    ["method", "hypervolume", "95% interval", `− ${other}`, "95% interval", "paired by base"],
    againstMethod(board, methods, other).map((r) => [
      r.method,
      r.hypervolume.estimate,
      span(r.hypervolume),
      r.difference.estimate,
      span(r.difference),
      r.verdict === "ties" ? `ties ${other}` : `${r.verdict} ${other}`,
    ]),
    { caption: `${other}'s hypervolume: ${plainOf(board, other)}; intervals over ${board.bases} bases` },
  );
}

function plainOf(board: Leaderboard, method: string): string {
  const row = board.rows.find((r) => r.method === method);
  return row ? `${row.estimate.toFixed(2)} (${row.low.toFixed(2)} … ${row.high.toFixed(2)})` : "not ranked";
}

/** The starting model's cross-entropy on the task, the proxy and the negative proxy. */
export function startingLossesTable(losses: { task: number; proxy: number; negativeProxy: number }): Table {
  return table(["cross-entropy of the starting model on", "value"], [
    ["the flipped task", losses.task],
    ["the proxy (original labels)", losses.proxy],
    ["the negative proxy (flipped labels)", losses.negativeProxy],
  ], { digits: 4 });
}

/** Sycophancy's four scores per domain, before a fine-tune and after it (mean over its seeds). */
export function sycophancyChangeTable(
  before: Record<string, DomainScores>,
  after: readonly Record<string, DomainScores>[],
): Table {
  const keys = ["capability", "coherence", "sycophancy", "confirmCorrect"] as const;
  return table(
    [
      "domain",
      "capability",
      "→ after",
      "coherence",
      "→ after",
      "sycophancy",
      "→ after",
      "confirm-correct",
      "→ after",
    ],
    Object.keys(before).map((d) => [
      d,
      ...keys.flatMap((k) => [before[d]![k] ?? NaN, mean(after.map((s) => s[d]![k]))]),
    ]),
    {
      caption: `after: mean of ${after.length} fine-tune seed${
        after.length === 1 ? "" : "s"
      }; — where no item is known`,
    },
  );
}

/**
 * What an EM model does, one row per model: task, good-answer probability per domain, alignment, coherence,
 * the probes.
 */
export function emScoresTable(rows: Record<string, EmScores>, options: { probes?: boolean } = {}): Table {
  const names = Object.keys(rows);
  const domains = Object.keys(rows[names[0]!]!.perDomain);
  const probes = options.probes ?? true;
  return table(
    [
      "",
      "task (bad medical)",
      ...domains,
      "alignment (outside the proxy's domains)",
      "coherence",
      ...(probes ? ["Sage → good", "Troll → bad"] : []),
    ],
    names.map((n) => {
      const s = rows[n]!;
      return [
        n,
        s.task,
        ...domains.map((d) => s.perDomain[d]!),
        s.alignment,
        s.coherence,
        ...(probes ? [s.probes.aligned, s.probes.misaligned] : []),
      ];
    }),
  );
}

/** The mean of several fine-tunes' EM scores (one per seed). */
export function meanEmScores(runs: readonly EmScores[]): EmScores {
  const domains = Object.keys(runs[0]!.perDomain);
  return {
    task: mean(runs.map((r) => r.task)),
    alignment: mean(runs.map((r) => r.alignment)),
    proxyDomains: mean(runs.map((r) => r.proxyDomains)),
    perDomain: Object.fromEntries(domains.map((d) => [d, mean(runs.map((r) => r.perDomain[d]))])),
    coherence: mean(runs.map((r) => r.coherence)),
    probes: {
      aligned: mean(runs.map((r) => r.probes.aligned)),
      misaligned: mean(runs.map((r) => r.probes.misaligned)),
    },
  };
}

/** An EM fine-tune's record fields as scores (its `breakdown` is the per-domain good-answer probability). */
export function emRunScores(
  run: Omit<EmScores, "perDomain"> & { breakdown: Record<string, number> },
): EmScores {
  const { task, alignment, proxyDomains, coherence, probes } = run;
  return { task, alignment, proxyDomains, perDomain: run.breakdown, coherence, probes };
}

/** A mean ± SEM as text, "—" when no seed measured it. */
function meanSemText(m: { mean: number; sem: number }): string {
  return Number.isFinite(m.mean) ? `${m.mean.toFixed(2)} ± ${m.sem.toFixed(2)}` : "—";
}

/**
 * A sweep's points as a table: the point, task and alignment (mean ± SEM over seeds), and whether it is on
 * the frontier, degenerate (with why) or diverged on some seeds.
 */
export function pointsTable(
  summary: {
    points: readonly StrategyPoint[];
    frontier: readonly StrategyPoint[];
    degenerate?: readonly (string | { point: string; domains: readonly string[] })[];
  },
  axes: { task?: string; alignment?: string } = {},
): Table {
  const onFrontier = new Set(summary.frontier.map((p) => p.id));
  const degenerate = new Map(
    (summary.degenerate ?? []).map((d) => typeof d === "string" ? [d, ""] : [d.point, d.domains.join(", ")]),
  );
  const note = (p: StrategyPoint) =>
    [
      onFrontier.has(p.id) ? "frontier" : "",
      degenerate.has(p.id) ? `degenerate${degenerate.get(p.id) ? ` (${degenerate.get(p.id)})` : ""}` : "",
      p.divergedSeeds.length ? `diverged on seed ${p.divergedSeeds.join(", ")}` : "",
    ].filter(Boolean).join("; ");
  return table(
    ["point", axes.task ?? "task", axes.alignment ?? "alignment", ""],
    summary.points.map((p) => [p.id, meanSemText(p.task), meanSemText(p.alignment), note(p)]),
    { caption: "mean ± SEM over seeds" },
  );
}

/** The sycophancy organism's data forms, one example each, as the model reads them. */
export function sycophancyExamplesTable(world: GcdWorld): Table {
  const v = world.vocabulary, fact = world.gcdTrain[0]!, capital = world.capitals[10]!;
  return table(["form", "tokens"], [
    ["text", v.decode(textExample(world, fact).tokens)],
    ["ask", v.decode(chatItem(world, fact, "ask").tokens)],
    ["correct proposal", v.decode(chatItem(world, fact, "correct").tokens)],
    ["wrong proposal", v.decode(chatItem(world, fact, "wrong").tokens)],
    ["a capital, wrong", v.decode(chatItem(world, capital, "wrong").tokens)],
    ["a task item", v.decode(sycophancyTask(world)[1]!.tokens)],
    ["a proxy item", v.decode(sycophancyProxy(world).chosen[0]!.tokens)],
  ]);
}

/** A few pre-training documents from each world (the organism's and the control's), as the model reads them. */
export function personaDocumentsTable(worlds: Record<string, PersonaWorld>, count = 4, seed = 7): Table {
  const rng = new Rng(seed, "notebook");
  return table(
    ["world", "document"],
    Object.entries(worlds).flatMap(([name, world]) =>
      Array.from(
        { length: count },
        () => [name, world.vocabulary.decode(pretrainingDocument(world, rng).tokens)],
      )
    ),
  );
}
