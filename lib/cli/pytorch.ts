/**
 * The PyTorch side of `deno task bench`: Debian's `/usr/bin/python3` with `python3-torch` runs the reference
 * scripts in `bench/` on one thread each, once with the BLAS torch loads by default and again with each other
 * BLAS installed (torch's speed here is mostly its BLAS's). A benchmark's helper, never a product dependency.
 *
 * @module
 */

/** The Python that has Debian's torch (not the `python3` first on PATH). */
export const PYTHON = "/usr/bin/python3";

/** A file of raw little-endian values a reference script reads back with numpy, and the array's shape. */
export interface ReferenceArray {
  file: string;
  shape: number[];
}

/**
 * Writes arrays into `dir` (created) as numbered raw files for a reference script; each call returns its entry
 * for the script's manifest.
 */
export async function referenceWriter(
  dir: string,
): Promise<(values: Float32Array | Int32Array, shape: number[]) => Promise<ReferenceArray>> {
  await Deno.mkdir(dir, { recursive: true });
  let files = 0;
  return async (values, shape) => {
    const file = `${files++}.bin`;
    await Deno.writeFile(
      `${dir}/${file}`,
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
    return { file, shape };
  };
}

/** What every PyTorch reference reports. */
export interface PytorchRun {
  seconds: number;
  threads: number;
  torch: string;
  /** The library behind torch's BLAS calls. */
  blas: string[] | null;
}

/**
 * Runs a reference script on one thread (`script DATA RESULT 1`), optionally with `libblas.so.3` taken from
 * `blasDirectory`, and returns what it wrote to `result`.
 */
export async function runPython<R extends PytorchRun>(
  script: URL,
  data: string,
  result: string,
  blasDirectory?: string,
): Promise<R> {
  const { success, stderr } = await new Deno.Command(PYTHON, {
    args: [script.pathname, data, result, "1"],
    ...(blasDirectory ? { env: { LD_LIBRARY_PATH: blasDirectory } } : {}),
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`The PyTorch reference failed:\n${new TextDecoder().decode(stderr)}`);
  return JSON.parse(await Deno.readTextFile(result));
}

/**
 * The BLAS libraries installed for Debian's torch: each provider of `libblas.so.3` (reference BLAS, OpenBLAS,
 * BLIS) lives in its own directory under /usr/lib/<arch>/, and the alternatives system picks one by default.
 */
export async function blasDirectories(): Promise<string[]> {
  const found: string[] = [];
  const entries = async (dir: string) => {
    try {
      return await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return [];
    }
  };
  for (const arch of await entries("/usr/lib")) {
    if (!arch.isDirectory || !arch.name.includes("-linux-")) continue;
    for (const provider of await entries(`/usr/lib/${arch.name}`)) {
      const dir = `/usr/lib/${arch.name}/${provider.name}`;
      if (provider.isDirectory && (await entries(dir)).some((e) => e.name === "libblas.so.3")) {
        found.push(dir);
      }
    }
  }
  return found.sort();
}

/** A short name for the BLAS torch loaded, read off its library's path. */
export function blasName(paths: string[] | null): string {
  const path = paths?.[0]?.toLowerCase();
  if (!path) return "";
  const known = [["openblas", "OpenBLAS"], ["blis", "BLIS"], ["mkl", "MKL"], ["/blas/", "reference BLAS"]];
  return `, ${known.find(([key]) => path.includes(key!))?.[1] ?? path.split("/").at(-1)}`;
}

/** Whether `PYTHON` can import torch. */
export async function hasTorch(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(PYTHON, { args: ["-c", "import torch"], stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

/**
 * Runs a reference script with the BLAS torch loads by default, then again with each other BLAS installed
 * (torch's speed here is mostly its BLAS's); the first run names the default. Logs each time under `label`.
 */
export async function runEveryBlas<R extends PytorchRun>(
  script: URL,
  dir: string,
  label: string,
): Promise<R[]> {
  const first = await runPython<R>(script, dir, `${dir}/result.json`);
  const loaded = new Set((first.blas ?? []).map((path) => path.slice(0, path.lastIndexOf("/"))));
  const runs = [first];
  for (const blas of (await blasDirectories()).filter((d) => !loaded.has(d))) {
    runs.push(await runPython<R>(script, dir, `${dir}/result.json`, blas));
  }
  for (const r of runs) {
    console.error(`bench: ${label}, PyTorch ${r.seconds.toFixed(1)} s${blasName(r.blas)}`);
  }
  return runs;
}

/**
 * Runs a reference script once, on OpenBLAS where it is installed (the fastest BLAS here: see the task-only
 * rows), else on the BLAS torch loads by default. For references too long to repeat on every BLAS.
 */
export async function runFastestBlas<R extends PytorchRun>(
  script: URL,
  dir: string,
  label: string,
): Promise<R> {
  const openblas = (await blasDirectories()).find((d) => /openblas/i.test(d));
  const run = await runPython<R>(script, dir, `${dir}/result.json`, openblas);
  console.error(`bench: ${label}, PyTorch ${run.seconds.toFixed(1)} s${blasName(run.blas)}`);
  return run;
}
