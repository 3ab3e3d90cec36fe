/**
 * A Deno worker that subscribes to the Jupyter kernel's own IOPub socket and reports the display ids of the
 * `update_display_data` messages it sees go out (see `jupyter.ts`: they mark how far the kernel's output
 * queue has been sent). It speaks just enough ZMTP 3.0 for a SUB socket with the NULL mechanism: the 64-byte
 * greeting, a READY command, one subscription to every topic, then frames. It runs on its own thread so that
 * it keeps reading while the notebook's thread is busy training: a subscriber that stopped reading would stall
 * the kernel's publishing to every frontend.
 *
 * @module
 */

/** Where the kernel's IOPub socket listens, from its connection file. */
export interface IopubAddress {
  transport: string;
  ip: string;
  port: number;
}

/** What the watcher posts: connected once, then every marker it sees; or why it stopped. */
export type WatchMessage = { type: "connected" } | { type: "seen"; id: string } | {
  type: "error";
  error: string;
};

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<IopubAddress>) => void) | null;
  postMessage(message: WatchMessage): void;
};

const MARKER = "selgen-flush-";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readExact(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const buf = new Uint8Array(n);
  for (let offset = 0; offset < n;) {
    const read = await conn.read(buf.subarray(offset));
    if (read === null) throw new Error("the kernel closed its IOPub socket");
    offset += read;
  }
  return buf;
}

/** One ZMTP frame: flags (bit 0 more, bit 1 long size, bit 2 command), a 1- or 8-byte size, the body. */
async function readFrame(conn: Deno.Conn): Promise<{ body: Uint8Array; more: boolean }> {
  const [flags] = await readExact(conn, 1);
  const long = (flags! & 0x02) !== 0;
  const sizeBytes = await readExact(conn, long ? 8 : 1);
  const size = long ? Number(new DataView(sizeBytes.buffer).getBigUint64(0)) : sizeBytes[0]!;
  return { body: await readExact(conn, size), more: (flags! & 0x01) !== 0 };
}

function frame(body: Uint8Array, command = false): Uint8Array {
  const long = body.length > 255;
  const out = new Uint8Array((long ? 9 : 2) + body.length);
  out[0] = (long ? 0x02 : 0) | (command ? 0x04 : 0);
  if (long) new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  else out[1] = body.length;
  out.set(body, long ? 9 : 2);
  return out;
}

/** The greeting: signature, version 3.0, mechanism NULL, not as-server, zero filler. */
function greeting(): Uint8Array {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g.set(encoder.encode("NULL"), 12);
  return g;
}

/** READY with the one property Socket-Type = SUB. */
function ready(): Uint8Array {
  const name = encoder.encode("READY");
  const key = encoder.encode("Socket-Type");
  const value = encoder.encode("SUB");
  const body = new Uint8Array(1 + name.length + 1 + key.length + 4 + value.length);
  body[0] = name.length;
  body.set(name, 1);
  body[1 + name.length] = key.length;
  body.set(key, 2 + name.length);
  new DataView(body.buffer).setUint32(2 + name.length + key.length, value.length);
  body.set(value, 6 + name.length + key.length);
  return frame(body, true);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}

/** The display id of a marker message (an `update_display_data` whose id starts with MARKER), if it is one. */
function markerOf(frames: readonly Uint8Array[]): string | undefined {
  const delimiter = frames.findIndex((f) => f.length === 9 && decoder.decode(f) === "<IDS|MSG>");
  const header = frames[delimiter + 2];
  const content = frames[delimiter + 5];
  if (delimiter < 0 || !header || !content || content.length > 4096) return undefined;
  if (JSON.parse(decoder.decode(header)).msg_type !== "update_display_data") return undefined;
  const id = JSON.parse(decoder.decode(content))?.transient?.display_id;
  return typeof id === "string" && id.startsWith(MARKER) ? id : undefined;
}

async function watch(address: IopubAddress): Promise<void> {
  const conn = address.transport === "ipc"
    ? await Deno.connect({ transport: "unix", path: `${address.ip}-${address.port}` })
    : await Deno.connect({ hostname: address.ip, port: address.port });
  await writeAll(conn, greeting());
  await readExact(conn, 64);
  await writeAll(conn, ready());
  await readFrame(conn); // the kernel's READY
  await writeAll(conn, frame(new Uint8Array([1]))); // subscribe to every topic (ZMTP 3.0 form)
  scope.postMessage({ type: "connected" });
  while (true) {
    const frames: Uint8Array[] = [];
    for (let more = true; more;) {
      const next = await readFrame(conn);
      frames.push(next.body);
      more = next.more;
    }
    const id = markerOf(frames);
    if (id) scope.postMessage({ type: "seen", id });
  }
}

scope.onmessage = (event) => {
  watch(event.data).catch((error) => scope.postMessage({ type: "error", error: String(error) }));
};
