/**
 * Run records on disk: `<dir>/<run-id>/{config.yaml, metrics.jsonl, summary.json}`. `summary.json` is written
 * last and atomically, so its presence marks a finished run; a rerun reuses a finished run only when its
 * summary validates against the schema and carries the same config hash, and recomputes it otherwise.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { z } from "zod";
import { writeJsonAtomic, writeTextAtomic } from "../io/atomic.ts";
import { exists } from "../io/exists.ts";
import { sha256Hex } from "../io/hash.ts";

/** Fields every run record has: which run, how it was made, and how training ended. */
export const RunRecordFields = {
  id: z.string(),
  seed: z.int(),
  /** Hash of everything that determines the run's numbers; a stored run is reused only when it matches. */
  configHash: z.string(),
  backend: z.string(),
  steps: z.int().nonnegative(),
  /** null when the loss became NaN or infinite. */
  finalLoss: z.number().nullable(),
  diverged: z.boolean(),
  /** Wall seconds; for a model trained in an ensemble, the ensemble's time divided by its members. */
  seconds: z.number().nonnegative(),
};

/** Fields of a strategy run record: which sweep point it belongs to and its post-training metrics. */
export const StrategyRunFields = {
  ...RunRecordFields,
  point: z.string(),
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  finishMetrics: z.record(z.string(), z.number()),
};

/** How a training run ended, as `RunRecordFields` say it (a non-finite loss as null). */
export function trainedFields(
  { steps, finalLoss, diverged }: { steps: number; finalLoss: number; diverged: boolean },
  seconds: number,
) {
  return { steps, finalLoss: Number.isFinite(finalLoss) ? finalLoss : null, diverged, seconds };
}

/** A strategy run's `StrategyRunFields` beside its id and provenance: which point and seed, how it trained. */
export function strategyRunFields(
  point: { id: string; strategy: string; params: Record<string, unknown> },
  seed: number,
  result: { steps: number; finalLoss: number; diverged: boolean; finishMetrics: Record<string, number> },
  seconds: number,
) {
  const { id, strategy, params } = point;
  return {
    seed,
    point: id,
    strategy,
    params,
    ...trainedFields(result, seconds),
    finishMetrics: result.finishMetrics,
  };
}

/** A run's `metrics.jsonl` lines: its loss per step (null where not finite). */
export function lossMetrics(losses: readonly number[]): { step: number; loss: number | null }[] {
  return losses.map((loss, step) => ({ step, loss: Number.isFinite(loss) ? loss : null }));
}

/** Seconds since `started` (a `performance.now()` reading). */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

/** Why a stored run was not reused. */
export type StaleReason = "missing" | "corrupt" | "config changed";

/** Reads and writes the run records of one experiment. */
export class RunStore {
  /** The experiment's folder. */
  readonly dir: string;
  /** Runs found unusable and recomputed, with why (reported at the end of an experiment). */
  readonly rejected: { id: string; reason: StaleReason; detail: string }[] = [];

  constructor(dir: string) {
    this.dir = dir;
  }

  /** A finished run's summary if it is valid and was made with `configHash`; else undefined. */
  async load<S extends z.ZodType<{ configHash: string }>>(
    id: string,
    schema: S,
    configHash: string,
  ): Promise<z.output<S> | undefined> {
    const dir = `${this.dir}/${id}`;
    if (!await exists(`${dir}/summary.json`)) return undefined;
    const damaged = await checkFiles(dir);
    if (damaged) {
      this.rejected.push({ id, reason: "corrupt", detail: damaged });
      return undefined;
    }
    const text = await Deno.readTextFile(`${dir}/summary.json`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.rejected.push({ id, reason: "corrupt", detail: `not JSON (${(error as Error).message})` });
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.rejected.push({ id, reason: "corrupt", detail: `${issue?.path.join(".")}: ${issue?.message}` });
      return undefined;
    }
    if (parsed.data.configHash !== configHash) {
      this.rejected.push({
        id,
        reason: "config changed",
        detail: `${parsed.data.configHash} ≠ ${configHash}`,
      });
      return undefined;
    }
    return parsed.data;
  }

  /**
   * The stored run `id` when it is valid and was made with `configHash`; otherwise computes it with `run` and
   * saves it. Without a store (no output folder) it always computes.
   */
  static async loadOrRun<S extends z.ZodType<{ configHash: string }>>(
    store: RunStore | undefined,
    id: string,
    schema: S,
    configHash: string,
    run: () => { summary: z.output<S>; config: unknown; metrics: readonly object[] },
  ): Promise<z.output<S>> {
    const stored = await store?.load(id, schema, configHash);
    if (stored) return stored;
    const record = run();
    await store?.save(id, record as { summary: object; config: unknown; metrics: readonly object[] });
    return record.summary;
  }

  /** Warns about every stored run that was found unusable and recomputed. */
  reportRejected(): void {
    for (const r of this.rejected) console.warn(`selgen: recomputed ${r.id} (${r.reason}: ${r.detail})`);
  }

  /** Writes a run's config, per-step metrics and summary, then (last) their checksums. */
  async save(
    id: string,
    record: { config: unknown; metrics: readonly object[]; summary: object },
  ): Promise<void> {
    const dir = `${this.dir}/${id}`;
    const files: Record<string, string> = {
      "config.yaml": toYaml(record.config),
      "metrics.jsonl": record.metrics.map((m) => JSON.stringify(m)).join("\n") + "\n",
      "summary.json": JSON.stringify(record.summary, null, 2) + "\n",
    };
    const sums: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      await writeTextAtomic(`${dir}/${name}`, text);
      sums[name] = await sha256Hex(text);
    }
    await writeJsonAtomic(`${dir}/${CHECKSUMS}`, sums);
  }
}

/** Each run folder's SHA-256 of its other files, written last: a run without it never finished saving. */
const CHECKSUMS = "checksums.json";

/** Why a run folder's files cannot be trusted, or undefined when each matches its checksum. */
async function checkFiles(dir: string): Promise<string | undefined> {
  let sums: Record<string, string>;
  try {
    sums = z.record(z.string(), z.string()).parse(JSON.parse(await Deno.readTextFile(`${dir}/${CHECKSUMS}`)));
  } catch {
    return `${CHECKSUMS} is missing or unreadable (the run did not finish saving)`;
  }
  for (const name of ["config.yaml", "metrics.jsonl", "summary.json"]) {
    const bytes = await Deno.readFile(`${dir}/${name}`).catch(() => undefined);
    if (!bytes) return `${name} is missing`;
    if (await sha256Hex(bytes) !== sums[name]) return `${name} differs from its checksum (edited or damaged)`;
  }
  return undefined;
}

/** A short stable hash of a JSON-serialisable value (SHA-256, first 16 hex digits). */
export async function configHash(value: unknown): Promise<string> {
  return (await sha256Hex(stableJson(value))).slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) =>
      a < b ? -1 : 1
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
