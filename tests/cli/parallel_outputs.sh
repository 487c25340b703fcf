#!/bin/bash
# Runs a network with --threads 1 and with each of the other thread counts given, and checks
# that the runs with several threads really ran in parallel ("on N threads" in the summary)
# and that every output file (spikes, weights, samples; all but summary.json, which holds
# timings) is byte for byte the one-thread file.
#   parallel_outputs.sh IONSPIKE NETWORK WORK_DIR T_STOP_MS THREADS...
set -euo pipefail
ionspike=$1; net=$2; work=$3; t_stop=$4; shift 4
source "$(dirname "${BASH_SOURCE[0]}")/../work_dir.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../same_outputs.sh"
fresh_work_dir "$work"
"$ionspike" run "$net" --t-stop "$t_stop" --threads 1 --out "$work/t1" > "$work/t1.log"
for n in "$@"; do
  "$ionspike" run "$net" --t-stop "$t_stop" --threads "$n" --out "$work/t$n" > "$work/t$n.log"
  grep -q "on $n threads)" "$work/t$n.log" || { echo "FAIL: --threads $n did not run on $n threads:"; cat "$work/t$n.log"; exit 1; }
  same_outputs "$work/t1" "$work/t$n"
  echo "threads $n: $same_outputs_files output files identical to one thread's; $(grep -o 'run [0-9.]* s on [0-9]* threads' "$work/t$n.log")"
  discard "$work/t$n"
done
grep -o 'run [0-9.]* s on 1 thread' "$work/t1.log"
