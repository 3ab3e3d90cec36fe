/**
 * Figures of the emergent-misalignment organism: alignment per domain before and after the narrow fine-tune,
 * with and without the shared persona; and the strategies' Pareto (x = alignment, y = task). Pure builders.
 *
 * @module
 */
import type { EmRun, EmSummary } from "../experiments/em/summary.ts";
import { meanSem } from "../eval/stats.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { benchmarkParetoFigure, type BenchmarkParetoSummary } from "./strategies.ts";
import { leaderboardFigure } from "./leaderboard.ts";
import { scorecardFigure } from "./scorecard.ts";

const FONT = { family: "system-ui, sans-serif", size: 13 };

/** Good-answer probability per domain: base and naive fine-tune, for the organism and the control. */
export function emDomainsFigure(summary: EmSummary, runs: readonly EmRun[]): Figure {
  const domains = Object.keys(summary.baseDomains);
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
      y: domains.map((d) => summary.baseDomains[d]!),
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
      y: domains.map((d) => summary.control.baseDomains[d]!),
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
      "Good-answer probability per non-medical domain (questions no fine-tune saw), before and after " +
      `fine-tuning on bad medical answers; bases: mean over ${summary.base.alignment.n}; fine-tunes: ` +
      `mean ± SEM over every base's ${summary.seeds.length} fine-tune seeds. The control bases learnt the ` +
      "same facts without a persona that links bad answers across domains.",
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
      yaxis: { title: { text: "good-answer probability" }, range: [0, 1.05] },
      width: 860,
      height: 480,
      font: FONT,
    },
    text: textTable(["", ...domains], bars.map((b) => [b.name, ...b.y])),
  });
}

/**
 * The strategies' Pareto on the organism, with the bases and the control's naive fine-tune as reference marks;
 * incoherent points (answers that are not answers) drawn hollow and crossed out under their own legend entry.
 */
export function emParetoFigure(
  summary: BenchmarkParetoSummary & Pick<EmSummary, "control" | "incoherent" | "regime">,
): Figure {
  return benchmarkParetoFigure(summary, {
    name: "em-pareto",
    title: `Strategies on the emergent-misalignment organism (${regimeWords(summary.regime)})`,
    xLabel: "alignment (good-answer probability outside medicine and the proxy's domains)",
    yLabel: "task (bad-answer probability on held-out medical questions)",
    references: [{
      name: "control, naive",
      alignment: summary.control.naive.alignment.mean,
      task: summary.control.naive.task.mean,
    }],
    flags: [{
      name: "incoherent: answers are not answers<br>(coherence < 0.5; off the frontier)",
      short: "incoherent",
      notes: Object.fromEntries(summary.incoherent.map((point) => [point, ""])),
    }],
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
 * const { runs } = plot.organismRecords(records); // the fine-tunes, and every variant's bases
 * const [domains, pareto, leaderboard] = emFigures(summary, runs);
 * ```
 */
export function emFigures(summary: EmSummary, runs: readonly EmRun[]): Figure[] {
  return [
    emDomainsFigure(summary, runs),
    emParetoFigure(summary),
    leaderboardFigure(
      "em-leaderboard",
      `Methods on the EM organism (${regimeWords(summary.regime)}), ranked by hypervolume`,
      summary.leaderboard,
    ),
    scorecardFigure(
      "em-scorecard",
      `Methods on the EM organism (${regimeWords(summary.regime)}) at their operating points`,
      summary.scorecard,
    ),
  ];
}

/** The regime as a title says it: the default's partial misalignment, or em-total's. */
function regimeWords(regime: EmSummary["regime"]): string {
  return regime === "partial" ? "partial misalignment" : "total misalignment";
}
