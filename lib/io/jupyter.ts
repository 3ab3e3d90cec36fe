/**
 * Notebook output that arrives, under its own cell. Deno's kernel publishes what a cell outputs (prints,
 * displays, its result) from a queue that it drains while it answers the cell: a large output such as a
 * figure with its PNG can leave the kernel after it has reported the cell idle. A headless run then drops it,
 * and a live notebook files it under the next cell, because the kernel stamps each message with whichever
 * request is current when the message is sent. The more loaded the machine, the more often this happens.
 *
 * So `flush` waits until everything the cell has output so far has really been sent. It queues a marker (an
 * update of a display that does not exist, which every frontend ignores) behind the outputs, and a watcher
 * subscribed to the kernel's own IOPub socket (`iopub_watch.ts`, its address read from the connection file
 * on the kernel's command line) says when the marker goes out; the queue is first-in first-out, so the outputs
 * before it are out too. `display` shows a bundle and flushes. Where the watcher cannot connect (no `/proc`,
 * another kernel), `flush` waits a fixed second instead, which narrows the race without closing it.
 *
 * @module
 */
import type { IopubAddress, WatchMessage } from "./iopub_watch.ts";

/** The part of Deno's `Deno.jupyter` namespace used here. */
interface JupyterApi {
  /** Synchronous in Deno 2.9 (it queues the message), a promise in earlier versions. */
  broadcast(type: string, content: Record<string, unknown>): Promise<void> | void;
}

/** A MIME bundle: MIME type → data (`text/plain`, `text/html`, `image/png` as base64, …). */
export type MimeBundle = Record<string, unknown>;

/** `Deno.jupyter` inside Deno's Jupyter kernel; undefined anywhere else. */
function kernel(): JupyterApi | undefined {
  try {
    // Deno.jupyter exists only inside the kernel; touching it elsewhere throws.
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

/** Whether this code runs in a notebook cell. */
export function inNotebook(): boolean {
  return kernel() !== undefined;
}

/**
 * Queues a bundle for the running cell's output without waiting: a new output, or with `update` a new
 * content for the output shown earlier under `displayId` (anywhere in the notebook). Returns false outside a
 * notebook.
 */
export function publish(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const api = kernel();
  if (!api) return false;
  const transient = options.displayId ? { display_id: options.displayId } : {};
  const type = options.update ? "update_display_data" : "display_data";
  Promise.resolve(api.broadcast(type, { data: bundle, metadata: {}, transient })).catch(() => {});
  return true;
}

/** Shows a bundle in the running cell and waits until it has left the kernel (see `flush`). */
export async function display(bundle: MimeBundle, options: { displayId?: string } = {}): Promise<void> {
  if (publish(bundle, options)) await flush();
}

const MARKER = "selgen-flush-";
/** How long `flush` waits for its marker before it gives up and lets the cell end. */
const FLUSH_TIMEOUT_MS = 120_000;
/** The wait without a watcher. */
const FALLBACK_MS = 1000;

interface Watcher {
  waiters: Map<string, () => void>;
  alive: boolean;
}
let watcher: Promise<Watcher | undefined> | undefined;

/** The kernel's IOPub address, from the connection file after `--conn` on its command line. */
function iopubAddress(): IopubAddress | undefined {
  try {
    const args = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    const at = args.indexOf("--conn");
    if (at < 0) return undefined;
    const info = JSON.parse(Deno.readTextFileSync(args[at + 1]!));
    return { transport: info.transport ?? "tcp", ip: info.ip, port: info.iopub_port };
  } catch {
    return undefined;
  }
}

/** Starts the watcher worker; undefined when it cannot connect within 10 s. */
function startWatcher(): Promise<Watcher | undefined> {
  const address = iopubAddress();
  if (!address) return Promise.resolve(undefined);
  const worker = new Worker(new URL("./iopub_watch.ts", import.meta.url).href, { type: "module" });
  const state: Watcher = { waiters: new Map(), alive: true };
  return new Promise((resolve) => {
    const stop = () => {
      state.alive = false;
      worker.terminate();
      for (const wake of state.waiters.values()) wake();
      resolve(undefined);
    };
    const timer = setTimeout(stop, 10_000);
    worker.onmessage = (event: MessageEvent<WatchMessage>) => {
      if (event.data.type === "connected") {
        clearTimeout(timer);
        resolve(state);
      } else if (event.data.type === "seen") state.waiters.get(event.data.id)?.();
      else stop();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      stop();
    };
    worker.postMessage(address);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until everything the running cell has output so far has left the kernel; at once outside a notebook.
 * The marker is sent again, at growing intervals, until it is seen: the first one can go out before the
 * kernel has taken the watcher's subscription.
 */
export async function flush(): Promise<void> {
  const api = kernel();
  if (!api) return;
  watcher ??= startWatcher();
  const state = await watcher;
  if (!state?.alive) return await sleep(FALLBACK_MS);
  const id = `${MARKER}${crypto.randomUUID()}`;
  let seen = false;
  const arrived = new Promise<void>((resolve) => state.waiters.set(id, () => resolve(void (seen = true))));
  const deadline = performance.now() + FLUSH_TIMEOUT_MS;
  for (let wait = 50; !seen && state.alive && performance.now() < deadline; wait = Math.min(2 * wait, 2000)) {
    publish({ "text/plain": "" }, { displayId: id, update: true });
    await Promise.race([arrived, sleep(wait)]);
  }
  state.waiters.delete(id);
}
