#!/usr/bin/env bash
# SIGTERM and SIGINT while `ionspike run` builds its network: the process must not die. It says
# that the signal came during the build, stops at the run's start with a checkpoint and its
# outputs so far, and exits with 128 + the signal; `ionspike resume` of that checkpoint then
# ends with the uninterrupted run's outputs, byte for byte.
#
#   signal_during_build.sh IONSPIKE NETWORK WORKDIR
# The signal is sent as soon as the run has logged "building the network" (--log-level info),
# so it lands inside a build that takes ~1 s (tests/cli/networks/slow_build.pbtxt). Should the
# build have ended first (the run then says nothing of the build), it is tried again, up to 5
# times, and the test fails if the signal never landed in the build.
set -euo pipefail
ionspike=$1 network=$2 work=$3
source "$(dirname "${BASH_SOURCE[0]}")/../work_dir.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../same_outputs.sh"
fresh_work_dir "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$ionspike" run "$network" --out "$work/full" > /dev/null

for signal in TERM INT; do
  expected=$((128 + $(kill -l "$signal")))
  landed=0
  for attempt in 1 2 3 4 5; do
    rm -rf "$work/stopped" "$work/resumed" "$work/stderr"  # (no old "building" line may be seen)
    "$ionspike" --log-level info run "$network" --out "$work/stopped" > "$work/stdout" 2> "$work/stderr" &
    pid=$!
    until grep -qs "building the network" "$work/stderr" || ! kill -0 "$pid" 2> /dev/null; do sleep 0.01; done
    kill -s "$signal" "$pid" 2> /dev/null || true
    status=0
    wait "$pid" || status=$?
    if grep -q "SIG$signal arrived while the network was loaded and built" "$work/stderr"; then
      landed=1
      break
    fi
    echo "  SIG$signal, attempt $attempt: the build had ended before the signal (exit $status); again"
  done
  ((landed)) || { cat "$work/stderr" >&2; fail "SIG$signal never arrived during the build in 5 attempts"; }
  [[ $status -eq $expected ]] || { cat "$work/stderr" >&2; fail "SIG$signal during the build: exit $status, expected $expected"; }
  stop_ms=$(grep -o "stopped by SIG$signal at [0-9.e+-]* ms" "$work/stderr" | awk '{print $5}') ||
    { cat "$work/stderr" >&2; fail "SIG$signal: no stop message"; }
  # A serial run stops after its first event: the first step ends at 0.1 ms.
  awk -v t="$stop_ms" 'BEGIN { exit !(t <= 0.1 + 1e-9) }' || fail "SIG$signal during the build: stopped at $stop_ms ms, not at the start"
  [[ -s $work/stopped/checkpoint.ckpt ]] || fail "SIG$signal during the build: no checkpoint written"
  [[ -s $work/stopped/summary.json ]] || fail "SIG$signal during the build: no outputs written"
  echo "  SIG$signal during the build: exit $status, $(grep -o 'stopped by .* ms' "$work/stderr"), checkpoint and outputs written"
  "$ionspike" resume "$work/stopped/checkpoint.ckpt" --out "$work/resumed" > /dev/null ||
    fail "resume after SIG$signal failed"
  same_outputs "$work/full" "$work/resumed" || fail "SIG$signal and resume: outputs differ from the uninterrupted run"
  echo "  resumed: $same_outputs_files output files identical to the uninterrupted run"
  discard "$work/stopped" "$work/resumed"
done
echo "signals during the build: handled"
