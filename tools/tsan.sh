#!/usr/bin/env bash
# Builds the tests of parallel runs and of the thread team ([parallel]; the target
# ionspike_parallel_tests, tests/CMakeLists.txt) with ThreadSanitizer (in build-tsan/) and runs
# them: no data race may be reported. The networks are
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
# ionspike_parallel_tests: the two test files with [parallel] cases only (tests/CMakeLists.txt).
cmake --build "$build" --target ionspike_parallel_tests
# One process per test case, as many at a time as there are cores (the cases use 2-4 threads
# each, but ThreadSanitizer's bookkeeping keeps the cores busy: on 2 cores ~150 s instead of
# 266 s one after the other). Names are escaped for Catch's test spec (',', '[', ']', '\');
# Catch2 v2's listing exits with the number of names listed.
export TSAN_OPTIONS="halt_on_error=1 exitcode=96"
names=$("$build/tests/ionspike_parallel_tests" --list-test-names-only "[parallel]" | sed -e '/^$/d' -e 's/[],[\\]/\\&/g') || true
count=$(grep -c . <<< "$names" || true)
if ((count < 10)); then echo "tsan: only $count [parallel] test cases listed" >&2; exit 1; fi
xargs -d '\n' -P "$(nproc)" -I{} "$build/tests/ionspike_parallel_tests" --reporter compact {} <<< "$names" ||
  { echo "tsan: a test case failed or reported a data race (output above)" >&2; exit 1; }
echo "tsan: $count test cases of parallel runs and the thread team clean under ThreadSanitizer"
