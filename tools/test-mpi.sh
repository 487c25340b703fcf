#!/usr/bin/env bash
# The MPI tests (docs/mpi.md), apart from tools/test-all.sh: the communication layer, and
# `mpiexec -n 1|2|4 ionspike run` against one process (identical output files). Installs
# what is missing (tools/install-deps.sh, tools/install-mpi.sh), configures build-mpi/ with
# -DIONSPIKE_MPI=ON, builds only the MPI targets, runs `ctest -L mpi` (mpiexec with 1, 2 and
# 4 ranks; more ranks than cores are oversubscribed, root is allowed for Open MPI).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools/install-deps.sh
tools/install-mpi.sh
cmake -S . -B build-mpi -G Ninja -DCMAKE_BUILD_TYPE=Release -DIONSPIKE_MPI=ON -DIONSPIKE_BUILD_TESTS=ON \
      -DIONSPIKE_PYTHON=OFF >/dev/null
cmake --build build-mpi -j"$(nproc)" --target ionspike_mpi test_mpi_world mpi_exchange ionspike
ctest --test-dir build-mpi -L mpi --output-on-failure
