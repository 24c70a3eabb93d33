#!/usr/bin/env bash
# The test command (CI runs it, .ci/run): install what is missing, build everything
# (tests, benchmarks, fuzz drivers, the Python module) with warnings as errors, and run
# every test: each GoogleTest case in its own process, the shipped scenarios, the
# install/find_package test and the Python module's pytest (with Debian's python3).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLCPERF_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
