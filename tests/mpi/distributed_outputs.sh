#!/bin/bash
# Runs a network in one process (--threads 1) and with `mpiexec -n R` for each R given, and
# checks that each run across R > 1 ranks really ran distributed ("on R ranks" in its report)
# and that every output file (spikes, weights, conductances, samples) is byte for byte the
# one-process file, and summary.json too but for its timings, threads and ranks. With
# EXPECT_PER_RANK_SYNAPSES=1, also that rank 0 stored only its share of the synapses
# (docs/mpi.md, "Per-rank synapses").
#   distributed_outputs.sh MPIEXEC "MPIEXEC_FLAGS" IONSPIKE NETWORK WORK_DIR T_STOP_MS THREADS RANKS...
set -euo pipefail
mpiexec=$1; flags=$2; ionspike=$3; net=$4; work=$5; t_stop=$6; threads=$7; shift 7
source "$(dirname "${BASH_SOURCE[0]}")/../work_dir.sh"
fresh_work_dir "$work"
"$ionspike" run "$net" --t-stop "$t_stop" --threads 1 --out "$work/single" > "$work/single.log"
for r in "$@"; do
  # shellcheck disable=SC2086
  "$mpiexec" -n "$r" $flags "$ionspike" --log-level info run "$net" --t-stop "$t_stop" --threads "$threads" \
    --out "$work/r$r" > "$work/r$r.log" 2> "$work/r$r.err"
  if [ "$r" -gt 1 ]; then
    grep -q "on $r ranks of $threads thread" "$work/r$r.log" ||
      { echo "FAIL: $r ranks did not run distributed:"; cat "$work/r$r.log"; exit 1; }
    stores=$(grep -o "rank 0 of $r stores [0-9]* of the [0-9]* synapses" "$work/r$r.err" || true)
    echo "${stores:-every rank stores every synapse}"
    if [ "${EXPECT_PER_RANK_SYNAPSES:-0}" = 1 ]; then
      read -r mine whole < <(echo "$stores" | sed -E 's/.*stores ([0-9]+) of the ([0-9]+).*/\1 \2/')
      [ -n "$stores" ] && [ $((mine * 4)) -lt $((whole * 3)) ] ||
        { echo "FAIL: rank 0 of $r did not store only its share of the synapses"; cat "$work/r$r.err"; exit 1; }
    fi
  fi
  files=0
  for f in "$work/single"/*; do
    name=$(basename "$f")
    if [ "$name" = summary.json ]; then
      pattern='"(build_s|run_s|threads|ranks|communication_s)":'
      diff <(grep -vE "$pattern" "$f") <(grep -vE "$pattern" "$work/r$r/$name") ||
        { echo "FAIL: summary.json differs between one process and $r ranks (timings aside)"; exit 1; }
      continue
    fi
    cmp "$f" "$work/r$r/$name" || { echo "FAIL: $name differs between one process and $r ranks"; exit 1; }
    files=$((files + 1))
  done
  [ "$files" -gt 0 ] || { echo "FAIL: no output files"; exit 1; }
  echo "$r ranks of $threads threads: $files output files identical to one process's;" \
       "$(grep -o 'run [0-9.]* s on [^)]*' "$work/r$r.log")"
  discard "$work/r$r"
done
grep -o 'run [0-9.]* s on 1 thread' "$work/single.log"
