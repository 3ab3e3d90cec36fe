/**
 * The distributed executor: a coordinator queues an experiment's jobs in Redis through BullMQ
 * (`QueueExecutor`), workers on any machine with the same code run them (`serveQueue`), and records and
 * artifacts come back through Redis, checked against their schemas and SHA-256 digests.
 *
 * @module
 */
export * from "./connection.ts";
export * from "./version.ts";
export * from "./payload.ts";
export * from "./artifacts.ts";
export * from "./executor.ts";
export * from "./worker.ts";
