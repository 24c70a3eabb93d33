#!/usr/bin/env bash
# Runs the shipped scenarios, a replay, the main sweep, the quick reproductions and the
# memory study with the given lcperf binary, writing every output under OUT with the
# wall-clock fields blanked, so two snapshots (before and after a refactor) can be
# compared with `diff -r`. Usage: scripts/output-snapshot.sh BUILD/lcperf OUT
set -euo pipefail
bin=$(realpath "$1"); out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(realpath "$out")
blank_wall_times() {  # wall-clock numbers (JSON fields, report rows, speed lines) and the output folder's path
  find "$1" -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.md' -o -name '*.html' -o -name '*.txt' \) -print0 |
    xargs -0 -r sed -i -E "s/\"(wall_time_s|wall_s|simulation_wall_s|cpu_s|elapsed_s)\": ?[-0-9.e+]+/\"\\1\":0/g;
      s/\\| wall time \\|[^|]*\\|/| wall time | 0 |/g; s/^replay speed .*/replay speed (wall clock)/; s#$1#OUT#g"
}
find scenarios -name '*.json' | grep -v -E 'scenarios/(models|hardware|clusters)/' | sort | while read -r s; do
  rel=${s#scenarios/}; rel=${rel%.json}
  "$bin" simulate "$s" --out "$out/simulate/$rel" --quiet >/dev/null 2>"$out/simulate-$(echo "$rel" | tr / _).err" || echo "simulate $s: exit $?"
done
"$bin" replay scenarios/serving/qwen2.5-7b-h200-azure-conv.json --set workload.max_requests=300 --out "$out/replay" >"$out/replay.txt" 2>&1
"$bin" sweep sweeps/main-qwen2.5-7b-32k-8gpu.json --jobs 2 --out "$out/sweep" >/dev/null 2>&1
sort "$out/sweep/results.jsonl" -o "$out/sweep/results.jsonl"
for study in chunkflow qwen1m flashllm; do
  "$bin" reproduce $study --quick --out "$out/reproduce-$study.md" >/dev/null 2>&1 || echo "reproduce $study: exit $?"
done
"$bin" memory-study --steps 5 --micro-batches 8 --out "$out/memory-study.md" >/dev/null
rm -f "$out"/*.err
blank_wall_times "$out"
