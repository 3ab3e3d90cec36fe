/**
 * Artifacts that jobs share (saved base weights) travel through Redis: after a job, its worker uploads every
 * file the job wrote under the artifact roots; before a job, a worker fetches what the jobs it depends on
 * uploaded. Each file is stored once per run under its SHA-256 and checked against it when fetched; files are
 * written atomically, so a reader never sees half of one. A file missing from Redis (after a restart that lost
 * its data) is skipped: the job then trains that model again, with the same numbers.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import { writeBytesAtomic } from "../io/atomic.ts";
import { sha256Hex } from "../io/hash.ts";
import { type Artifact, artifactKeys, type ArtifactRoot, ArtifactSchema, SHARED_FOLDERS } from "./payload.ts";

/** Where each artifact root is on this machine (a root left out is neither scanned nor written). */
export type ArtifactDirs = Partial<Record<ArtifactRoot, string>>;

/** Every file under the roots, `root/path` → size and modification time. */
export type Snapshot = Map<string, string>;

/** Lists the shared files under each root (temporary files of atomic writes and lock files left out). */
export async function snapshot(dirs: ArtifactDirs): Promise<Snapshot> {
  const files: Snapshot = new Map();
  for (const [root, dir] of Object.entries(dirs)) {
    for (const path of await walk(dir, SHARED_FOLDERS[root as ArtifactRoot])) {
      const stat = await Deno.stat(`${dir}/${path}`).catch(() => undefined);
      if (stat?.isFile) files.set(`${root}/${path}`, `${stat.size}/${stat.mtime?.getTime()}`);
    }
  }
  return files;
}

async function walk(dir: string, prefix: string): Promise<string[]> {
  const paths: string[] = [];
  try {
    for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) paths.push(...await walk(dir, path));
      else if (entry.isFile && !/\.tmp-|\.lock$/.test(entry.name)) paths.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return paths;
}

/** Uploads the files new or changed since `before`, recorded under the job; returns them. */
export async function uploadArtifacts(
  redis: Redis,
  run: string,
  jobId: string,
  dirs: ArtifactDirs,
  before: Snapshot,
): Promise<Artifact[]> {
  const after = await snapshot(dirs);
  const artifacts: Artifact[] = [];
  for (const [key, stamp] of after) {
    if (before.get(key) === stamp) continue;
    const [root, ...rest] = key.split("/") as [ArtifactRoot, ...string[]];
    const path = rest.join("/");
    const bytes = await Deno.readFile(`${dirs[root]}/${path}`);
    const artifact = ArtifactSchema.parse({ root, path, sha256: await sha256Hex(bytes), size: bytes.length });
    await redis.set(artifactKeys.blob(run, artifact.sha256), Buffer.from(bytes), "NX");
    await redis.hset(artifactKeys.job(run, jobId), key, JSON.stringify(artifact));
    artifacts.push(artifact);
  }
  return artifacts;
}

/** What the jobs `jobIds` uploaded, each entry checked. */
export async function artifactsOf(redis: Redis, run: string, jobIds: readonly string[]): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const jobId of jobIds) {
    const entries = await redis.hgetall(artifactKeys.job(run, jobId));
    for (const [key, value] of Object.entries(entries)) {
      const parsed = ArtifactSchema.safeParse(parseJson(value));
      if (!parsed.success || `${parsed.data.root}/${parsed.data.path}` !== key) {
        throw new Error(`Cannot fetch job ${jobId}'s artifact ${key}: its entry in Redis is corrupt`);
      }
      artifacts.push(parsed.data);
    }
  }
  return artifacts;
}

/**
 * Writes each artifact under its root unless the same content is already there; a blob whose bytes do not
 * match their SHA-256 is refused. Returns how many files were written and how many were missing from Redis.
 */
export async function fetchArtifacts(
  redis: Redis,
  run: string,
  artifacts: readonly Artifact[],
  dirs: ArtifactDirs,
): Promise<{ written: number; missing: string[] }> {
  let written = 0;
  const missing: string[] = [];
  for (const artifact of artifacts) {
    const dir = dirs[artifact.root];
    if (dir === undefined) continue;
    const target = `${dir}/${artifact.path}`;
    const local = await Deno.readFile(target).catch(() => undefined);
    if (local && await sha256Hex(local) === artifact.sha256) continue;
    const blob = await redis.getBuffer(artifactKeys.blob(run, artifact.sha256));
    if (!blob) {
      missing.push(`${artifact.root}/${artifact.path}`);
      continue;
    }
    const bytes = new Uint8Array(blob);
    if (bytes.length !== artifact.size || await sha256Hex(bytes) !== artifact.sha256) {
      throw new Error(
        `Cannot fetch ${artifact.root}/${artifact.path}: its bytes in Redis fail their SHA-256`,
      );
    }
    await writeBytesAtomic(target, bytes);
    written++;
  }
  return { written, missing };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
