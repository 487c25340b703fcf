#!/bin/bash
# Strong scaling across MPI ranks (issue 9): one network at several rank counts (threads per
# rank fixed), each run in its own mpiexec, the rank counts in rotated order every repetition;
# prints every run's simulation time and the time its ranks spent in communication (inside
# the collectives, waiting for the slowest rank included), then the medians. The outputs of
# every rank count are identical to one process's (ctest -L mpi, tests/mpi/distributed_outputs.sh).
#   bench/mpi_scaling.sh NETWORK T_STOP_MS REPEAT THREADS_PER_RANK [RANKS...]   (default ranks: 1 2 4)
# Needs the MPI build (tools/test-mpi.sh builds build-mpi/). Example (docs/mpi.md):
#   bench/mpi_scaling.sh examples/brunel_plastic_stdp.pbtxt 1000 3 1 1 2 4
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ionspike=${IONSPIKE_MPI_BINARY:-$here/build-mpi/ionspike}
net=$1; ts=$2; rep=$3; threads=$4; shift 4
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 2 4)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
declare -A run comm
for k in $(seq 0 $((rep - 1))); do
  n=${#counts[@]}
  for i in $(seq 0 $((n - 1))); do
    r=${counts[$(((i + k) % n))]}
    rm -rf "$out/run"
    log=$(mpiexec -n "$r" --oversubscribe "$ionspike" run "$net" --t-stop "$ts" --threads "$threads" --out "$out/run")
    line=$(echo "$log" | grep -o 'run [0-9.]* s on [^)]*')
    s=$(echo "$line" | awk '{print $2}')
    c=$(echo "$line" | { grep -o '[0-9.]* s of it in communication' || true; } | awk '{print $1}')
    c=${c:-0}
    echo "ranks $r x $threads threads: simulation $s s, communication $c s (load $(cut -d' ' -f1 /proc/loadavg))"
    run[$r]="${run[$r]:-} $s"
    comm[$r]="${comm[$r]:-} $c"
  done
done
rm -rf "$out"
source "$here/bench/median.sh"
base=$(echo "${run[${counts[0]}]}" | median)
echo
echo "| ranks | threads per rank | median simulation s | median communication s | speed-up over ${counts[0]} rank(s) |"
echo "|---:|---:|---:|---:|---:|"
for r in "${counts[@]}"; do
  m=$(echo "${run[$r]}" | median)
  c=$(echo "${comm[$r]}" | median)
  echo "| $r | $threads | $m | $c | $(awk -v b="$base" -v m="$m" 'BEGIN {printf "%.2f", b / m}') |"
done
