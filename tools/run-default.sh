#!/usr/bin/env bash
# Quick-start command 1: install what is missing, build (Release), then run the bundled
# defaults: the EIS demo (four STDP forms and cumulative LTP/LTD through the engine) and the
# default network.
#   tools/run-default.sh            both
#   tools/run-default.sh NETWORK    only `ionspike run NETWORK` (extra arguments passed on)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target ionspike -j"$(nproc)"
if (($# > 0)); then
  network=$1
  shift
  exec build/ionspike run "$network" "$@"
fi
build/ionspike demo --out out/demo
echo
exec build/ionspike run examples/default.pbtxt
