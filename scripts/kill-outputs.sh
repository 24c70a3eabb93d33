#!/usr/bin/env bash
# Crash safety of outputs: runs `lcperf simulate` and `lcperf replay` into one folder
# while alternating two configurations, kills each run with SIGKILL at a random moment,
# and checks after every kill that the folder holds one complete set (all of A's files
# or all of B's, byte for byte apart from wall-clock fields) or, before any run
# finished, nothing; and that no staging folder or temporary of a dead run is left once
# the next run has finished. Then kills a sweep several times and checks that resuming
# it gives the same result set as an uninterrupted sweep.
#   scripts/kill-outputs.sh [BUILD/lcperf] [KILLS]     (defaults: build/lcperf, 20)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/lcperf}"); kills=${2:-20}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
failures=0

normalized() {  # the set's content without wall-clock fields, one digest
  local dir=$1; shift
  for f in "$@"; do
    [ -f "$dir/$f" ] || { echo "missing $f"; continue; }
    sed -E 's/"wall_time_s": ?[-0-9.e+]+/"wall_time_s":0/; s/\| wall time \|[^|]*\|/| wall time | 0 |/' "$dir/$f" | sha256sum
  done | sha256sum | cut -c1-16
}

check_command() {  # name, files, then the two command lines A and B (as strings)
  local name=$1 files=$2 a=$3 b=$4 out="$work/$1"
  local ref_a ref_b
  eval "$a --out $work/ref-a-$name" >/dev/null 2>&1; eval "$b --out $work/ref-b-$name" >/dev/null 2>&1
  ref_a=$(normalized "$work/ref-a-$name" $files); ref_b=$(normalized "$work/ref-b-$name" $files)
  [ "$ref_a" != "$ref_b" ] || { echo "$name: A and B give the same outputs; the check would be blind"; exit 1; }
  local complete=0 empty=0 bad=0 interrupted=0
  for i in $(seq 1 "$kills"); do
    local cmd=$a; [ $((i % 2)) -eq 0 ] && cmd=$b
    eval "exec $cmd --out $out" >/dev/null 2>&1 &  # exec: $! is lcperf itself, so the kill reaches it
    local pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
    kill -9 $pid 2>/dev/null && interrupted=$((interrupted + 1)); wait $pid 2>/dev/null
    if [ ! -e "$out" ]; then empty=$((empty + 1)); continue; fi
    local got; got=$(normalized "$out" $files)
    if [ "$got" = "$ref_a" ] || [ "$got" = "$ref_b" ]; then complete=$((complete + 1)); else
      bad=$((bad + 1)); echo "$name kill $i: the folder holds a mixed or truncated set"; ls -la "$out"; fi
  done
  # One run to the end: it must clean what the killed ones left.
  eval "$a --out $out" >/dev/null 2>&1
  local stale; stale=$(find "$work" -maxdepth 1 -name ".$name.partial.*" | wc -l)
  stale=$((stale + $(find "$out" -name '*.tmp.*' | wc -l)))
  [ "$(normalized "$out" $files)" = "$ref_a" ] || { echo "$name: the final run's set is wrong"; bad=$((bad + 1)); }
  echo "$name: $kills runs, $interrupted killed before they ended: $complete complete sets, $empty before any set, $bad mixed or truncated; $stale stale temporaries after the next run"
  failures=$((failures + bad + stale))
}

scenario=scenarios/smoke/llama3-8b-8xh200-1f1b.json
serving=scenarios/serving/qwen2.5-7b-h200-azure-conv.json
check_command simulate "result.json timeline.json memory.csv report.md timeline.svg" \
  "$bin simulate $scenario --quiet" "$bin simulate $scenario --quiet --set parallel.num_micro_batches=16"
check_command replay "result.json timeline.json memory.csv" \
  "$bin replay $serving --set workload.max_requests=200" "$bin replay $serving --set workload.max_requests=150"

# Sweep: kill it several times, resume each time, compare with an uninterrupted run.
sweep=sweeps/main-qwen2.5-7b-32k-8gpu.json
"$bin" sweep $sweep --jobs 2 --out "$work/sweep-ref" >/dev/null 2>&1
for i in $(seq 1 5); do
  "$bin" sweep $sweep --jobs 2 --out "$work/sweep" >/dev/null 2>&1 &  # a plain command: $! is lcperf
  pid=$!; sleep "0.$(printf '%03d' $((RANDOM % 1000)))"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done
"$bin" sweep $sweep --jobs 2 --out "$work/sweep" >/dev/null 2>&1
strip() { sed -E 's/"(wall_time_s|wall_s|cpu_s)": ?[-0-9.e+]+/"\1":0/g' "$1" | sort; }
if diff <(strip "$work/sweep-ref/results.jsonl") <(strip "$work/sweep/results.jsonl") >/dev/null; then
  echo "sweep: 5 kills then a resume: the same $(wc -l <"$work/sweep/results.jsonl") results as an uninterrupted sweep"
else
  echo "sweep: the resumed result set differs from an uninterrupted sweep"; failures=$((failures + 1))
fi
[ $failures -eq 0 ] && echo "kill-outputs: no lost or corrupted output" || echo "kill-outputs: $failures problems"
exit $((failures > 0))
