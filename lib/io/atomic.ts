/**
 * Atomic file writes: write a temporary file beside the target, then rename it over the target, so a
 * reader (or a rerun after SIGKILL) sees either the old file or the complete new one, never half of one.
 *
 * @module
 */
import { dirname } from "node:path";

/** Writes text atomically, creating parent folders. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeBytesAtomic(path, new TextEncoder().encode(text));
}

/** Writes bytes atomically, creating parent folders. */
export async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Writes a value as pretty JSON atomically.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "../../mod.ts";
 * // Creates out/original/ if needed; a reader sees the old file or the complete new one.
 * await writeJsonAtomic("out/original/status.json", { map: null, points: [] });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
