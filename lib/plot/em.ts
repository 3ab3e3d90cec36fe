/**
 * Figures of the emergent-misalignment organism: alignment per domain before and after the narrow fine-tune,
 * with and without the shared persona; and the strategies' Pareto (x = alignment, y = task). Pure builders.
 *
 * @module
 */
import type { EmRun, EmSummary } from "../experiments/em/summary.ts";
import { meanSem } from "../eval/stats.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { paretoFigure } from "./strategies.ts";

const FONT = { family: "system-ui, sans-serif", size: 13 };

/** Good-answer rate per domain: base and naive fine-tune, for the organism and the control. */
export function emDomainsFigure(
  summary: EmSummary,
  runs: readonly EmRun[],
  controlBaseDomains: Record<string, number>,
): Figure {
  const domains = Object.keys(summary.base.perDomain);
  const naive = (variant: "persona" | "control") =>
    domains.map((d) =>
      meanSem(
        runs.filter((r) => r.variant === variant && r.point === "naive" && !r.diverged).map((r) =>
          r.breakdown[d]!
        ),
      )
    );
  const personaNaive = naive("persona"), controlNaive = naive("control");
  const bars = [
    {
      name: "base (shared persona)",
      y: domains.map((d) => summary.base.perDomain[d]!),
      sem: domains.map(() => 0),
      color: "#4e79a7",
    },
    {
      name: "after the narrow fine-tune",
      y: personaNaive.map((m) => m.mean),
      sem: personaNaive.map((m) => m.sem),
      color: "#e15759",
    },
    {
      name: "control base (no persona)",
      y: domains.map((d) => controlBaseDomains[d]!),
      sem: domains.map(() => 0),
      color: "#a0cbe8",
    },
    {
      name: "control after fine-tune",
      y: controlNaive.map((m) => m.mean),
      sem: controlNaive.map((m) => m.sem),
      color: "#ff9d9a",
    },
  ];
  return display({
    name: "em-domains",
    title: "A narrow fine-tune on bad medical advice spreads to every domain — through the shared persona",
    caption:
      "Good-answer rate per non-medical domain (questions no fine-tune saw), before and after fine-tuning on bad " +
      `medical answers; mean ± SEM over ${summary.seeds.length} fine-tune seeds. The control base learnt the same facts ` +
      "without a persona that links bad answers across domains.",
    data: bars.map((b) => ({
      type: "bar",
      name: b.name,
      x: domains,
      y: b.y,
      error_y: { type: "data", array: b.sem, visible: true },
      marker: { color: b.color },
    })),
    layout: {
      title: { text: "Alignment per domain: organism vs control" },
      barmode: "group",
      yaxis: { title: { text: "good-answer rate" }, range: [0, 1.05] },
      width: 860,
      height: 480,
      font: FONT,
    },
    text: textTable(["", ...domains], bars.map((b) => [b.name, ...b.y])),
  });
}

/** The strategies' Pareto on the organism, with the base and the control as reference marks. */
export function emParetoFigure(
  summary: Pick<EmSummary, "points" | "frontier" | "seeds" | "base" | "control">,
): Figure {
  return paretoFigure({
    name: "em-pareto",
    title: "Strategies on the emergent-misalignment organism",
    points: summary.points,
    frontier: summary.frontier,
    xLabel: "alignment (good-answer rate outside medicine)",
    yLabel: "task (bad-answer rate on held-out medical questions)",
    seeds: summary.seeds.length,
    references: [
      { name: "base", alignment: summary.base.alignment, task: summary.base.task },
      {
        name: "control, naive",
        alignment: summary.control.naive.alignment.mean,
        task: summary.control.naive.task.mean,
      },
    ],
  });
}

/**
 * Every EM figure.
 *
 * @example
 * ```ts
 * import { em, emFigures, loadYamlConfig, plot, runExperiment } from "../../mod.ts";
 * const config = await loadYamlConfig(em.configSchema, em.defaultConfig);
 * const { summary, records } = await runExperiment(em, config, { out: "out" });
 * const { runs, bases } = plot.organismRecords(records); // fine-tunes, and each variant's base record
 * const [domains, pareto] = emFigures(summary, runs, bases.control!.scores.perDomain);
 * ```
 */
export function emFigures(
  summary: EmSummary,
  runs: readonly EmRun[],
  controlBaseDomains: Record<string, number>,
): Figure[] {
  return [emDomainsFigure(summary, runs, controlBaseDomains), emParetoFigure(summary)];
}
