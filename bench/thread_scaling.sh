#!/bin/bash
# Simulation time of one network at several thread counts (issue 6): bench_network runs, one
# repetition per process, the thread counts in rotated order every repetition so that load
# drifts hit them alike; prints every run, then the median per thread count and the speed-up
# over the first count. The outputs of every thread count are identical bit for bit
# (tests/test_parallel_run.cpp, ctest cli.parallel_outputs_identical).
#   bench/thread_scaling.sh NETWORK T_STOP_MS REPEAT [THREADS...]    (default threads: 1 2)
# Example (docs/benchmarks.md):
#   bench/thread_scaling.sh examples/brunel_plastic_stdp.pbtxt 1000 5 1 2
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_NETWORK:-$here/build/bench/bench_network}
net=$1; ts=$2; rep=$3; shift 3
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 2)
declare -A times
for k in $(seq 0 $((rep - 1))); do
  n=${#counts[@]}
  for i in $(seq 0 $((n - 1))); do
    t=${counts[$(((i + k) % n))]}
    out=$("$bench" "$net" --t-stop "$ts" --repeat 1 --threads "$t")
    sim=$(echo "$out" | grep -E "^\| 1 \|" | awk -F'|' '{gsub(/ /,"",$6); print $6}')
    ns=$(echo "$out" | grep -E "^\| 1 \|" | awk -F'|' '{gsub(/ /,"",$10); print $10}')
    note=$(echo "$out" | grep "ran on one thread" || true)
    echo "threads $t: simulation $sim s, $ns ns per synaptic event, load $(cut -d' ' -f1 /proc/loadavg) $note"
    times[$t]="${times[$t]:-} $sim"
  done
done
source "$here/bench/median.sh"
base=$(echo "${times[${counts[0]}]}" | median)
echo
echo "| threads | median simulation s | speed-up over ${counts[0]} |"
echo "|---:|---:|---:|"
for t in "${counts[@]}"; do
  m=$(echo "${times[$t]}" | median)
  echo "| $t | $m | $(awk -v b="$base" -v m="$m" 'BEGIN {printf "%.2f", b / m}') |"
done
