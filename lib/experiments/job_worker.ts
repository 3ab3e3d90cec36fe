/**
 * A Deno worker of a `WorkerPool`: it starts the parent's backend, then runs one job per message (the
 * experiment looked up by name in the registry) and posts progress and the job's records back. Values a job
 * memoises (loaded bases) stay for the worker's later jobs.
 *
 * @module
 */
import { backendName, initBackend } from "../backend.ts";
import { jobEnv, Memo, type WorkerReply, type WorkerRequest } from "./executors.ts";
import { experimentByName } from "./registry.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply): void;
};
const memo = new Memo();

scope.onmessage = async (event) => {
  const { experiment, config, job, spec } = event.data;
  try {
    await initBackend(backendName(spec.backend)); // the parent's, so both give the same numbers
    const env = jobEnv(spec, memo, (note) => scope.postMessage({ type: "progress", note }));
    const outputs = await experimentByName(experiment).run(job, config as never, env);
    scope.postMessage({ type: "done", outputs });
  } catch (error) {
    scope.postMessage({ type: "error", error: String((error as Error)?.stack ?? error) });
  }
};
