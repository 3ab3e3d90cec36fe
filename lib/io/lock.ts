/**
 * A lock that keeps two processes from writing one folder at once: an exclusive advisory lock (`flock`) on
 * `<dir>/.lock`, which the kernel releases when its process ends however it ends (SIGKILL included), so an
 * interrupted run never blocks the next one. The file also says who holds it, for the refusal's message. Within
 * one process the lock is re-entrant (a command holds its folders while each experiment in it runs).
 *
 * @module
 */
import { InputError } from "../config/input_error.ts";

/** A held lock: `release()` (or `using`) lets it go. */
export interface FolderLock extends Disposable {
  path: string;
  release(): void;
}

/** Locks this process holds: path → how many holders. */
const held = new Map<string, { file: Deno.FsFile; holders: number }>();

/** Takes `<dir>/.lock`, creating `dir`; refuses with an `InputError` naming the process that holds it. */
export async function lockFolder(dir: string): Promise<FolderLock> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/.lock`;
  const mine = held.get(path) ?? { file: await take(dir, path), holders: 0 };
  mine.holders++;
  held.set(path, mine);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (--mine.holders > 0) return;
    held.delete(path);
    mine.file.close(); // closing the file drops the lock
  };
  return { path, release, [Symbol.dispose]: release };
}

async function take(dir: string, path: string): Promise<Deno.FsFile> {
  const file = await Deno.open(path, { read: true, write: true, create: true });
  if (!await file.tryLock(true)) {
    const holder = await Deno.readTextFile(path).then((t) => t.trim(), () => "");
    file.close();
    throw new InputError(`Cannot write ${dir}: another run is writing it`, [
      `${path} is held by ${holder || "another process"}; wait for it to finish, or give another --out`,
    ]);
  }
  await file.truncate(0);
  const holder = `process ${Deno.pid} on ${Deno.hostname()}, started ${new Date().toISOString()}`;
  await file.write(new TextEncoder().encode(holder + "\n"));
  return file;
}
