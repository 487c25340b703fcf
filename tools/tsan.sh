#!/usr/bin/env bash
# Builds the unit tests with ThreadSanitizer (in build-tsan/) and runs the tests of parallel
# runs and of the thread team ([parallel]): no data race may be reported. The networks are
# built on one thread (oneTBB, which builds connectivity in parallel, is not instrumented and
# would be reported falsely); the runs use 2-4 threads.
# Run after tools/install-deps.sh (tools/test-all.sh does that); .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
# GCC 12's ThreadSanitizer cannot map its shadow memory with more than 28 bits of mmap
# randomisation (it crashes at start); lower it for the run if allowed (CI runs as root).
if [[ -r /proc/sys/vm/mmap_rnd_bits && $(cat /proc/sys/vm/mmap_rnd_bits) -gt 28 ]]; then
  echo 28 > /proc/sys/vm/mmap_rnd_bits || { echo "tsan: vm.mmap_rnd_bits > 28 and cannot be lowered" >&2; exit 1; }
fi
build=build-tsan
# -O1 -g1 (line tables), assertions on (no NDEBUG).
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DIONSPIKE_BUILD_BENCH=OFF \
      -DPython3_EXECUTABLE=/usr/bin/python3 > /dev/null
cmake --build "$build" --target ionspike_tests
TSAN_OPTIONS="halt_on_error=1 exitcode=96" "$build/tests/ionspike_tests" "[parallel]"
echo "tsan: parallel runs and the thread team clean under ThreadSanitizer"
