#!/usr/bin/env bash
# Quick-start command 1: install what is missing, build (Release), run the default network.
#   tools/run-default.sh [NETWORK] [ionspike run options...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target ionspike -j"$(nproc)"
network=${1:-examples/default.pbtxt}
shift || true
exec build/ionspike run "$network" "$@"
