/**
 * Picks and reports the TensorFlow.js backend.
 *
 * Order: `tfjs-node-gpu` > `tfjs-node` (only when the user installed them with their native binding) >
 * WASM > CPU. `SELGEN_BACKEND=tensorflow|wasm|cpu` overrides. tfjs is always loaded through the one
 * `@tensorflow/tfjs` entry point, so there is a single tfjs-core instance with gradients registered
 * (importing `tfjs-core` directly registers no gradients and no chained ops).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** The backends selgen knows how to start, fastest first. */
export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
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
          return { name: "tensorflow", provider: pkg, reason: `${pkg} is installed` };
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
  if (prefer === undefined || prefer === "wasm") {
    setWasmPaths(new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", ROOT).href);
    if (await tf.setBackend("wasm")) {
      patchWasmSlice();
      return {
        name: "wasm",
        provider: "@tensorflow/tfjs-backend-wasm",
        reason: prefer ? "requested" : "no tfjs-node package installed",
      };
    }
    if (prefer === "wasm") throw new Error("Cannot use the wasm backend: it failed to initialise");
  }
  if (!(await tf.setBackend("cpu"))) throw new Error("Cannot use the cpu backend: it failed to initialise");
  return { name: "cpu", provider: "@tensorflow/tfjs-backend-cpu", reason: prefer ? "requested" : "fallback" };
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
