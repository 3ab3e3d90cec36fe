/**
 * The distributed executor: the driver's jobs run on BullMQ workers (`deno task worker`) on any number of
 * machines, through one Redis. The driver still decides what runs when (a job is queued once its
 * dependencies are done) and writes every record; this executor queues a job under an id fixed by the run and
 * the job, waits for it, checks what comes back against the experiment's record schema and fetches the
 * artifacts it left. So a coordinator killed and started again finds its queued and finished jobs under the
 * same ids; a worker killed mid-job loses its lock and BullMQ hands the job to another worker; a job lost
 * from Redis (a restart without persistence) is queued again, and Redis unreachable for `redisTimeout`
 * seconds fails the run with a message, never with a partial record.
 *
 * @module
 */
import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { CACHE_ROOT } from "../strategies/organism_model.ts";
import type { Executor, RunJob } from "../experiments/executors.ts";
import type { Experiment, JobSpec, RecordBase, RunOutput } from "../experiments/experiment.ts";
import { describeIssue } from "../config/load.ts";
import { fetchArtifacts } from "./artifacts.ts";
import { changed, connectRedis, openRedis, type RedisAddress, redisAddress, within } from "./connection.ts";
import {
  artifactKeys,
  type JobResult,
  JobResultSchema,
  QUEUE_NAME,
  type QueuedJob,
  queueJobId,
  queueJobIdPrefix,
  runKey,
} from "./payload.ts";
import { codeVersion } from "./version.ts";

/** Options of `QueueExecutor.connect`. */
export interface QueueExecutorOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS. */
  redis: string;
  /** Seconds without an answer from Redis before the run fails (default 60). */
  redisTimeout?: number;
  /** Seconds between checks of the jobs in flight, beside BullMQ's events (default 2). */
  pollSeconds?: number;
  /** Where notices go (a job queued again, a retried failure; default `console.warn`). */
  log?: (line: string) => void;
}

/** A job the queue could not run (refused, failed twice, or Redis gone): its message says which and why. */
export class QueueJobError extends Error {
  override readonly name = "QueueJobError";
}

/** A job in flight: what settles it and what it has reported. */
interface Waiter {
  payload: QueuedJob;
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress(note: string): void;
  notes: Set<string>;
}

/**
 * Runs jobs on BullMQ workers.
 *
 * @example
 * ```ts ignore
 * import { loadYamlConfig, queue, runExperiment, toy } from "../../mod.ts";
 * // Workers started elsewhere with `deno task worker --redis redis://lab-redis:6379`.
 * const executor = await queue.QueueExecutor.connect({ redis: "redis://lab-redis:6379" });
 * try {
 *   await runExperiment(toy, await loadYamlConfig(toy.configSchema, toy.defaultConfig), { out: "out", executor });
 *   await executor.forget(); // the records are in out/toy/: drop the jobs and artifacts from Redis
 * } finally {
 *   await executor.close();
 * }
 * ```
 */
export class QueueExecutor implements Executor {
  /** Jobs queued at once: every job whose dependencies are done (the workers set the pace). */
  readonly size = 1024;
  private readonly waiting = new Map<string, Waiter>();
  private readonly runs = new Set<string>();
  /** Jobs being queued now: `check` leaves them alone until they are. */
  private readonly enqueuing = new Set<string>();
  private lastContact = Date.now();
  private polling: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly address: RedisAddress,
    private readonly redis: Redis & { lastError?: string },
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly code: string,
    private readonly options: Required<Omit<QueueExecutorOptions, "redis">>,
  ) {}

  /** Connects (failing with a message when Redis does not answer) and starts listening for the queue's events. */
  static async connect(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const address = redisAddress(options.redis);
    const redis = await connectRedis(address);
    const queue = new Queue(QUEUE_NAME, { connection: openRedis(address) });
    const events = new QueueEvents(QUEUE_NAME, { connection: openRedis(address) });
    try {
      await within(events.waitUntilReady(), 10, () => redis.lastError ?? "no answer");
    } catch (error) {
      await shutDown(redis, queue, events);
      throw new QueueJobError(`Cannot listen to the queue at ${address.label}: ${(error as Error).message}`);
    }
    const settings = {
      redisTimeout: options.redisTimeout ?? 60,
      pollSeconds: options.pollSeconds ?? 2,
      log: options.log ?? ((line: string) => console.warn(line)),
    };
    const executor = new QueueExecutor(address, redis, queue, events, await codeVersion(), settings);
    executor.listen();
    return executor;
  }

  run: RunJob = async (experiment, config, job, spec, onProgress) => {
    const run = await runKey(this.code, experiment.name, spec.configHash, spec.retrain);
    const id = await queueJobId(run, job);
    const payload: QueuedJob = {
      version: { code: this.code, config: spec.configHash },
      run,
      experiment: experiment.name,
      config,
      job,
      backend: spec.backend,
      retrain: spec.retrain,
    };
    this.runs.add(run);
    const settled = new Promise<unknown>((resolve, reject) => {
      this.waiting.set(id, {
        payload,
        resolve,
        reject,
        onProgress: capped(onProgress, job.records.length),
        notes: new Set(),
      });
    });
    settled.catch(() => {}); // it may be rejected (Redis gone) before it is awaited below
    try {
      await this.enqueueNow(id, payload);
      void this.check(id);
      const result = parseResult(experiment.name, job.id, await settled);
      const outputs = checkOutputs(experiment, spec, job.records, result);
      await this.fetchFor(run, result, spec);
      const waiter = this.waiting.get(id)!;
      for (const output of outputs) waiter.onProgress(output.record.id); // any record whose progress was missed
      return outputs as never;
    } finally {
      this.waiting.delete(id);
    }
  };

  /**
   * Removes its runs' jobs (those an earlier, killed coordinator of the same runs queued too) and artifacts
   * from Redis: call it once their records are written (the next run of the same config then starts afresh).
   */
  async forget(): Promise<void> {
    for (const run of this.runs) await this.reachable(this.forgetRun(run), "remove its jobs");
    this.runs.clear();
  }

  /** Every finished or waiting job of `run` (an earlier, killed coordinator's too) and its artifacts. */
  private async forgetRun(run: string): Promise<void> {
    const jobs = await this.queue.getJobs(["completed", "failed", "wait", "delayed"]);
    for (const job of jobs) {
      if (job?.id?.startsWith(queueJobIdPrefix(run))) await job.remove().catch(() => {});
    }
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", artifactKeys.all(run), "COUNT", 500);
      if (keys.length) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }

  async close(): Promise<void> {
    clearInterval(this.polling);
    for (const waiter of this.waiting.values()) {
      waiter.reject(new Error("Cannot wait for the job: the executor closed"));
    }
    await shutDown(this.redis, this.queue, this.events);
  }

  /** `enqueue`, with `check` kept off the job until it is queued (it would read a half-queued job as lost). */
  private async enqueueNow(id: string, payload: QueuedJob): Promise<void> {
    this.enqueuing.add(id);
    try {
      await this.reachable(this.enqueue(id, payload), `queue ${payload.experiment} job ${payload.job.id}`);
    } finally {
      this.enqueuing.delete(id);
    }
  }

  /** Queues a job unless it is in the queue already; a job that failed in an earlier run is retried once. */
  private async enqueue(id: string, payload: QueuedJob): Promise<void> {
    const existing = await Job.fromId(this.queue, id);
    if (existing) {
      if (await existing.getState() === "failed") {
        this.options.log(
          `selgen: ${payload.experiment} job ${payload.job.id} failed before (${existing.failedReason}); retrying it`,
        );
        await existing.retry("failed");
      }
      return;
    }
    await this.queue.add(payload.job.kind, payload, {
      jobId: id,
      attempts: 2,
      backoff: { type: "fixed", delay: 1000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** Follows BullMQ's events and, as a safety net, checks every job in flight each `pollSeconds`. */
  private listen(): void {
    // Unheard, BullMQ prints each connection error with its stack; one line per change of message instead.
    const once = changed();
    const onError = (error: Error) => {
      if (once(error.message)) {
        this.options.log(
          `selgen: Redis at ${this.address.label}: ${error.message}; waiting up to ${this.options.redisTimeout} s`,
        );
      }
    };
    this.queue.on("error", onError);
    this.events.on("error", onError);
    this.events.on("progress", ({ jobId, data }) => {
      const note = (data as { note?: unknown })?.note;
      const waiter = this.waiting.get(jobId);
      if (waiter && typeof note === "string" && !waiter.notes.has(note)) {
        waiter.notes.add(note);
        waiter.onProgress(note);
      }
    });
    this.events.on("completed", ({ jobId }) => void this.check(jobId));
    this.events.on("failed", ({ jobId }) => void this.check(jobId));
    let busy = false;
    this.polling = setInterval(async () => {
      if (busy) return;
      busy = true;
      await this.poll().finally(() => busy = false);
    }, this.options.pollSeconds * 1000);
  }

  /** Checks every job in flight, or, once Redis has been silent for `redisTimeout`, fails them all at once. */
  private async poll(): Promise<void> {
    if (this.waiting.size === 0) {
      this.lastContact = Date.now();
      return;
    }
    try {
      await within(this.redis.ping(), this.options.pollSeconds * 5, () => "no answer");
      this.lastContact = Date.now();
    } catch {
      if (this.silentSeconds() < this.options.redisTimeout) return;
      const error = this.unreachable();
      for (const waiter of this.waiting.values()) waiter.reject(error);
      return;
    }
    for (const id of [...this.waiting.keys()]) await this.check(id);
  }

  /** Settles a waiting job that completed or failed; queues again one that Redis no longer holds. */
  private async check(id: string): Promise<void> {
    const waiter = this.waiting.get(id);
    if (!waiter || this.enqueuing.has(id)) return;
    try {
      const seconds = this.options.pollSeconds * 5;
      // The state first, then the job: BullMQ stores a return value and the state in one step, so a job read
      // before its state could be an active one's snapshot, without its return value.
      const state = await within(this.queue.getJobState(id), seconds, () => "no answer");
      const job = state === "completed" || state === "failed"
        ? await within(Job.fromId(this.queue, id), seconds, () => "no answer")
        : undefined;
      this.lastContact = Date.now();
      if (state === "completed") waiter.resolve(job?.returnvalue);
      else if (state === "failed") {
        const { experiment, job: planned } = waiter.payload;
        waiter.reject(
          new QueueJobError(`Cannot run ${experiment} job ${planned.id} on the queue: ${job?.failedReason}`),
        );
      } else if (state === "unknown") {
        this.options.log(
          `selgen: job ${waiter.payload.job.id} is gone from Redis (was it restarted?); queued again`,
        );
        await this.enqueueNow(id, waiter.payload);
      }
    } catch (error) {
      if (error instanceof QueueJobError) waiter.reject(error);
      // else Redis did not answer in time: the poll fails every job once it has been silent too long
    }
  }

  private silentSeconds(): number {
    return (Date.now() - this.lastContact) / 1000;
  }

  private unreachable(): QueueJobError {
    return new QueueJobError(
      `Cannot reach Redis at ${this.address.label} for ${Math.round(this.silentSeconds())} s (${
        this.redis.lastError ?? "no answer"
      }): when it is back, run the same command again; finished records are kept and queued jobs are picked up`,
    );
  }

  /** `promise`, or a `QueueJobError` when Redis does not answer it within `redisTimeout`. */
  private async reachable<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await within(promise, this.options.redisTimeout, () => "no answer");
    } catch (error) {
      if (error instanceof QueueJobError) throw error;
      throw new QueueJobError(`Cannot ${what}: ${this.unreachable().message}`);
    }
  }

  /** Writes the artifacts a job left into this machine's folders (the cache only when it is the default one). */
  private async fetchFor(run: string, result: JobResult, spec: JobSpec): Promise<void> {
    const dirs = { artifacts: spec.artifacts, ...(spec.cacheDir ? {} : { cache: CACHE_ROOT }) };
    const fetched = fetchArtifacts(this.redis, run, result.artifacts, dirs).catch((error: Error) => {
      throw new QueueJobError(error.message); // a corrupt artifact: reported without a stack trace
    });
    const { missing } = await this.reachable(fetched, "fetch the job's artifacts");
    if (missing.length) {
      this.options.log(`selgen: artifacts gone from Redis, not copied here: ${missing.join(", ")}`);
    }
  }
}

/** Closes the queue and its listener (not waiting on a Redis that is gone) and disconnects every client. */
async function shutDown(redis: Redis, queue: Queue, events: QueueEvents): Promise<void> {
  await within(Promise.allSettled([events.close(), queue.close()]), 5, () => "").catch(() => {});
  for (const client of [redis, queue.opts.connection, events.opts.connection]) (client as Redis).disconnect();
}

/** Forwards at most `limit` notes: one per record, however often a retried job reports. */
function capped(onProgress: (note: string) => void, limit: number): (note: string) => void {
  let count = 0;
  return (note) => {
    if (count++ < limit) onProgress(note);
  };
}

function parseResult(experiment: string, jobId: string, value: unknown): JobResult {
  const parsed = JobResultSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new QueueJobError(
    `Cannot save ${experiment} job ${jobId}: its result from the queue is not a selgen result (${
      describeIssue(parsed.error.issues[0]!)
    })`,
  );
}

/** The records a job returned, each checked against the experiment's schema, config hash and plan. */
function checkOutputs<C, R extends RecordBase>(
  experiment: Experiment<C, R, unknown>,
  spec: JobSpec,
  expected: readonly string[],
  result: JobResult,
): RunOutput<R>[] {
  return result.outputs.map((output) => {
    const parsed = experiment.recordSchema.safeParse(output.record);
    const id = (output.record as { id?: unknown })?.id;
    if (!parsed.success) {
      throw new QueueJobError(
        `Cannot save record ${id}: it fails its schema (${describeIssue(parsed.error.issues[0]!)})`,
      );
    }
    if (parsed.data.configHash !== spec.configHash || !expected.includes(parsed.data.id)) {
      throw new QueueJobError(
        `Cannot save record ${id}: it is not one this run asked for (config ${parsed.data.configHash})`,
      );
    }
    return { record: parsed.data, config: output.config, metrics: output.metrics };
  });
}
