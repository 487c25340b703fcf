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

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-mpi: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-mpi: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "install-mpi: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
