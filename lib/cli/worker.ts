/**
 * `deno task worker --redis URL [--concurrency N] [--work-dir DIR] [--lock-seconds S]`
 *
 * Serves the jobs that `deno task reproduce … --redis URL` queues, on this machine, until Ctrl-C (or SIGTERM),
 * which lets the running jobs finish first (a second one stops at once). Start one per machine, from the
 * same commit as the coordinator; `--concurrency` jobs run at once, each in a Deno worker (default: one per
 * core, at most 4). Shared artifacts are kept under `--work-dir` (default `out/worker/`) while a job runs, a
 * folder per job. A job's lock lasts `--lock-seconds` (default 15) unrenewed: a worker killed mid-job has its
 * job handed to another after about that long.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { InputError } from "../config/input_error.ts";
import { redisAddress } from "../queue/connection.ts";
import { serveQueue } from "../queue/worker.ts";
import { collect } from "./command.ts";

export const WORKER_USAGE = "usage: deno task worker --redis redis://[user:password@]host[:port][/db] " +
  "[--concurrency N] [--work-dir DIR] [--lock-seconds S]";

/** A checked worker command line. */
export interface WorkerCommand {
  redis: string;
  concurrency: number;
  workDir: string;
  lockSeconds: number;
}

/** Parses and checks `args`; throws an `InputError` listing every problem. */
export function parseWorkerCommand(args: readonly string[]): WorkerCommand {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        redis: { type: "string" },
        concurrency: { type: "string" },
        "work-dir": { type: "string", default: "out/worker" },
        "lock-seconds": { type: "string", default: "15" },
      },
    }).values;
  } catch (error) {
    throw new InputError("Cannot read the command line", [(error as Error).message], WORKER_USAGE);
  }
  const problems: string[] = [];
  if (values.redis === undefined) problems.push("--redis: give the Redis URL the coordinator uses");
  else collect(problems, () => redisAddress(values.redis!));
  const cores = Math.max(1, Math.min(navigator.hardwareConcurrency ?? 1, 4));
  const concurrency = values.concurrency === undefined ? cores : Number(values.concurrency);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    problems.push(`--concurrency ${values.concurrency}: give a whole number of jobs at once, 1 to 64`);
  }
  const lockSeconds = Number(values["lock-seconds"]);
  if (!(lockSeconds >= 1 && lockSeconds <= 3600)) {
    problems.push(`--lock-seconds ${values["lock-seconds"]}: give seconds from 1 to 3600, e.g. 15`);
  }
  if (problems.length) throw new InputError("Cannot start the worker", problems, WORKER_USAGE);
  return { redis: values.redis!, concurrency, workDir: values["work-dir"], lockSeconds };
}

async function main(args: string[]): Promise<void> {
  if (args.includes("--help")) return console.log(WORKER_USAGE);
  const command = parseWorkerCommand(args);
  const worker = await serveQueue(command);
  let stopping = false;
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => {
        if (stopping) {
          // A second signal: stop now; the running jobs' locks lapse and BullMQ hands them to other workers.
          console.log(`worker ${Deno.pid}: stopping now (${signal} again)`);
          Deno.exit(130);
        }
        stopping = true;
        console.log(`worker ${Deno.pid}: stopping after the running jobs (${signal}; again to stop now)`);
        resolve();
      });
    }
  });
  await worker.close();
  Deno.exit(0);
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
}
