#!/usr/bin/env bash
# Installs the Debian packages lcperf needs, only those missing: idempotent, and fast
# (one dpkg query) when everything is there. Building is the callers' job
# (tools/main-job.sh builds only `lcperf`, tools/test.sh everything).
# Not installed on purpose: GoogleMock and Google Benchmark (docs/install.md says why).
set -euo pipefail

packages=(build-essential cmake pkg-config libsimgrid-dev libeigen3-dev libcli11-dev nlohmann-json3-dev
          libgtest-dev openmpi-bin libopenmpi-dev
          python3-dev pybind11-dev python3-pytest)  # the Python module and its test (python/README.md)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
