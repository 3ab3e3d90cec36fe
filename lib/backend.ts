/**
 * Picks and reports the TensorFlow.js backend.
 *
 * Order: `tfjs-node-gpu` > `tfjs-node` (only when the user installed them with their native binding) > WASM >
 * CPU. `SELGEN_BACKEND=tensorflow|webgpu|wasm|cpu` overrides. WebGPU (`@tensorflow/tfjs-backend-webgpu`, on
 * whatever adapter Deno finds) is only ever chosen by name: under Deno it cannot read a tensor synchronously
 * (`WEBGPU_SYNC_READS`), and selgen's training and evaluation do, so the experiments refuse it; the adapter it
 * would use is named in the reason for the backend chosen instead. Deno exposes WebGPU only as an unstable
 * API, enabled for this project in `deno.json`. tfjs is always loaded through the one `@tensorflow/tfjs` entry
 * point, so there is a single tfjs-core instance with gradients registered (importing `tfjs-core` directly
 * registers no gradients and no chained ops).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** The backends selgen knows how to start, fastest first. */
export const BACKENDS = ["tensorflow", "webgpu", "wasm", "cpu"] as const;
/** A tfjs backend name selgen can run on. */
export type BackendName = typeof BACKENDS[number];

/** What `initBackend` chose, recorded in every run record. */
export interface BackendInfo {
  /** The tfjs backend name (`tensorflow` is tfjs-node or tfjs-node-gpu). */
  name: BackendName;
  /** The npm package that provides it, for run records. */
  provider: string;
  /** Why this backend was chosen. */
  reason: string;
  /** On webgpu, the adapter, e.g. `NVIDIA H200` or `llvmpipe (LLVM 15.0.6, 256 bits)`. */
  adapter?: string;
  /**
   * What run records carry as their `backend` and config hashes include: the name, and on webgpu the adapter
   * (`webgpu: llvmpipe (LLVM 15.0.6, 256 bits)`), since numbers differ from one GPU to another.
   */
  id: string;
}

const ROOT = new URL("../", import.meta.url);
const NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

let chosen: Promise<BackendInfo> | undefined;

/**
 * Starts the best available backend once and returns what was chosen; later calls return the same answer.
 * Pass `prefer` (or set `SELGEN_BACKEND`) to force one, switching if another is running; forcing an
 * unavailable backend throws.
 *
 * @example
 * ```ts
 * import { initBackend } from "../mod.ts";
 * const backend = await initBackend(); // tfjs-node-gpu > tfjs-node > wasm > cpu, or SELGEN_BACKEND
 * console.log(`backend: ${backend.name} from ${backend.provider} (${backend.reason})`);
 * await initBackend("cpu"); // switch to another backend; forcing an unavailable one throws
 * ```
 */
export function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  if (prefer !== undefined) {
    const previous = chosen;
    chosen = (previous ?? Promise.resolve(undefined)).catch(() => undefined).then((info) =>
      info?.name === prefer && tf.getBackend() === prefer ? info : start(prefer)
    );
  }
  chosen ??= start(envPreference());
  return chosen;
}

/** The backend name in a run record's `backend` (its `BackendInfo.id`): `webgpu: NVIDIA H200` → `webgpu`. */
export function backendName(id: string): BackendName {
  const name = id.split(":")[0]!;
  if (!(BACKENDS as readonly string[]).includes(name)) throw new Error(`Cannot start the backend "${id}"`);
  return name as BackendName;
}

/** The backend chosen by `initBackend`; throws if it has not run yet. */
export async function backendInfo(): Promise<BackendInfo> {
  if (!chosen) throw new Error("Cannot report the backend: call initBackend() first");
  return await chosen;
}

function envPreference(): BackendName | undefined {
  const value = Deno.env.get("SELGEN_BACKEND");
  if (value === undefined || value === "") return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new Error(`Cannot use SELGEN_BACKEND=${value}: allowed values are ${BACKENDS.join(", ")}`);
  }
  return value as BackendName;
}

async function start(prefer: BackendName | undefined): Promise<BackendInfo> {
  if (prefer === undefined || prefer === "tensorflow") {
    for (const pkg of NODE_PACKAGES) {
      if (!hasNativeBinding(pkg)) continue;
      try {
        await import(pkg); // registers the "tensorflow" backend on the shared tfjs-core
        if (await tf.setBackend("tensorflow")) {
          return { name: "tensorflow", id: "tensorflow", provider: pkg, reason: `${pkg} is installed` };
        }
      } catch (error) {
        console.warn(`selgen: ${pkg} is installed but failed to load (${error}); trying the next backend`);
      }
    }
    if (prefer === "tensorflow") {
      throw new Error(
        "Cannot use the tensorflow backend: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node " +
          "is installed with its native binding (see the README's CUDA section)",
      );
    }
  }
  let why = "no tfjs-node package installed";
  if (prefer === "webgpu") {
    const gpu = await startWebGpu();
    if ("info" in gpu) return gpu.info;
    throw new Error(`Cannot use the webgpu backend: ${gpu.why}`);
  }
  if (prefer === undefined) {
    const adapter = await findAdapter();
    if ("name" in adapter) {
      why += `; WebGPU adapter ${adapter.name}${
        adapter.software ? " (software)" : ""
      } left unused (experiments cannot read tensors synchronously on it)`;
    }
  }
  if (prefer === undefined || prefer === "wasm") {
    setWasmPaths(new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", ROOT).href);
    if (await tf.setBackend("wasm")) {
      patchWasmSlice();
      return {
        name: "wasm",
        id: "wasm",
        provider: "@tensorflow/tfjs-backend-wasm",
        reason: prefer ? "requested" : why,
      };
    }
    if (prefer === "wasm") throw new Error("Cannot use the wasm backend: it failed to initialise");
  }
  if (!(await tf.setBackend("cpu"))) throw new Error("Cannot use the cpu backend: it failed to initialise");
  return {
    name: "cpu",
    id: "cpu",
    provider: "@tensorflow/tfjs-backend-cpu",
    reason: prefer ? "requested" : "fallback",
  };
}

/** A software rasteriser posing as a GPU: correct, but slower than WASM for our sizes. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

/**
 * Why the experiments refuse the webgpu backend. tfjs-backend-webgpu 4.22 reads a tensor synchronously
 * (`dataSync`) by drawing its buffer into an `OffscreenCanvas` 2-D context, which Deno does not have, and
 * WebGPU itself maps buffers only asynchronously; selgen's training loop (its per-step losses), strategies and
 * evaluations read synchronously. Async reads (`await tensor.data()`) work, which is what the parity tests use.
 */
export const WEBGPU_SYNC_READS = "selgen's training and evaluation read tensors synchronously, which " +
  "tfjs-backend-webgpu cannot do under Deno (it reads through an OffscreenCanvas 2-D context, which Deno lacks); " +
  "run on wasm (the default), or on tfjs-node-gpu on a CUDA machine";

/** The adapter Deno finds (the one tfjs asks for: high performance), or why there is none. */
async function findAdapter(): Promise<{ name: string; software: boolean } | { why: string }> {
  if (!("gpu" in navigator)) {
    return { why: 'Deno runs without WebGPU (deno.json enables it: "unstable": ["webgpu"])' };
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    return { why: "Deno found no GPU adapter (a GPU needs its driver and the Vulkan loader, libvulkan1)" };
  }
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const name = info.description || `${info.vendor} ${info.device}`.trim() || "unnamed adapter";
  return { name, software: info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(name) };
}

/** Starts tfjs-backend-webgpu on the adapter Deno finds, software or not, or says why not. */
async function startWebGpu(): Promise<{ info: BackendInfo } | { why: string }> {
  const adapter = await findAdapter();
  if ("why" in adapter) return adapter;
  await import("@tensorflow/tfjs-backend-webgpu"); // registers the "webgpu" backend on the shared tfjs-core
  if (!(await tf.setBackend("webgpu"))) {
    return { why: `tfjs-backend-webgpu failed to start on ${adapter.name}` };
  }
  const { name } = adapter;
  const provider = "@tensorflow/tfjs-backend-webgpu";
  return { info: { name: "webgpu", id: `webgpu: ${name}`, adapter: name, provider, reason: "requested" } };
}

function hasNativeBinding(pkg: string): boolean {
  try {
    const libDir = new URL(`node_modules/${pkg}/lib/`, ROOT);
    for (const entry of Deno.readDirSync(libDir)) {
      if (!entry.name.startsWith("napi-v")) continue;
      Deno.statSync(new URL(`${entry.name}/tfjs_binding.node`, libDir));
      return true;
    }
  } catch {
    // not installed, or installed without running its install script
  }
  return false;
}

/** The parts of tfjs-backend-wasm's backend object the slice patch uses. */
interface WasmHeap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/**
 * tfjs-backend-wasm 4.22's Slice kernel copies its whole input out of the WASM heap (`readSync`) before taking
 * the slice, so one slice costs as much as its input (measured: a [300, 64] slice of [19·1000, 64] took 2.5 ms,
 * 40x a clone of the slice). Contiguous slices — a member's rows of a stacked tensor — now copy just their own
 * range within the heap; every other slice goes to the original kernel.
 */
function patchWasmSlice(): void {
  const original = tf.getKernel("Slice", "wasm");
  if (!original || (original as { selgenPatched?: boolean }).selgenPatched) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs["x"] as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [
      number[],
      number[],
    ];
    if (x.dtype === "string" || !tf.slice_util.isSliceContinous(x.shape, begin_, size_)) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as unknown as WasmHeap;
    const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
    const out = backend.makeOutput(size_, x.dtype);
    const count = tf.util.sizeFromShape(size_);
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + count));
    return out;
  };
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel({ ...original, kernelFunc, selgenPatched: true } as tf.KernelConfig);
}
