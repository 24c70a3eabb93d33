#!/usr/bin/env bash
# The main job: install what is missing, build, then answer the first question users
# bring ("which configuration should I run?") for a default case: a small sweep of
# ChunkFlow vs Megatron-LM for Qwen2.5-7B at 32K on 8 H200, printing the best
# configurations and the best of each strategy, and writing an HTML/Markdown report.
# Given a scenario file instead of a sweep file, it simulates that one scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
input=${1:-sweeps/main-qwen2.5-7b-32k-8gpu.json}
out=out/main
rm -rf "$out"  # a fresh answer each time (sweeps resume from an existing folder)
if grep -q '"axes"' "$input"; then
  ./build/lcperf sweep "$input" --jobs "$(nproc 2>/dev/null || echo 2)" --out "$out"
else
  ./build/lcperf simulate "$input" --out "$out"
fi
./build/lcperf report "$out"
echo "report: $out/plots.html (and $out/plots.md)"
