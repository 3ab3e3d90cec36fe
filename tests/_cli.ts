// The reproduce command as a child process, with the permissions `deno task reproduce` grants.
const ROOT = new URL("..", import.meta.url);
const CLI = new URL("../lib/cli/reproduce.ts", import.meta.url).pathname;
const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
  "--allow-ffi",
  "--allow-net",
];

export function reproduceCommand(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, CLI, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
}

/** The queue worker as a child process, with the permissions `deno task worker` grants. */
export function workerCommand(args: string[]): Deno.Command {
  const worker = new URL("../lib/cli/worker.ts", import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS.filter((p) => p !== "--allow-run"), worker, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
}
