/**
 * Progress that stays visible without flooding: in a Jupyter notebook one bar updated in place (a display
 * id), on a terminal one line rewritten with `\r`, and in logs (CI, pipes) a line every tenth of the work.
 * Each shows done of total, the elapsed time and an estimate of the time left; the final state shows the
 * real elapsed time.
 *
 * @module
 */

import { flush, inNotebook, publish } from "../io/jupyter.ts";

/** Reports progress over a known amount of work. */
export interface Progress {
  /** Marks `done` units finished, with a short note on what is running. */
  update(done: number, note?: string): void;
  /** Marks the work finished; in a notebook, resolves once the final state has left the kernel. */
  finish(note?: string): Promise<void>;
}

function bar(fraction: number, width = 30): string {
  const filled = Math.round(fraction * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

/** Seconds as a reader wants them: `42s`, `3m 05s`. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m ${String(Math.round(seconds - 60 * m)).padStart(2, "0")}s`;
}

/**
 * One line: the bar, done of total, elapsed and, once a tenth is done, the time left at the rate so far
 * (counted from the start of this run, so reused work does not make it optimistic).
 */
function format(label: string, done: number, total: number, clock: Clock, note: string, final = false) {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const elapsed = (performance.now() - clock.started) / 1000;
  const fresh = done - clock.firstDone;
  const rate = fresh > 0 ? fresh / ((performance.now() - clock.firstAt) / 1000) : 0;
  // Before a tenth of the work the rate says little (the first units are often the cheap or the slow ones).
  const settled = fresh >= 2 && fraction >= 0.1 && done < total;
  const left = !final && settled && rate > 0 ? `, ~${duration((total - done) / rate)} left` : "";
  return `${label} ${bar(fraction)} ${done}/${total} ${duration(elapsed)}${left}${note ? `  ${note}` : ""}`;
}

interface Clock {
  started: number;
  /** Units already done when this run first reported (reused), and when. */
  firstDone: number;
  firstAt: number;
}

/**
 * A progress reporter suited to where the code runs, starting at `done` units already done (reused work);
 * `quiet` reports nothing.
 */
export function createProgress(
  label: string,
  total: number,
  options: { quiet?: boolean; done?: number } = {},
): Progress {
  if (options.quiet) return { update() {}, finish: () => Promise.resolve() };
  const done = options.done ?? 0;
  const clock: Clock = { started: performance.now(), firstDone: done, firstAt: performance.now() };
  const line = (done: number, note: string, final = false) => format(label, done, total, clock, note, final);
  const progress = inNotebook() ? notebookProgress(total, line) : consoleProgress(total, line);
  if (done > 0) progress.update(done, `${done} reused`);
  return progress;
}

type Line = (done: number, note: string, final?: boolean) => string;

/** A bar shown once under the cell and updated in place, at most four times a second. */
function notebookProgress(total: number, line: Line): Progress {
  const displayId = `selgen-progress-${crypto.randomUUID()}`;
  let lastShown = 0;
  publish({ "text/plain": line(0, "starting") }, { displayId });
  return {
    update(done, note = "") {
      if (performance.now() - lastShown < 250 && done < total) return;
      lastShown = performance.now();
      publish({ "text/plain": line(done, note) }, { displayId, update: true });
    },
    async finish(note = "done") {
      publish({ "text/plain": line(total, note, true) }, { displayId, update: true });
      await flush();
    },
  };
}

/** On a terminal one line rewritten in place; in logs (CI, pipes) a line every tenth of the work. */
function consoleProgress(total: number, line: Line): Progress {
  const terminal = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let lastTenth = -1;
  return {
    update(done, note = "") {
      if (terminal) {
        Deno.stderr.writeSync(encoder.encode(`\r${line(done, note)}\x1b[K`));
        return;
      }
      const tenth = Math.floor((10 * done) / Math.max(1, total));
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      console.error(line(done, note));
    },
    finish(note = "done") {
      const last = line(total, note, true);
      if (terminal) Deno.stderr.writeSync(encoder.encode(`\r${last}\x1b[K\n`));
      else console.error(last);
      return Promise.resolve();
    },
  };
}
