/**
 * Whether a path exists, without throwing.
 *
 * @module
 */

/** True when `path` names an existing file or folder. */
export async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
