// Runs an experiment on an executor the test owns (default: this thread), closing it afterwards.
import { runExperiment, type RunExperimentOptions } from "../lib/experiments/driver.ts";
import { type Executor, InProcessExecutor } from "../lib/experiments/executors.ts";
import type { Experiment, RecordBase } from "../lib/experiments/experiment.ts";

export async function runWith<C, R extends RecordBase, S>(
  experiment: Experiment<C, R, S>,
  config: C,
  options: RunExperimentOptions & { executor?: Executor } = {},
) {
  const executor = options.executor ?? new InProcessExecutor();
  try {
    return await runExperiment(experiment, config, { ...options, executor });
  } finally {
    executor.close();
  }
}
