/**
 * A run's cost, estimated from its config before anything runs, so that a config that would run for days or
 * not fit in memory is refused with numbers instead of discovered by waiting. Each experiment counts its
 * training work in multiply-adds (forward and backward ≈ 3 × parameters × rows × steps, the usual
 * approximation) and its largest live tensors in bytes, and names the rate at which its shipped config ran
 * (multiply-adds as counted here per second, WASM on 2 cores), which turns work into the seconds printed
 * before a run. It is a guide (other machines, backends and loads differ), not a promise.
 *
 * @module
 */
import { InputError } from "../config/input_error.ts";

/** What a run will cost. */
export interface Estimate {
  /** Multiply-adds of training and evaluation. */
  work: number;
  /** Bytes of the largest tensors alive at once (parameters, Adam's moments, activations). */
  bytes: number;
  /** Multiply-adds per second, as this experiment counts them, measured on its shipped config (default: `WORK_PER_SECOND`). */
  workPerSecond?: number;
}

/** The estimate in seconds. */
export function estimatedSeconds(estimate: Estimate): number {
  return estimate.work / (estimate.workPerSecond ?? WORK_PER_SECOND);
}

/**
 * Multiply-adds per second of an experiment that names no measured rate of its own: a quarter of the slowest
 * rate measured (sycophancy's, 1.7·10¹⁰ on 2 cores), so that an unmeasured experiment is over- rather than
 * under-estimated.
 */
export const WORK_PER_SECOND = 4e9;

/** Training work of `steps` steps over `rows` rows of a model with `params` multiply-adds per row. */
export function trainingWork(params: number, rows: number, steps: number): number {
  return 3 * params * rows * steps;
}

/** The transformer sizes a cost depends on. */
interface TransformerSizes {
  dModel: number;
  layers: number;
  heads: number;
  context: number;
  mlpRatio: number;
}

/**
 * A transformer's multiply-adds per token and the bytes of a training step on `batch` sequences. Per token, a
 * layer does 4d² (attention projections) + 2·r·d² (MLP) + 2·T·d (attention) multiply-adds, and the head d·V;
 * the bytes count the parameters four times (weights, gradients, Adam's two moments) and the activations three.
 */
export function transformerCost(model: TransformerSizes, vocab: number, batch: number) {
  const { dModel: d, layers, heads, context: t, mlpRatio: r } = model;
  const perToken = layers * (4 * d * d + 2 * r * d * d + 2 * t * d) + d * vocab;
  const params = layers * (4 + 2 * r) * d * d + 2 * vocab * d + t * d;
  const activations = batch * t * (layers * (10 + 2 * r) * d + vocab) + batch * heads * t * t * layers;
  return { perToken, bytes: 4 * (4 * params + 3 * activations) };
}

/** Hours a run may be estimated to take unless the caller raises it (`--max-hours`). */
export const DEFAULT_MAX_HOURS = 24;

/** The limits a run must fit. */
export interface Limits {
  maxHours: number;
  /** Bytes of memory the run may use (default: 3/4 of this machine's). */
  maxBytes?: number;
}

/** `~4.2 min, ~310 MB` */
export function formatEstimate(estimate: Estimate): string {
  const seconds = estimatedSeconds(estimate);
  const time = seconds < 60
    ? `${seconds.toFixed(0)} s`
    : seconds < 3600
    ? `${(seconds / 60).toFixed(1)} min`
    : `${(seconds / 3600).toFixed(1)} h`;
  return `~${time}, ~${formatBytes(estimate.bytes)} at most in memory`;
}

/** Throws an `InputError` when the estimate is over a limit, naming the flag that raises it. */
export function checkEstimate(name: string, estimate: Estimate, limits: Limits): void {
  const hours = estimatedSeconds(estimate) / 3600;
  const maxBytes = limits.maxBytes ?? 0.75 * systemMemory();
  const problems: string[] = [];
  if (!(hours <= limits.maxHours)) {
    problems.push(
      `estimated ${hours.toPrecision(3)} h, over --max-hours ${limits.maxHours}; ` +
        "lower the steps, seeds or sizes, or raise --max-hours",
    );
  }
  if (!(estimate.bytes <= maxBytes)) {
    problems.push(
      `needs ~${formatBytes(estimate.bytes)} of memory, over the ${
        formatBytes(maxBytes)
      } this machine allows; ` +
        "lower the model, batch, grid or point counts",
    );
  }
  if (problems.length) throw new InputError(`Cannot run ${name}: it is too large`, problems);
}

/** This machine's memory in bytes (unbounded where `--allow-sys` is not granted: then only time is checked). */
function systemMemory(): number {
  try {
    return Deno.systemMemoryInfo().total;
  } catch {
    return Infinity;
  }
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "∞ B";
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) (bytes /= 1000), i++;
  return `${bytes.toFixed(bytes < 10 ? 1 : 0)} ${units[i]}`;
}
