#!/usr/bin/env bash
# Builds ionspike and its unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (in
# build-sanitize/), runs the unit tests, and feeds every bad network file of the corpus to
# `ionspike validate`: each must be refused with exit code 2 and no sanitizer report.
# Run after tools/install-deps.sh (tools/test-all.sh does that); .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-sanitize
# -O1 -g1 (line tables), assertions on (no NDEBUG): the sanitizers' recommended level; it
# builds in ~40 % of the time of -O2 -g and the tests run ~2.5x slower.
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DPython3_EXECUTABLE=/usr/bin/python3 > /dev/null
cmake --build "$build" --target ionspike_tests ionspike
export ASAN_OPTIONS=detect_leaks=1:exitcode=97 UBSAN_OPTIONS=print_stacktrace=1:exitcode=98
# Every test case in its own process, on every core (label unit: the Catch2 cases only; the
# other ctest entries need the Release tools). On 2 cores ~120 s instead of ~220 s in one process.
ctest --test-dir "$build" -L unit -j"$(nproc)" --output-on-failure
failures=0
for network in tests/bad_networks/*.pbtxt; do
  status=0
  "$build/ionspike" validate "$network" > /dev/null 2> "$build/sanitize-validate.log" || status=$?
  if [[ $status -ne 2 ]]; then
    echo "sanitize: $network: exit $status (expected 2)" >&2
    cat "$build/sanitize-validate.log" >&2
    failures=$((failures + 1))
  fi
done
if ((failures > 0)); then
  echo "sanitize: $failures bad network file(s) not refused cleanly" >&2
  exit 1
fi
echo "sanitize: unit tests and $(ls tests/bad_networks/*.pbtxt | wc -l) bad network files clean under ASan + UBSan"
