/**
 * The code version a queued job carries: a hash of everything in this clone that decides a record's numbers
 * (`lib/`, `data/` but for the model cache, `deno.json`, `deno.lock`). A worker whose version differs refuses
 * the job, so a fleet never mixes records of two code versions.
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../io/hash.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TREES = ["lib", "data"];
const FILES = ["deno.json", "deno.lock"];
/** Trained models cached under `data/` (checked by their own keys), not code. */
const SKIPPED = ["data/cache"];

/** Hidden files, editor backups and swap files: not code, and they would make two identical clones differ. */
const CLUTTER = /^\.|~$|\.sw[a-p]$/;

let memo: Promise<string> | undefined;

/**
 * SHA-256 over the sorted paths and contents of the clone's code and data, computed once per process.
 *
 * @example
 * ```ts
 * import { queue } from "../../mod.ts";
 * console.log(`this clone's code version: ${(await queue.codeVersion()).slice(0, 12)}`);
 * ```
 */
export function codeVersion(): Promise<string> {
  memo ??= hashFiles([
    ...TREES.flatMap((tree) => walk(`${ROOT}${tree}`)),
    ...FILES.map((f) => `${ROOT}${f}`),
  ]);
  return memo;
}

async function hashFiles(paths: string[]): Promise<string> {
  const lines = [];
  for (const path of paths.sort()) {
    lines.push(`${relative(ROOT, path)} ${await sha256Hex(await Deno.readFile(path))}`);
  }
  return await sha256Hex(lines.join("\n"));
}

function walk(dir: string): string[] {
  if (SKIPPED.includes(relative(ROOT, dir))) return [];
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (CLUTTER.test(entry.name)) continue;
    if (entry.isDirectory) files.push(...walk(path));
    else if (entry.isFile) files.push(path);
  }
  return files;
}
