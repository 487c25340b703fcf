# Sourced by the tests' shell scripts (tests/cli, tests/mpi), whose outputs reach 1.7 GB per
# test (weight tables of the plastic Brunel network, several runs each): a CI machine's disk
# must not fill up over a whole `.ci/run`.
#   fresh_work_dir DIR   empties DIR and removes it when the script exits with status 0;
#   discard DIR...       removes run directories already compared, as soon as they are.
# After a failure the work directory stays, to be inspected; IONSPIKE_KEEP_TEST_OUTPUTS=1 keeps
# everything.
fresh_work_dir() {
  rm -rf "$1" && mkdir -p "$1"
  _ionspike_work_dir=$1
  trap '_ionspike_status=$?
        if [ "$_ionspike_status" -eq 0 ]; then discard "$_ionspike_work_dir"; fi
        exit "$_ionspike_status"' EXIT
}

discard() {
  [ "${IONSPIKE_KEEP_TEST_OUTPUTS:-0}" = 1 ] || rm -rf "$@"
}
