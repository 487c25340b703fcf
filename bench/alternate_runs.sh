#!/bin/bash
# Alternating runs of two bench_network binaries (e.g. before/after a change), one repetition
# per process, the order flipped every repetition; prints one line per run.
#   bench/alternate_runs.sh OLD_BENCH NEW_BENCH NETWORK T_STOP_MS REPEAT
# Example (docs/benchmarks.md, issue 6):
#   bench/alternate_runs.sh /tmp/old/build/bench/bench_network build/bench/bench_network \
#       bench/networks/brette4_100k.pbtxt 1000 3
set -euo pipefail
OLD=$1; NEW=$2; net=$3; ts=$4; rep=$5
for k in $(seq 1 "$rep"); do
  if [ $((k % 2)) = 1 ]; then order="OLD NEW"; else order="NEW OLD"; fi
  for w in $order; do
    b=${!w}
    out=$("$b" "$net" --t-stop "$ts" --repeat 1)
    row=$(echo "$out" | grep -E "^\| 1 \|")
    bytes=$(echo "$out" | grep -o "allocator): [0-9.]*" | cut -d' ' -f2)
    rss=$(echo "$out" | grep -o "memory: [0-9.]*" | cut -d' ' -f2)
    echo "$w $net $ts | $row bytes $bytes rss $rss | load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
