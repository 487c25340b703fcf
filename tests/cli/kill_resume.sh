#!/usr/bin/env bash
# Kill test of checkpoints (issue 8): a run killed with SIGKILL at a random moment, resumed
# from its last checkpoint, must end with outputs (spikes, samples, weights, conductances)
# bit-identical to those of the uninterrupted run; and a run stopped by SIGTERM must exit
# with 143 after writing a checkpoint and its outputs so far, and resume to the same end.
#
#   kill_resume.sh IONSPIKE NETWORK WORKDIR CHECKPOINT_EVERY_MS SEED [RUN OPTIONS...]
# SEED picks the kill moments (bash's RANDOM), so a failure can be replayed. RUN OPTIONS (e.g.
# --threads 2) go to every `ionspike run`; resumed runs take them from the checkpoint.
set -euo pipefail
ionspike=$1 network=$2 work=$3 every=$4 seed=$5
shift 5
run_options=("$@")
source "$(dirname "${BASH_SOURCE[0]}")/../work_dir.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../same_outputs.sh"
fresh_work_dir "$work"
RANDOM=$seed

wait_for_checkpoint() {  # until the running process has written a checkpoint (or has ended)
  local file=$1 pid=$2
  while [[ ! -s $file ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
}

echo "uninterrupted run"
start_ns=$(date +%s%N)
"$ionspike" run "$network" "${run_options[@]}" --out "$work/full" > /dev/null
run_ms=$((($(date +%s%N) - start_ns) / 1000000))
echo "  $run_ms ms"

# Sleeps a random share, between $1 and $2 percent, of the uninterrupted run's wall time (so
# the kill moments scale with the machine's speed and stay inside the run), divided by
# $shrink: a run that ended before its kill (the machine's load fell, e.g. when the tests
# beside it under ctest -j ended) is tried again with shorter sleeps.
shrink=1
sleep_share() {
  local ms=$((run_ms * ($1 + RANDOM % ($2 - $1 + 1)) / 100 / shrink))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}

# SIGKILL at a random moment after the first checkpoint, then resume; twice, so the second
# resume starts from a checkpoint a resumed run wrote.
echo "SIGKILL"
for attempt in 1 2 3 4 5 6; do
  rm -rf "$work/killed"
  "$ionspike" run "$network" "${run_options[@]}" --out "$work/killed" --checkpoint-every "$every" > /dev/null &
  pid=$!
  wait_for_checkpoint "$work/killed/checkpoint.ckpt" $pid
  sleep_share 0 50
  if kill -KILL $pid 2>/dev/null; then
    wait $pid 2>/dev/null || true
    break
  fi
  wait $pid 2>/dev/null || true
  ((attempt < 6)) || { echo "FAIL: every run ended before SIGKILL (nothing tested)" >&2; exit 1; }
  echo "  (attempt $attempt ended before SIGKILL; again with shorter sleeps)"
  shrink=$((shrink * 2))
done
shrink=1
[[ -s $work/killed/checkpoint.ckpt ]] || { echo "FAIL: no checkpoint before the kill" >&2; exit 1; }
ls "$work/killed" | grep -q '\.tmp-' && echo "  (a checkpoint being written was left as a temporary file; the last complete one is used)"
cp "$work/killed/checkpoint.ckpt" "$work/first.ckpt"
"$ionspike" resume "$work/killed/checkpoint.ckpt" > /dev/null &
pid=$!
# Kill the resumed run too once it has written a newer checkpoint, if it lives that long.
while cmp -s "$work/killed/checkpoint.ckpt" "$work/first.ckpt" && kill -0 $pid 2>/dev/null; do sleep 0.02; done
kill -KILL $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
"$ionspike" resume "$work/killed/checkpoint.ckpt" > /dev/null
same_outputs "$work/killed" "$work/full"
echo "  $same_outputs_files output files identical to the uninterrupted run"
discard "$work/killed"

echo "SIGTERM"
for attempt in 1 2 3 4 5 6; do
  rm -rf "$work/terminated"
  "$ionspike" run "$network" "${run_options[@]}" --out "$work/terminated" > /dev/null 2> "$work/terminated.err" &
  pid=$!
  sleep_share 20 80  # past the start-up (the handlers are installed before the build), before the end
  kill -TERM $pid 2>/dev/null || true
  status=0
  wait $pid || status=$?
  ((status == 0)) || break
  ((attempt < 6)) || { echo "FAIL: every run ended before SIGTERM arrived (nothing tested)" >&2; exit 1; }
  echo "  (attempt $attempt ended before SIGTERM; again with shorter sleeps)"
  shrink=$((shrink * 2))
done
((status == 143)) || { echo "FAIL: exit status $status after SIGTERM, expected 143" >&2; cat "$work/terminated.err" >&2; exit 1; }
grep -q "continue with: ionspike resume" "$work/terminated.err" || { echo "FAIL: no resume hint" >&2; exit 1; }
[[ -s $work/terminated/spikes.csv || -s $work/terminated/summary.json ]] || { echo "FAIL: no outputs flushed" >&2; exit 1; }
"$ionspike" resume "$work/terminated/checkpoint.ckpt" > /dev/null
same_outputs "$work/terminated" "$work/full"
echo "  $same_outputs_files output files identical to the uninterrupted run"
echo "OK"
