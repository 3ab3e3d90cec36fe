/**
 * A queue worker (`deno task worker`): takes selgen jobs from BullMQ and runs each on a local `WorkerPool`, so
 * the process's own thread stays free to renew the job's lock while a model trains. Before a job it checks the
 * payload against the schemas (the job, then the experiment's config), refuses one planned under another code
 * version, config hash or backend, and fetches the artifacts of the jobs it depends on; after it, it uploads
 * what the job wrote for others and returns the records. A refused job fails at once, with its reason, and is
 * not retried.
 *
 * @module
 */
import { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { WorkerPool } from "../experiments/executors.ts";
import type { Experiment, JobSpec } from "../experiments/experiment.ts";
import { CACHE_ROOT } from "../strategies/organism_model.ts";
import { type ArtifactDirs, artifactsOf, fetchArtifacts, snapshot, uploadArtifacts } from "./artifacts.ts";
import { changed, connectRedis, openRedis, redisAddress } from "./connection.ts";
import { type JobResult, QUEUE_NAME, type QueuedJob } from "./payload.ts";
import { accept } from "./accept.ts";
import { codeVersion } from "./version.ts";

/** Options of `serveQueue`. */
export interface QueueWorkerOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS. */
  redis: string;
  /** Jobs run at once, each in a Deno worker of its own (one per core is right for the WASM backend). */
  concurrency: number;
  /** Where jobs' shared artifacts are kept on this machine while they run (a folder per job). */
  workDir: string;
  /** Seconds a job's lock lasts unrenewed: a killed worker's job goes to another after about this long. */
  lockSeconds?: number;
  /** Where the worker says what it does (default `console.log`). */
  log?: (line: string) => void;
}

/** A running worker. */
export interface QueueWorker {
  /** Stops taking jobs, lets the running ones finish, and disconnects. */
  close(): Promise<void>;
}

/**
 * Serves the queue until closed.
 *
 * @example
 * ```ts ignore
 * import { queue } from "../../mod.ts";
 * const worker = await queue.serveQueue({ redis: "redis://127.0.0.1:6379", concurrency: 2, workDir: "out/worker" });
 * Deno.addSignalListener("SIGINT", () => worker.close());
 * ```
 */
export async function serveQueue(options: QueueWorkerOptions): Promise<QueueWorker> {
  const address = redisAddress(options.redis);
  const redis = await connectRedis(address);
  const log = options.log ?? ((line: string) => console.log(line));
  const code = await codeVersion();
  const pool = new WorkerPool(options.concurrency);
  const lockDuration = (options.lockSeconds ?? 15) * 1000;
  const worker = new Worker(
    QUEUE_NAME,
    (job: Job) => runQueued(job, { redis, pool, code, workDir: options.workDir, log }),
    {
      connection: openRedis(address),
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: Math.max(1000, lockDuration / 3),
      maxStalledCount: 2,
    },
  );
  worker.on("failed", (job, error) => {
    if (job) log(`worker ${Deno.pid}: job ${describe(job)} failed: ${error.message}`);
  });
  const once = changed();
  worker.on("error", (error) => {
    if (once(error.message)) log(`worker ${Deno.pid}: ${error.message}`);
  });
  await worker.waitUntilReady();
  log(
    `worker ${Deno.pid}: serving ${address.label} with ${options.concurrency} at once (code ${
      code.slice(0, 12)
    })`,
  );
  return {
    async close() {
      await worker.close();
      pool.close();
      redis.disconnect();
      (worker.opts.connection as Redis).disconnect();
    },
  };
}

interface Context {
  redis: Redis;
  pool: WorkerPool;
  code: string;
  workDir: string;
  log(line: string): void;
}

/** Checks, prepares, runs and publishes one queued job. */
async function runQueued(job: Job, context: Context): Promise<JobResult> {
  const { payload, experiment } = await accept(job.data, context.code);
  // A folder of the job's own, removed after it: jobs running at once on this machine never see (nor upload)
  // each other's half-written files.
  const folder = `${context.workDir}/${job.id}`;
  await Deno.remove(folder, { recursive: true }).catch(() => {});
  try {
    return await runIn({ artifacts: folder, cache: CACHE_ROOT }, job, payload, experiment, context);
  } finally {
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/** Fetches what the job needs into `dirs`, runs it, and uploads what it wrote there for others. */
async function runIn(
  dirs: ArtifactDirs,
  job: Job,
  payload: QueuedJob,
  experiment: Experiment<unknown, never, unknown>,
  { redis, pool, log }: Context,
): Promise<JobResult> {
  const needed = await artifactsOf(redis, payload.run, [...payload.job.dependsOn, payload.job.id]);
  const { missing } = await fetchArtifacts(redis, payload.run, needed, dirs);
  if (missing.length) log(`worker ${Deno.pid}: gone from Redis, will be made again: ${missing.join(", ")}`);
  log(`worker ${Deno.pid}: started ${describe(job)} (attempt ${job.attemptsStarted})`);
  const before = await snapshot(dirs);
  const spec: JobSpec = {
    backend: payload.backend,
    configHash: payload.version.config,
    artifacts: dirs.artifacts!,
    retrain: payload.retrain,
    quiet: true,
  };
  // Progress is a courtesy: a note lost with Redis must not fail the job (the coordinator counts records).
  const outputs = await pool.run(experiment, payload.config, payload.job, spec, (note) => {
    job.updateProgress({ note }).catch(() => {});
  });
  const artifacts = await uploadArtifacts(redis, payload.run, payload.job.id, dirs, before);
  log(`worker ${Deno.pid}: done ${describe(job)}: ${outputs.length} records, ${artifacts.length} artifacts`);
  return { outputs: outputs as unknown as JobResult["outputs"], artifacts };
}

function describe(job: Job): string {
  const data = job.data as { experiment?: unknown; job?: { id?: unknown } };
  return `${data?.experiment ?? "?"} ${data?.job?.id ?? job.id}`;
}
