#!/usr/bin/env bash
# Installs Open MPI from Debian 12 packages (openmpi-bin: mpiexec and the runtime;
# libopenmpi-dev: headers, mpicxx and the pkg-config/CMake discovery files) for the optional
# MPI build (-DIONSPIKE_MPI=ON, docs/mpi.md). Not needed by the default build.
# Idempotent: packages already present are skipped; `apt-get update` runs at most once, and
# only when something is missing. Must run as root (or with sudo available).
set -euo pipefail

packages=(
  openmpi-bin        # mpiexec / mpirun, the Open MPI 4.1 runtime
  libopenmpi-dev     # mpi.h, libmpi, the compiler wrappers FindMPI reads
)

# shellcheck source=tools/apt-install-missing.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh"
apt_install_missing install-mpi "${packages[@]}"
