#!/bin/bash
# tests/work_dir.sh, the clean-up of the shell tests' outputs: a script that passes removes its
# work directory, one that fails keeps it (exit status unchanged), discard removes a compared
# run at once, and IONSPIKE_KEEP_TEST_OUTPUTS=1 keeps everything.
#   work_dir_test.sh SCRATCH_DIR
set -euo pipefail
scratch=$1
lib="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/work_dir.sh"
rm -rf "$scratch" && mkdir -p "$scratch"
# A script that sources the helper, makes a run directory and a file, and exits with $2.
script() {  # WORK EXIT_STATUS [discard]
  bash -c 'source "$0"; fresh_work_dir "$1"; mkdir -p "$1/run" "$1/other"; touch "$1/run/weights.csv"
           [ "$3" != discard ] || discard "$1/run"
           exit "$2"' "$lib" "$@" ""
}
fail() { echo "FAIL: $*"; exit 1; }

script "$scratch/pass" 0 || fail "a passing script exited $?"
[ ! -e "$scratch/pass" ] || fail "a passing script left its work directory"

set +e; script "$scratch/failed" 3; status=$?; set -e
[ "$status" -eq 3 ] || fail "a failing script exited $status, expected its own 3"
[ -f "$scratch/failed/run/weights.csv" ] || fail "a failing script lost its outputs"

set +e; script "$scratch/discarded" 5 discard; set -e  # failing: the work directory stays to be looked at
[ ! -e "$scratch/discarded/run" ] || fail "discard did not remove the compared run"
[ -d "$scratch/discarded/other" ] || fail "discard removed more than the compared run"

IONSPIKE_KEEP_TEST_OUTPUTS=1 script "$scratch/kept" 0 discard || fail "with IONSPIKE_KEEP_TEST_OUTPUTS=1 discard removed a run"
[ -f "$scratch/kept/run/weights.csv" ] || fail "IONSPIKE_KEEP_TEST_OUTPUTS=1 did not keep the work directory"
echo "work_dir.sh: passing scripts clean up, failing ones keep their outputs, IONSPIKE_KEEP_TEST_OUTPUTS=1 keeps all"
rm -rf "$scratch"
