/**
 * `deno task check`'s notebook step: formats a copy of every notebook with the project's settings and fails,
 * naming them, if any copy changed (run `deno fmt notebooks/` to fix). `deno fmt --check` itself reports every
 * `.ipynb` as unformatted on a cold cache even when `deno fmt` leaves it byte for byte (Deno 2.9's notebook
 * formatter always returns new text; compare denoland/deno#25840), so the check task skips notebooks there and
 * checks them here.
 *
 * @module
 */

const root = new URL("../../", import.meta.url);
const config = new URL("deno.json", root).pathname;
const folder = new URL("notebooks/", root).pathname;

const names = (await Array.fromAsync(Deno.readDir(folder)))
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();
const scratch = await Deno.makeTempDir({ prefix: "selgen-fmt-" });
try {
  const copies = await Promise.all(names.map(async (name) => {
    await Deno.copyFile(`${folder}${name}`, `${scratch}/${name}`);
    return `${scratch}/${name}`;
  }));
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", config, ...copies],
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`deno fmt failed on the notebooks:\n${new TextDecoder().decode(stderr)}`);
  const changed: string[] = [];
  for (const name of names) {
    const [before, after] = await Promise.all([
      Deno.readFile(`${folder}${name}`),
      Deno.readFile(`${scratch}/${name}`),
    ]);
    if (before.length !== after.length || before.some((b, i) => b !== after[i])) changed.push(name);
  }
  if (changed.length > 0) {
    console.error(
      `Not formatted: ${changed.map((n) => `notebooks/${n}`).join(", ")} (run deno fmt notebooks/)`,
    );
    Deno.exitCode = 1;
  } else console.log(`Checked ${names.length} notebooks`);
} finally {
  await Deno.remove(scratch, { recursive: true });
}
