#!/bin/bash
# Checkpoints across MPI ranks through the CLI: a run on R ranks checkpoints at T1 (a part per
# rank and a manifest), `mpiexec -n R ionspike resume` continues it to T_STOP, and every output
# file (all but summary.json, which holds timings) is byte for byte the one-process run's to
# T_STOP. The same checkpoint resumed with another number of ranks, or a part resumed alone,
# is refused with the reason and exit code 2. With a tenth argument `whole`, the network is
# one that runs whole on every rank (not in parallel; e.g. dopamine). With `kill`, a long run is also
# stopped by SIGTERM sent to one rank only: every rank stops at the same time and writes its
# part; resumed to 500 ms past the stop, the outputs equal the one-process run's to then.
#   distributed_checkpoint.sh MPIEXEC "MPIEXEC_FLAGS" IONSPIKE NETWORK WORK_DIR T1_MS T_STOP_MS THREADS RANKS [kill|whole]
set -euo pipefail
mpiexec=$1; flags=$2; ionspike=$3; net=$4; work=$5; t1=$6; t_stop=$7; threads=$8; ranks=$9; kill=${10:-}
source "$(dirname "${BASH_SOURCE[0]}")/../work_dir.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../same_outputs.sh"
fresh_work_dir "$work"
"$ionspike" run "$net" --t-stop "$t_stop" --threads 1 --out "$work/single" > "$work/single.log"
# shellcheck disable=SC2086
"$mpiexec" -n "$ranks" $flags "$ionspike" run "$net" --t-stop "$t1" --threads "$threads" --out "$work/first" \
  --checkpoint-every "$t1" --checkpoint "$work/ckpt/run.ckpt" > "$work/first.log"
distributed="on $ranks ranks"
[ "$kill" = whole ] && distributed="on 1 thread"
grep -q "$distributed" "$work/first.log" || { echo "FAIL: the first run did not run $distributed"; exit 1; }
head -2 "$work/ckpt/run.ckpt" | grep -q "ranks $ranks" || { echo "FAIL: no manifest of $ranks ranks"; exit 1; }
parts=$(find "$work/ckpt" -name 'run.ckpt.g*.rank*-of*' | wc -l)
[ "$parts" -eq "$ranks" ] || { echo "FAIL: $parts checkpoint parts, expected $ranks"; exit 1; }
# shellcheck disable=SC2086
"$mpiexec" -n "$ranks" $flags "$ionspike" resume "$work/ckpt/run.ckpt" --t-stop "$t_stop" --out "$work/resumed" \
  --checkpoint-every 0 > "$work/resumed.log"
grep -q "$distributed" "$work/resumed.log" || { echo "FAIL: the resumed run did not run $distributed"; exit 1; }
same_outputs "$work/single" "$work/resumed"
discard "$work/single" "$work/resumed" "$work/first"
echo "checkpoint at $t1 ms on $ranks ranks, resumed to $t_stop ms: $same_outputs_files output files identical to one process's"

# Refusals: one process, another number of ranks, or a part on its own (exit 2, the reason on
# stderr; under mpiexec every rank refuses and the job ends with MPI_Abort(2)).
refused() {
  local expect=$1; shift
  set +e; "$@" > "$work/refused.log" 2>&1; local code=$?; set -e
  [ "$code" -eq 2 ] || { echo "FAIL: '$*' exited $code, expected 2"; cat "$work/refused.log"; exit 1; }
  grep -q "$expect" "$work/refused.log" || { echo "FAIL: '$*' did not say '$expect'"; cat "$work/refused.log"; exit 1; }
  echo "refused: $(grep -m1 "$expect" "$work/refused.log")"
}
refused "resume it with mpiexec -n $ranks" "$ionspike" resume "$work/ckpt/run.ckpt" --out "$work/x"
# shellcheck disable=SC2086
refused "resume it with mpiexec -n $ranks" "$mpiexec" -n $((ranks + 1)) $flags "$ionspike" resume \
  "$work/ckpt/run.ckpt" --out "$work/x"
part=$(find "$work/ckpt" -name 'run.ckpt.g*.rank0-of*' | head -1)
refused "part of a checkpoint across $ranks MPI ranks" "$ionspike" resume "$part" --out "$work/x"

[ "$kill" = kill ] || exit 0
# shellcheck disable=SC2086
"$mpiexec" -n "$ranks" $flags "$ionspike" run "$net" --t-stop 1000000 --threads "$threads" --out "$work/long" \
  --checkpoint-every 2000 > "$work/long.log" 2> "$work/long.err" &
launcher=$!
# Once the first checkpoint is written, every rank runs with its signal handlers installed.
for _ in $(seq 1200); do
  [ -s "$work/long/checkpoint.ckpt" ] && break
  kill -0 "$launcher" 2>/dev/null || { echo "FAIL: the long run ended early"; cat "$work/long.err"; exit 1; }
  sleep 0.05
done
[ -s "$work/long/checkpoint.ckpt" ] || { echo "FAIL: no first checkpoint within 60 s"; exit 1; }
one_rank=$(pgrep -P "$launcher" | tail -1)  # a rank (a child of mpiexec), not mpiexec itself
[ -n "$one_rank" ] || { echo "FAIL: no rank process found"; exit 1; }
kill -TERM "$one_rank"
set +e; wait "$launcher"; code=$?; set -e
[ "$code" -eq 143 ] || { echo "FAIL: the long run exited $code, expected 143 (SIGTERM)"; cat "$work/long.err"; exit 1; }
grep -q "stopped by SIGTERM" "$work/long.err" || { echo "FAIL: no stop message"; cat "$work/long.err"; exit 1; }
stop_ms=$(sed -n 's/^time_ms //p' "$work/long/checkpoint.ckpt")
until_ms=$(awk -v t="$stop_ms" 'BEGIN { printf "%.3f", t + 500 }')
# shellcheck disable=SC2086
"$mpiexec" -n "$ranks" $flags "$ionspike" resume "$work/long/checkpoint.ckpt" --t-stop "$until_ms" \
  --out "$work/long_resumed" > "$work/long_resumed.log"
"$ionspike" run "$net" --t-stop "$until_ms" --threads 1 --out "$work/long_single" > "$work/long_single.log"
same_outputs "$work/long_single" "$work/long_resumed"
discard "$work/long_single" "$work/long_resumed" "$work/long"
echo "SIGTERM to one rank only: every rank stopped at $stop_ms ms; resumed to $until_ms ms, outputs identical"
