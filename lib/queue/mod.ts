/**
 * The distributed executor: a coordinator queues an experiment's jobs in Redis through BullMQ
 * (`QueueExecutor`), workers on any machine with the same code run them (`serveQueue`), and records and
 * artifacts come back through Redis, checked against their schemas and SHA-256 digests.
 *
 * @module
 */
export { codeVersion } from "./version.ts";
export { type RedisAddress, redisAddress } from "./connection.ts";
export { QueueExecutor, type QueueExecutorOptions, QueueJobError } from "./executor.ts";
export { type QueueWorker, type QueueWorkerOptions, serveQueue } from "./worker.ts";
export { type JobResult, JobResultSchema, type QueuedJob, QueuedJobSchema } from "./payload.ts";
