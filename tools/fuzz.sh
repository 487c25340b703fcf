#!/usr/bin/env bash
# Fuzzes the network reader (parse -> validate -> build -> 20 ms run) with libFuzzer under
# AddressSanitizer + UndefinedBehaviorSanitizer for FUZZ_SECONDS (default 60) per target.
# Builds in build-fuzz/ with clang; seed corpus: tests/bad_networks, tests/fuzz/corpus and
# examples; dictionary: every field and enum name of networks/*.proto. A finding (crash,
# sanitizer report, leak, timeout of 10 s, or an exception other than InputError out of
# validation or building; tests/fuzz/fuzz_network_text.cpp) fails the script and leaves the input in
# build-fuzz/findings/ (reproduce: build-fuzz/tests/fuzz/fuzz_network_text FILE).
# Run after tools/install-deps.sh; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=build-fuzz
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DIONSPIKE_BUILD_TESTS=OFF \
      -DIONSPIKE_BUILD_BENCH=OFF -DIONSPIKE_BUILD_FUZZERS=ON -DIONSPIKE_PYTHON=OFF -DPython3_EXECUTABLE=/usr/bin/python3 > /dev/null
cmake --build "$build" --target fuzz_network_text

corpus="$build/corpus" findings="$build/findings"
rm -rf "$corpus" "$findings"
mkdir -p "$corpus" "$findings"
cp tests/bad_networks/*.pbtxt examples/*.pbtxt "$corpus"/
[[ -d tests/fuzz/corpus ]] && cp tests/fuzz/corpus/* "$corpus"/
# Dictionary: field names, enum values and message names of the network format.
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
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1
status=0
"$build/tests/fuzz/fuzz_network_text" "$corpus" -dict="$build/network.dict" -max_total_time="$seconds" \
    -timeout=10 -report_slow_units=5 -rss_limit_mb=4096 -max_len=8192 -seed=1 -print_final_stats=1 \
    -artifact_prefix="$findings/" > "$build/fuzz_network_text.log" 2>&1 || status=$?
tail -n 25 "$build/fuzz_network_text.log"
# Slow units (> 5 s, not a timeout) are listed but are no finding.
if compgen -G "$findings/slow-unit-*" > /dev/null; then
  echo "fuzz: slow inputs (> 5 s, under the 10 s timeout):" && ls -l "$findings"/slow-unit-*
fi
found=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
if [[ $status -ne 0 || $found -ne 0 ]]; then
  echo "fuzz: fuzz_network_text found a problem (exit $status); inputs in $findings/:" >&2
  ls -l "$findings" >&2
  exit 1
fi
echo "fuzz: fuzz_network_text ran ${seconds} s without findings"
