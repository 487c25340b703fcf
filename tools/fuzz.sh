#!/usr/bin/env bash
# Fuzzes the two readers of untrusted files with libFuzzer under AddressSanitizer +
# UndefinedBehaviorSanitizer, FUZZ_SECONDS (default 60) each:
#   fuzz_network_text  network text: parse -> validate -> build -> 20 ms run
#                      (tests/fuzz/fuzz_network_text.cpp); seed corpus: tests/bad_networks,
#                      tests/fuzz/corpus and examples; dictionary: every field and enum name
#                      of networks/*.proto.
#   fuzz_checkpoint    checkpoint files: records -> embedded network -> build -> restore
#                      (tests/fuzz/fuzz_checkpoint.cpp); seed corpus: checkpoints written by
#                      short runs of tests/fuzz/checkpoint_networks/*.pbtxt and two examples.
# Builds in build-fuzz/ with clang. A finding (crash, sanitizer report, leak, timeout of
# 10 s, or an exception a target does not allow) fails the script and leaves the input in
# build-fuzz/findings/<target>/ (reproduce: build-fuzz/tests/fuzz/<target> FILE).
# Run after tools/install-deps.sh; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=build-fuzz
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DIONSPIKE_BUILD_TESTS=OFF \
      -DIONSPIKE_BUILD_BENCH=OFF -DIONSPIKE_BUILD_FUZZERS=ON -DIONSPIKE_PYTHON=OFF -DPython3_EXECUTABLE=/usr/bin/python3 > /dev/null
cmake --build "$build" --target fuzz_network_text fuzz_checkpoint ionspike
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1

# Network corpus and dictionary.
rm -rf "$build/corpus" "$build/findings"
mkdir -p "$build/corpus/network_text" "$build/corpus/checkpoint"
cp tests/bad_networks/*.pbtxt examples/*.pbtxt "$build/corpus/network_text"/
[[ -d tests/fuzz/corpus ]] && cp tests/fuzz/corpus/* "$build/corpus/network_text"/
/usr/bin/python3 - networks/*.proto > "$build/network.dict" <<'PY'
import re, sys
words = set()
for path in sys.argv[1:]:
    text = re.sub(r"//.*", "", open(path).read())
    words.update(re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\d+\s*[;\[]", text))
    words.update(re.findall(r"\bmessage\s+([A-Za-z_][A-Za-z0-9_]*)", text))
words.update(["{", "}", ":", "[", "]", "nan", "inf", "-inf", "1e308", "-1", "0", "4294967296", "\"exc\"", "\"inh\""])
for w in sorted(words):
    print('"%s"' % w.replace("\\", "\\\\").replace('"', '\\"'))
PY

# Checkpoint corpus: checkpoints this build writes (they embed its version, which the reader
# checks first, so a corpus kept in the repository would go stale at every release).
for network in tests/fuzz/checkpoint_networks/*.pbtxt examples/eis_plastic_network.pbtxt examples/song2000.pbtxt; do
  name=$(basename "$network" .pbtxt)
  "$build/ionspike" run "$network" --t-stop 20 --checkpoint-every 7 --out "$build/corpus/runs/$name" \
      --checkpoint "$build/corpus/runs/$name/at.ckpt" > /dev/null
  cp "$build/corpus/runs/$name/at.ckpt" "$build/corpus/checkpoint/$name.ckpt"
done
rm -rf "$build/corpus/runs"

failed=0
run_target() {  # target, extra libFuzzer options...
  local target=$1 status=0
  shift
  local findings="$build/findings/$target"
  mkdir -p "$findings"
  "$build/tests/fuzz/$target" "$build/corpus/${target#fuzz_}" "$@" -max_total_time="$seconds" \
      -timeout=10 -report_slow_units=5 -rss_limit_mb=4096 -seed=1 -print_final_stats=1 \
      -artifact_prefix="$findings/" > "$build/$target.log" 2>&1 || status=$?
  tail -n 25 "$build/$target.log"
  # Slow units (> 5 s, not a timeout) are listed but are no finding.
  if compgen -G "$findings/slow-unit-*" > /dev/null; then
    echo "fuzz: $target: slow inputs (> 5 s, under the 10 s timeout):" && ls -l "$findings"/slow-unit-*
  fi
  local found
  found=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [[ $status -ne 0 || $found -ne 0 ]]; then
    echo "fuzz: $target found a problem (exit $status); inputs in $findings/:" >&2
    ls -l "$findings" >&2
    failed=1
  else
    echo "fuzz: $target ran ${seconds} s without findings"
  fi
}
run_target fuzz_network_text -dict="$build/network.dict" -max_len=8192
run_target fuzz_checkpoint
exit $failed
