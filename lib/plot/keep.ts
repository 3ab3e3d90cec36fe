/**
 * Values a notebook cell makes and must release: `keep(name, value, dispose)` releases what was kept under
 * the same name before, so a cell that is run again (or changed and run again) holds one copy, and no cell
 * has to dispose what another cell made. Later cells that used the old value are re-run after it, as the
 * notebooks' prose says.
 *
 * @module
 */

const kept = new Map<string, () => void>();

/**
 * Keeps `value` under `name`, releasing the value kept there before.
 *
 * @example
 * ```ts
 * import { plot } from "../../mod.ts";
 * // In a cell: each run starts a new timer and stops the one the previous run started.
 * const timer = plot.keep("ticker", setInterval(() => console.log("tick"), 1000), clearInterval);
 * ```
 */
export function keep<T>(name: string, value: T, dispose: (value: T) => void): T {
  const previous = kept.get(name);
  kept.set(name, () => dispose(value));
  previous?.();
  return value;
}
