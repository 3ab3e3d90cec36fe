/**
 * Progress that stays visible without flooding: in a Jupyter notebook a bar updated in place
 * (`Deno.jupyter.display` with a display id), on a terminal one line rewritten with `\r`, and in logs
 * (CI, pipes) a line every tenth of the work.
 *
 * @module
 */

/** Reports progress over a known amount of work. */
export interface Progress {
  /** Marks `done` units finished, with a short note on what is running. */
  update(done: number, note?: string): void;
  /** Marks the work finished. */
  finish(note?: string): void;
}

interface JupyterApi {
  display(bundle: unknown, options: { raw: boolean; display_id?: string; update?: boolean }): Promise<void>;
}

function jupyter(): JupyterApi | undefined {
  try {
    // Deno.jupyter exists only inside the Deno kernel; touching it elsewhere throws.
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

function bar(fraction: number, width = 30): string {
  const filled = Math.round(fraction * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

function format(label: string, done: number, total: number, started: number, note: string): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const seconds = (performance.now() - started) / 1000;
  return `${label} ${bar(fraction)} ${done}/${total} ${seconds.toFixed(1)}s${note ? `  ${note}` : ""}`;
}

/** A progress reporter suited to where the code runs; `quiet` reports nothing. */
export function createProgress(label: string, total: number, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { update() {}, finish() {} };
  const started = performance.now();
  const kernel = jupyter();
  if (kernel) {
    const id = `selgen-progress-${crypto.randomUUID()}`;
    let lastShown = 0;
    const show = (text: string, update: boolean) =>
      kernel.display({ "text/plain": text }, { raw: true, display_id: id, update }).catch(() => {});
    show(format(label, 0, total, started, ""), false);
    return {
      update(done, note = "") {
        if (performance.now() - lastShown < 250) return;
        lastShown = performance.now();
        show(format(label, done, total, started, note), true);
      },
      finish(note = "done") {
        show(format(label, total, total, started, note), true);
      },
    };
  }
  const terminal = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let lastTenth = -1;
  return {
    update(done, note = "") {
      if (terminal) {
        Deno.stderr.writeSync(encoder.encode(`\r${format(label, done, total, started, note)}\x1b[K`));
        return;
      }
      const tenth = Math.floor((10 * done) / Math.max(1, total));
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      console.error(format(label, done, total, started, note));
    },
    finish(note = "done") {
      const line = format(label, total, total, started, note);
      if (terminal) Deno.stderr.writeSync(encoder.encode(`\r${line}\x1b[K\n`));
      else console.error(line);
    },
  };
}
