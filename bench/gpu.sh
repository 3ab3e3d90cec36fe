#!/usr/bin/env bash
# The GPU checks in one short run, on a machine whose GPU Deno's WebGPU can reach (its driver and the Vulkan
# loader, libvulkan1): the WebGPU parity tests on the adapter found, then `deno task bench` with only its toy
# heat-map set (on the machine's cores) and its WebGPU rows (the EM fine-tune step on WebGPU beside WASM). The
# bench runs even when a parity test fails; the exit status is the first failure's. It needs Deno and the npm
# packages installed (`./run test` installs them; a machine without network can take .tools/ and node_modules/
# from a clone that has them, source maps left out: `tar --exclude='*.map'`).
#
#   bench/gpu.sh [OUT]   (default out/gpu): OUT/parity.log, OUT/bench.json and OUT/bench.md (the bench's table)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/gpu}
mkdir -p "$out" || exit 1
export PATH="$PWD/.tools/node_modules/.bin:$PATH" NO_COLOR=1
deno --version | head -n 1
deno test --allow-all tests/webgpu_test.ts 2>&1 | tee "$out/parity.log"
status=$?
deno task bench --out "$out" --skip single --skip one-by-one --skip pytorch --skip strategies \
  --skip organisms --skip bases | tee "$out/bench.md"
bench=$?
exit $((status != 0 ? status : bench))
