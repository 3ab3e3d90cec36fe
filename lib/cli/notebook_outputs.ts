/**
 * What an executed notebook must show: every cell that calls `plot.show(…)` has at least one output per item
 * it shows (plus the progress bar of a `runExperiment`), no cell has an error, and repeated executions give
 * every cell the same number of outputs. A headless run drops an output that arrives late and a live notebook
 * files it under another cell, so either shows up as a cell with too few (or too many). Used by the notebook
 * tests and by `live_notebooks.ts`.
 *
 * @module
 */

/** A code cell of an executed notebook, as nbformat writes it. */
export interface ExecutedCell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
}

const text = (source: string | string[]) => Array.isArray(source) ? source.join("") : source;

/**
 * How many items the `plot.show(…)` calls in `source` show: the top-level arguments of each call (commas
 * inside brackets, strings and template literals do not count).
 */
export function shownItems(source: string): number {
  let count = 0;
  for (let at = source.indexOf("plot.show("); at >= 0; at = source.indexOf("plot.show(", at + 1)) {
    // Items are counted as they start, so a trailing comma adds none.
    let depth = 0, args = 0, quote = "", inArg = false;
    for (let i = at + "plot.show(".length; i < source.length; i++) {
      const c = source[i]!;
      if (quote) {
        if (c === "\\") i++;
        else if (c === quote) quote = "";
        continue;
      }
      if (depth === 0 && !inArg && !/[\s,)]/.test(c)) {
        args++;
        inArg = true;
      }
      if (c === '"' || c === "'" || c === "`") quote = c;
      else if ("([{".includes(c)) depth++;
      else if (")]}".includes(c)) {
        if (depth === 0) break;
        depth--;
      } else if (c === "," && depth === 0) inArg = false;
    }
    count += args;
  }
  return count;
}

/** Outputs a cell must have at least: what it shows, and a progress bar per experiment it runs. */
export function expectedOutputs(source: string): number {
  return shownItems(source) + (source.match(/\brunExperiment\(/g)?.length ?? 0);
}

/** The problems of one executed notebook: errors, and cells with fewer outputs than they must have. */
export function outputProblems(cells: readonly ExecutedCell[]): string[] {
  const problems: string[] = [];
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const outputs = cell.outputs ?? [];
    for (const o of outputs.filter((o) => o.output_type === "error")) {
      problems.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
    const shown = outputs.filter((o) => o.output_type === "display_data").length;
    const want = expectedOutputs(text(cell.source));
    if (shown < want) problems.push(`cell ${i}: ${shown} outputs, want at least ${want}`);
  });
  return problems;
}

/** Displayed outputs per code cell, to compare executions (printed text may differ between a first run and a rerun). */
export function outputCounts(cells: readonly ExecutedCell[]): number[] {
  return cells.filter((c) => c.cell_type === "code").map((c) =>
    (c.outputs ?? []).filter((o) => o.output_type === "display_data").length
  );
}
