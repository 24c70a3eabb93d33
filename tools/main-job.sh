#!/usr/bin/env bash
# The main job: install what is missing, build, simulate the default scenario,
# print the comparison with the closed-form expectations and write the report.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
scenario=${1:-scenarios/smoke/llama3-8b-8xh200-1f1b.json}
./build/lcperf simulate "$scenario" --out out/main
echo "report: out/main/report.md  timeline (open in Perfetto): out/main/timeline.json"
