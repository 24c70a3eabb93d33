#!/usr/bin/env bash
# Checks that two lcperf binaries (before and after an engine change that must not change
# any result) write byte-identical outputs: result.json (wall_time_s and the other
# wall-clock fields blanked), timeline.json and memory.csv, on the smoke scenario, the
# 1T-parameter iteration (stage ops, data-parallel folding), its layer-op variant, a
# ChunkFlow iteration, an interleaved 1F1B iteration, a serving scenario and a short
# serving replay.
#
#   scripts/check-identical-outputs.sh OLD_LCPERF NEW_LCPERF [WORK_DIR]
#
# Prints one line per case and exits 1 if any file differs (0 when all are identical).
set -uo pipefail
source "$(dirname "$0")/identical-outputs-args.sh"

# name | subcommand | scenario | extra arguments
cases=(
  "smoke|simulate|scenarios/smoke/llama3-8b-8xh200-1f1b.json|"
  "gpt-1t|simulate|scenarios/training/gpt-1t-3072xa100.json|"
  "gpt-1t-layer|simulate|scenarios/training/gpt-1t-3072xa100.json|--set sim.granularity=\"layer\" --set parallel.num_micro_batches=128"
  "chunkflow|simulate|scenarios/chunkflow/qwen2.5-7b-32k-chunkflow.json|"
  "interleaved|simulate|scenarios/training/qwen2.5-72b-1024xh200.json|--set strategy.schedule=\"interleaved_1f1b\" --set parallel.virtual_stages=2"
  "serving|simulate|scenarios/serving/llama3-70b-h100-tp8-fixed.json|"
  "replay|replay|scenarios/serving/qwen2.5-7b-h200-azure-conv.json|--set workload.max_requests=200"
)

blank_wall_times() {
  sed -E -e 's/"(wall_time_s|wall_s|simulation_wall_s|cpu_s|elapsed_s)": ?[-0-9.e+]+/"\1":0/g' \
    -e 's/"engine": ?"[a-z]+"/"engine":""/' "$1"
}

status=0
for c in "${cases[@]}"; do
  IFS='|' read -r name command scenario extra <<<"$c"
  for side in old new; do
    bin=$old
    args=$old_args
    [ "$side" = new ] && bin=$new && args=$new_args
    rm -rf "$work/$name-$side"
    # shellcheck disable=SC2086  # extra and args hold several arguments
    if ! "$bin" "$command" "$scenario" $extra $args --out "$work/$name-$side" >"$work/$name-$side.log" 2>&1; then
      echo "$name: $side binary failed (see $work/$name-$side.log)"
      status=1
      continue 2
    fi
  done
  verdict="identical"
  for file in result.json timeline.json memory.csv requests.csv; do
    a=$work/$name-old/$file
    b=$work/$name-new/$file
    [ -e "$a" ] || [ -e "$b" ] || continue
    if [ "$file" = result.json ]; then
      cmp -s <(blank_wall_times "$a") <(blank_wall_times "$b") || verdict="DIFFERENT ($file)"
    else
      cmp -s "$a" "$b" || verdict="DIFFERENT ($file)"
    fi
    [ "$verdict" = identical ] || break
  done
  echo "$name: $verdict"
  [ "$verdict" = identical ] || status=1
done
exit $status
