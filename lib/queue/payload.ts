/**
 * What travels through the queue, as zod schemas: a queued job (the experiment by name, its config, one job of
 * the plan, the versions it was planned under) and a job's result (its run records and the artifacts it left
 * for the jobs that depend on it). Both are data: a worker validates every field and evaluates nothing.
 *
 * @module
 */
import { z } from "zod";
import { sha256Hex } from "../io/hash.ts";
import type { Job } from "../experiments/experiment.ts";

/** The BullMQ queue selgen's coordinator and workers share (separate fleets: another Redis database). */
export const QUEUE_NAME = "selgen";

/** Where an artifact lives: the run's shared folder, or the organisms' model cache (`data/cache/`). */
export const ARTIFACT_ROOTS = ["artifacts", "cache"] as const;
export type ArtifactRoot = typeof ARTIFACT_ROOTS[number];

/**
 * The folder of each root that jobs share files in: a run's saved bases (`bases/`, beside the run's records,
 * which only the coordinator writes), and the whole model cache (its entries checked by key and SHA-256).
 */
export const SHARED_FOLDERS: Record<ArtifactRoot, string> = { artifacts: "bases", cache: "" };

/** A relative path of plain names: nothing absolute, no `..`, so a queued path never leaves its root. */
const SafePath = z.string().regex(
  /^[A-Za-z0-9_=+-][A-Za-z0-9._=+-]*(\/[A-Za-z0-9_=+-][A-Za-z0-9._=+-]*)*$/,
  "a relative path of plain names",
).refine((path) => !path.split("/").some((part) => part === "." || part === ".."), "no . or .. parts");

/** One file a job wrote for others, checked by its SHA-256 when fetched. */
export const ArtifactSchema = z.strictObject({
  root: z.enum(ARTIFACT_ROOTS),
  path: SafePath,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.int().nonnegative(),
}).refine(
  ({ root, path }) => !SHARED_FOLDERS[root] || path.startsWith(`${SHARED_FOLDERS[root]}/`),
  { message: `an artifacts path lies under ${SHARED_FOLDERS.artifacts}/`, path: ["path"] },
);
export type Artifact = z.output<typeof ArtifactSchema>;

/** A plan's job (see `Job` in `experiment.ts`). */
export const JobSchema = z.strictObject({
  id: z.string().min(1),
  kind: z.string().min(1),
  seeds: z.array(z.int()),
  point: z.string().optional(),
  dependsOn: z.array(z.string()),
  records: z.array(z.string()),
  fresh: z.boolean().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** A job as queued by the coordinator. */
export const QueuedJobSchema = z.strictObject({
  /** The code version (`codeVersion()`) and the experiment's config hash it was planned under. */
  version: z.strictObject({ code: z.string().regex(/^[0-9a-f]{64}$/), config: z.string().min(1) }),
  /** The run it belongs to (`runKey`): where its artifacts are kept. */
  run: z.string().regex(/^[0-9a-f]{64}$/),
  experiment: z.string().min(1),
  config: z.unknown(),
  job: JobSchema,
  backend: z.string().min(1),
  retrain: z.boolean(),
});
export type QueuedJob = z.output<typeof QueuedJobSchema> & { job: Job };

/** A job's result as a worker returns it. */
export const JobResultSchema = z.strictObject({
  outputs: z.array(z.strictObject({
    record: z.unknown(),
    config: z.unknown(),
    metrics: z.array(z.record(z.string(), z.unknown())),
  })),
  artifacts: z.array(ArtifactSchema),
});
export type JobResult = z.output<typeof JobResultSchema>;

/** The key of one run of an experiment: its code version, name, config hash and whether it retrains bases. */
export async function runKey(
  code: string,
  experiment: string,
  configHash: string,
  retrain: boolean,
): Promise<string> {
  return await sha256Hex(JSON.stringify([code, experiment, configHash, retrain]));
}

/**
 * The BullMQ id of a job of a run: the same plan, records and run give the same id, so a coordinator that
 * runs again finds the jobs it queued before.
 */
export async function queueJobId(run: string, job: Job): Promise<string> {
  return `${queueJobIdPrefix(run)}${
    (await sha256Hex(JSON.stringify([run, job.id, job.records]))).slice(0, 24)
  }`;
}

/** What every job id of a run starts with. */
export function queueJobIdPrefix(run: string): string {
  return `${run.slice(0, 24)}-`;
}

/** Redis keys of a run's artifacts: a hash per job (`root/path` → `Artifact`), a blob per content. */
export const artifactKeys = {
  job: (run: string, jobId: string) => `${QUEUE_NAME}:run:${run}:job:${jobId}`,
  blob: (run: string, sha256: string) => `${QUEUE_NAME}:run:${run}:blob:${sha256}`,
  all: (run: string) => `${QUEUE_NAME}:run:${run}:*`,
};
