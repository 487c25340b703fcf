#!/usr/bin/env bash
# Installs, from Debian 12 packages only, everything ionspike needs to build and test.
# Idempotent: packages already present are skipped; `apt-get update` runs at most once,
# and only when something is missing. Must run as root (or with sudo available).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-graph-dev        # population graph while building networks
  libtbb-dev                # oneTBB: parallel connectivity generation
  libprotobuf-dev protobuf-compiler   # network description format
  libspdlog-dev libfmt-dev  # logging
  catch2                    # unit tests (v2)
  libcli11-dev              # command line
  python3-numpy             # tests read the .npy outputs with numpy (Debian's /usr/bin/python3)
  python3-brian make        # reference simulator: Brette 2007 benchmarks in Brian2 (C++ standalone)
  python3-scipy             # (Brian2 imports it)
  python3-neuron            # reference simulator: NEURON's hh mechanism for Hodgkin-Huxley 1952
  python3-matplotlib        # plots (PNG) of the learning studies (tools/studies/)
  zlib1g-dev                # reading gzip-compressed datasets (learning/datasets.cpp)
  python3-sklearn           # data: scikit-learn's 8x8 digits (sklearn/datasets/data/digits.csv.gz)
  dataset-fashion-mnist     # data: Fashion-MNIST, gzipped IDX in /usr/share/datasets/fashion-mnist
  clang libclang-rt-14-dev  # libFuzzer + sanitizers for tools/fuzz.sh (clang's -fsanitize=fuzzer)
  pybind11-dev              # Python module _ionspike (python/, pybind11 2.10)
  python3-pytest            # tests of the Python module and of the PyNN backend (python/tests/)
  python3-pynn              # PyNN 0.10 API implemented by the backend pyNN.ionspike (python/)
  python3-neo               # Neo data structures returned by PyNN's get_data() (python3-pynn's dependency)
)

# shellcheck source=tools/apt-install-missing.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh"
apt_install_missing install-deps "${packages[@]}"
