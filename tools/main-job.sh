#!/usr/bin/env bash
# The main job: the first answer fast. Installs what is missing, builds only the
# `lcperf` command (the tests build in tools/test.sh), then answers the first question
# users bring ("which configuration should I run?") for a default case: a small sweep of
# ChunkFlow vs Megatron-LM for Qwen2.5-7B at 32K on 8 H200, printing the best
# configurations and the best of each strategy, and writing an HTML/Markdown report.
# Given a scenario file instead of a sweep file, it simulates that one scenario.
# One line per phase; the compiler's output goes to build/main-job-build.log.
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-sweeps/main-qwen2.5-7b-32k-8gpu.json}
out=out/main
log=build/main-job-build.log
jobs=$(nproc 2>/dev/null || echo 2)

phase_start=0
start() { phase_start=$(date +%s.%N); }
took() { awk -v a="$phase_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }
fail() {
  echo "main-job: $1 failed; the last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}

start
# The installer's output is kept beside the build log, inside the repository's build/.
mkdir -p build
setup_log=build/main-job-setup.log
tools/setup.sh >"$setup_log" 2>&1 || { cat "$setup_log" >&2; exit 1; }
echo "[1/4] install:   $(tail -n 1 "$setup_log") ($(took))"

start
: >"$log"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >>"$log" 2>&1 || fail "configure"
echo "[2/4] configure: build/ ($(took))"

start
cmake --build build -j "$jobs" --target lcperf >>"$log" 2>&1 || fail "build"
compiled=$(grep -cE "Building (CXX|CUDA) object" "$log" || true)
warnings=$(grep -c "warning:" "$log" || true)
echo "[3/4] build:     lcperf, $compiled files compiled, $warnings warnings, log in $log ($(took))"

start
rm -rf "$out"  # a fresh answer each time (sweeps resume from an existing folder)
if grep -q '"axes"' "$input"; then
  ./build/lcperf sweep "$input" --jobs "$jobs" --out "$out"
else
  ./build/lcperf simulate "$input" --out "$out"
fi
./build/lcperf report "$out"
echo "[4/4] run:       $input -> $out ($(took)); report: $out/plots.html (and $out/plots.md)"
