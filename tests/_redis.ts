// A throwaway redis-server for the queue tests: a free loopback port, nothing saved to disk.

/** A redis-server on a loopback port that saves nothing to disk. */
export async function startRedis(
  port?: number,
): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  if (port === undefined) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    port = (listener.addr as Deno.NetAddr).port;
    listener.close();
  }
  let child: Deno.ChildProcess;
  try {
    const args = ["--port", `${port}`, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    child = new Deno.Command("redis-server", { args, stdout: "null", stderr: "null" }).spawn();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error("Cannot start redis-server: install Debian's redis-server (./run test does)");
  }
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch (error) {
      if (i > 100) {
        child.kill("SIGKILL");
        throw error;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}
