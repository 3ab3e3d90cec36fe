/**
 * Connections to Redis for the distributed executor: a `redis://` or `rediss://` (TLS) URL, checked before
 * anything runs, and clients that wait out a short outage instead of failing a command (BullMQ requires
 * `maxRetriesPerRequest: null`). Messages name the server without its password.
 *
 * @module
 */
import { Redis } from "ioredis";
import { InputError } from "../config/input_error.ts";

/** How to reach one Redis server. */
export interface RedisAddress {
  url: string;
  /** The URL without user or password, for messages. */
  label: string;
}

/**
 * Checks a Redis URL: `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS.
 *
 * @example
 * ```ts
 * import { queue } from "../../mod.ts";
 * const address = queue.redisAddress("rediss://:secret@redis.lab.example:6380/2");
 * console.log(address.label); // rediss://redis.lab.example:6380/2 (the password is never printed)
 * ```
 */
export function redisAddress(url: string, flag = "--redis"): RedisAddress {
  const fail = (why: string) =>
    new InputError(`Cannot use ${flag}`, [
      `${flag} ${
        hidePassword(url)
      }: ${why}; give redis://[user:password@]host[:port][/db], or rediss://… for TLS`,
    ]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw fail("it is not a URL");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw fail(`${parsed.protocol} is not redis:`);
  }
  if (!parsed.hostname) throw fail("it names no host");
  if (!/^(\/\d*)?$/.test(parsed.pathname)) throw fail(`the database ${parsed.pathname} is not a number`);
  if (parsed.search || parsed.hash) throw fail("it has a query or fragment, which are not read");
  return { url, label: hidePassword(url) };
}

function hidePassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/.*@/, "//"); // up to the last @: a password may hold / or @
  }
}

/** A client that queues commands while disconnected and reconnects forever; errors only remembered. */
export function openRedis(address: RedisAddress): Redis & { lastError?: string } {
  const client = new Redis(address.url, { maxRetriesPerRequest: null, lazyConnect: false }) as Redis & {
    lastError?: string;
  };
  client.on("error", (error: Error) => void (client.lastError = error.message || String(error)));
  return client;
}

/** A filter that passes a message unless it repeats the one before (a Redis outage reports every retry). */
export function changed(): (message: string) => boolean {
  let last: string | undefined;
  return (message) => message !== last && (last = message, true);
}

/** Resolves with `promise`, or rejects after `seconds` with `why`. */
export function within<T>(promise: Promise<T>, seconds: number, why: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why())), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Opens a client and checks that the server answers within `seconds`; else an `InputError` saying how to fix it. */
export async function connectRedis(
  address: RedisAddress,
  seconds = 10,
): Promise<Redis & { lastError?: string }> {
  const client = openRedis(address);
  try {
    await within(client.ping(), seconds, () => client.lastError ?? "no answer");
    return client;
  } catch (error) {
    client.disconnect();
    throw new InputError(`Cannot reach Redis at ${address.label}`, [
      `${(error as Error).message}: start it (e.g. \`redis-server --port 6379\`) or fix --redis; ` +
      "a password goes in the URL (redis://:password@host:port)",
    ]);
  }
}
