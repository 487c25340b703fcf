# Sourced by tools/install-deps.sh and tools/install-mpi.sh: apt_install_missing LABEL PACKAGE...
# installs the Debian packages not yet installed. Idempotent: packages already present are
# skipped; `apt-get update` runs at most once, and only when something is missing. Needs
# root, or sudo.
apt_install_missing() {
  local label=$1
  shift
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    echo "$label: all $# packages present"
    return 0
  fi
  local sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "$label: need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo_cmd=(sudo)
  fi
  echo "$label: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}
