/**
 * What a worker checks before it runs a queued job: the payload against the job schema, the experiment by name
 * among those compiled into this code (nothing from the queue is evaluated), its config against the
 * experiment's schema and hash, the code version and the backend. A refusal is an `UnrecoverableError`, so
 * BullMQ fails the job at once instead of retrying it.
 *
 * @module
 */
import { UnrecoverableError } from "bullmq";
import { backendName, initBackend } from "../backend.ts";
import { describeIssue } from "../config/load.ts";
import { EXPERIMENT_NAMES, experimentByName } from "../experiments/registry.ts";
import type { Experiment } from "../experiments/experiment.ts";
import { type QueuedJob, QueuedJobSchema } from "./payload.ts";

/**
 * A payload this worker can run, or an `UnrecoverableError` (not retried) saying why not: it fails its
 * schema, names no known experiment, its config fails the experiment's schema or hashes otherwise, or it was
 * planned under another code version or a backend this machine does not have.
 */
export async function accept(
  data: unknown,
  code: string,
): Promise<{ payload: QueuedJob; experiment: Experiment<unknown, never, unknown> }> {
  const refuse = (why: string) => new UnrecoverableError(`Cannot run this job: ${why}`);
  const parsed = QueuedJobSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map(describeIssue);
    throw refuse(`it is not a selgen job (${issues.join("; ")})`);
  }
  const payload = parsed.data as QueuedJob;
  if (payload.version.code !== code) {
    throw refuse(
      `it was queued by code version ${payload.version.code.slice(0, 12)} and this worker runs ` +
        `${code.slice(0, 12)}; start the worker from the coordinator's commit (same lib/, data/, deno.lock)`,
    );
  }
  if (!EXPERIMENT_NAMES.includes(payload.experiment)) {
    throw refuse(`no experiment is called "${payload.experiment}" (known: ${EXPERIMENT_NAMES.join(", ")})`);
  }
  const experiment = experimentByName(payload.experiment);
  const config = experiment.configSchema.safeParse(payload.config);
  if (!config.success) {
    throw refuse(
      `its ${payload.experiment} config fails the schema (${describeIssue(config.error.issues[0]!)})`,
    );
  }
  const backend = await Promise.resolve().then(() => initBackend(backendName(payload.backend)))
    .catch((e: Error) => e);
  if (backend instanceof Error || backend.id !== payload.backend) {
    const why = backend instanceof Error ? backend.message : `this machine runs ${backend.id}`;
    throw refuse(`it needs the ${payload.backend} backend (${why})`);
  }
  const hash = await experiment.hash(config.data, payload.backend);
  if (hash !== payload.version.config) {
    throw refuse(`its config hashes to ${hash}, not to the version key ${payload.version.config}`);
  }
  return { payload: { ...payload, config: config.data }, experiment };
}
