# Sourced by the tests' shell scripts that compare whole runs (tests/cli, tests/mpi).
#   same_outputs DIR_A DIR_B   every output file of DIR_A, but summary.json (wall times),
#       checkpoint.ckpt and NAME.tmp-PID (what a SIGKILL during an atomic write leaves behind),
#       equals DIR_B's byte for byte, and there is at least one; sets same_outputs_files to
#       their count. Otherwise it names the file (or the empty directory) on stderr and
#       returns 1.
same_outputs() {
  local a=$1 b=$2 f n=0
  for f in "$a"/*; do
    [ -e "$f" ] || continue  # (an empty directory: the unmatched pattern itself)
    case $(basename "$f") in summary.json | checkpoint.ckpt | *.tmp-*) continue ;; esac
    cmp "$f" "$b/$(basename "$f")" || { echo "FAIL: $(basename "$f") differs between $a and $b" >&2; return 1; }
    n=$((n + 1))
  done
  ((n > 0)) || { echo "FAIL: no output files in $a" >&2; return 1; }
  same_outputs_files=$n
}
