/**
 * A lock that keeps two processes from writing one folder at once: an exclusive advisory lock (`flock`) on
 * `<dir>/.lock`, which the kernel releases when its process ends however it ends (SIGKILL included), so an
 * interrupted run never blocks the next one. The file also says who holds it, for the refusal's message.
 *
 * @module
 */
import { InputError } from "../config/input_error.ts";

/** A held lock: `release()` (or `using`) lets it go. */
export interface FolderLock extends Disposable {
  path: string;
  release(): void;
}

/** Takes `<dir>/.lock`, creating `dir`; refuses with an `InputError` naming the process that holds it. */
export async function lockFolder(dir: string): Promise<FolderLock> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/.lock`;
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
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    file.close(); // closing the file drops the lock
  };
  return { path, release, [Symbol.dispose]: release };
}
