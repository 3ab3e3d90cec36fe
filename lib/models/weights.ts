/**
 * Saving and loading model weights: a JSON manifest (cache key, shapes, provenance) beside a little-endian
 * float32 file. A load checks the key and every shape, and refuses a mismatch with a message saying why.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { writeJsonAtomic } from "../io/atomic.ts";

/** The manifest written beside the weights. */
export const WeightsManifestSchema = z.strictObject({
  key: z.string(),
  shapes: z.array(z.array(z.int().nonnegative())),
  /** What produced the weights (config, backend, timing), for humans. */
  provenance: z.record(z.string(), z.unknown()),
});

/** A validated manifest. */
export type WeightsManifest = z.output<typeof WeightsManifestSchema>;

/** Writes variables (in order) to `<path>.bin` and `<path>.json`, atomically. */
export async function saveWeights(
  path: string,
  variables: readonly tf.Variable[],
  key: string,
  provenance: Record<string, unknown>,
): Promise<void> {
  const total = variables.reduce((s, v) => s + v.size, 0);
  const values = new Float32Array(total);
  let offset = 0;
  for (const v of variables) {
    values.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  const temp = `${path}.bin.tmp-${Deno.pid}`;
  await Deno.writeFile(temp, new Uint8Array(values.buffer));
  await Deno.rename(temp, `${path}.bin`);
  await writeJsonAtomic(`${path}.json`, { key, shapes: variables.map((v) => v.shape), provenance });
}

/** Reads a manifest, or undefined when there is none. */
export async function readManifest(path: string): Promise<WeightsManifest | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${path}.json`);
  } catch {
    return undefined;
  }
  const parsed = WeightsManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`Cannot read weights ${path}.json: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

/**
 * Loads weights into `variables` (same order and shapes). Refuses a file made for another key, a shape
 * mismatch, or a truncated file, saying which.
 */
export async function loadWeights(
  path: string,
  variables: readonly tf.Variable[],
  expectedKey: string,
): Promise<WeightsManifest> {
  const manifest = await readManifest(path);
  if (!manifest) throw new Error(`Cannot load weights ${path}: ${path}.json does not exist`);
  if (manifest.key !== expectedKey) {
    throw new Error(
      `Cannot load weights ${path}: they were trained for key ${manifest.key}, but this config and code give ` +
        `${expectedKey}; retrain (--retrain) or use the matching config`,
    );
  }
  if (manifest.shapes.length !== variables.length) {
    throw new Error(
      `Cannot load weights ${path}: it holds ${manifest.shapes.length} tensors, the model has ${variables.length}`,
    );
  }
  const bytes = await Deno.readFile(`${path}.bin`);
  const total = variables.reduce((s, v) => s + v.size, 0);
  if (bytes.byteLength !== total * 4) {
    throw new Error(
      `Cannot load weights ${path}.bin: ${bytes.byteLength} bytes, expected ${
        total * 4
      } (corrupt or truncated)`,
    );
  }
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, total);
  let offset = 0;
  variables.forEach((v, i) => {
    const shape = manifest.shapes[i]!;
    if (shape.join("x") !== v.shape.join("x")) {
      throw new Error(
        `Cannot load weights ${path}: tensor ${i} is ${shape.join("x")}, the model's is ${v.shape.join("x")}`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(values.slice(offset, offset + v.size), v.shape)));
    offset += v.size;
  });
  return manifest;
}
