/**
 * `show`: the one way a notebook cell outputs a figure, a table or text. In a notebook it displays each item
 * and waits until the output has left the kernel, so that it is never lost and never lands under another cell
 * (see `io/jupyter.ts`); elsewhere it prints the items' text. End a cell with `await show(…)` rather than a
 * bare value: a cell's result is sent after the cell has finished, when nothing can wait for it any more.
 *
 * @module
 */
import { flush, type MimeBundle, publish } from "../io/jupyter.ts";
import { type Figure, figureBundle } from "./figure.ts";
import { type Table, tableBundle } from "./table.ts";

/** What `show` displays. */
export type Showable = Figure | Table | string;

function bundleOf(item: Showable): MimeBundle {
  if (typeof item === "string") return { "text/plain": item };
  if ("kind" in item && item.kind === "table") return tableBundle(item);
  return figureBundle(item as Figure);
}

/**
 * Shows figures, tables and text in order, and waits until they are delivered.
 *
 * @example
 * ```ts
 * import { plot, runExperiment, toy } from "../../mod.ts";
 * import { loadToyConfig } from "../../mod.ts";
 * const { summary } = await runExperiment(toy, await loadToyConfig(), { seeds: [1] });
 * await plot.show(plot.toyHeatmapFigure(summary, 5), plot.findingsTable(toy.findings(summary)));
 * ```
 */
export async function show(...items: (Showable | undefined)[]): Promise<void> {
  const missing = items.findIndex((item) => item === undefined);
  if (missing >= 0) {
    throw new Error(`Cannot show item ${missing + 1}: it is undefined (a figure or table that was not made)`);
  }
  for (const item of items as Showable[]) {
    const bundle = bundleOf(item);
    if (!publish(bundle)) console.log(String(bundle["text/plain"]));
  }
  await flush();
}
