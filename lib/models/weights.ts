/**
 * Saving and loading model weights: a JSON manifest (cache key, shapes, the SHA-256 of the weights,
 * provenance) beside a little-endian float32 file. A load checks the key, every shape and the weights' hash,
 * and refuses a mismatch (another key, a truncated or overwritten file) with a message saying why.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { writeBytesAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { sha256Hex } from "../io/hash.ts";

/** The manifest written beside the weights. */
export const WeightsManifestSchema = z.strictObject({
  key: z.string(),
  shapes: z.array(z.array(z.int().nonnegative())),
  /** SHA-256 of the `.bin` file, hex: a file damaged at its own length is still found. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
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
  const bytes = new Uint8Array(values.buffer);
  await writeBytesAtomic(`${path}.bin`, bytes);
  const manifest = { key, shapes: variables.map((v) => v.shape), sha256: await sha256Hex(bytes), provenance };
  await writeJsonAtomic(`${path}.json`, manifest);
}

/** Reads a manifest, or undefined when there is none. */
export async function readManifest(path: string): Promise<WeightsManifest | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${path}.json`);
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `Cannot read weights ${path}.json: ${(error as Error).message} (half-written or corrupt)`,
    );
  }
  const parsed = WeightsManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Cannot read weights ${path}.json: ${issue?.path.join(".")}: ${issue?.message}`);
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
  if (await sha256Hex(bytes) !== manifest.sha256) {
    throw new Error(`Cannot load weights ${path}.bin: its SHA-256 differs from the manifest's (corrupt)`);
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
