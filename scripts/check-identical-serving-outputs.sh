#!/usr/bin/env bash
# Checks that two lcperf binaries give the same serving outputs: result.json (with
# wall_time_s blanked), requests.csv, timeline.json and memory.csv byte for byte, for the
# shipped serving scenarios (the Azure conversation replay also on its first 500 requests,
# on the full trace and as bench/replay_speed's full-trace case), the DistKV scenarios,
# the Qwen2.5-1M serving scenarios, and the qwen1m reproduction's report. Meant for
# speed work on the serving path, where every output must stay the same.
#
#   scripts/check-identical-serving-outputs.sh OLD_LCPERF NEW_LCPERF [WORK_DIR]
#
# Exit 0 when everything matches, 1 when an output differs or a run fails.
set -uo pipefail
source "$(dirname "$0")/identical-outputs-args.sh"

# Wall-clock budgets off, so no run is cut short by the machine's load.
no_budget=(--set sim.max_wall_s=0 --set sim.max_events=0)
azure=scenarios/serving/qwen2.5-7b-h200-azure-conv.json
cases=()  # "label|scenario|override ..."
for s in scenarios/serving/*.json scenarios/distkv/*.json scenarios/qwen1m/7b-h200-*.json; do
  cases+=("$(basename "$(dirname "$s")")-$(basename "$s" .json)|$s|")
done
cases+=("azure-conv-500|$azure|workload.max_requests=500")
cases+=("azure-conv-full|$azure|workload.max_requests=0")
cases+=("azure-conv-full-bench|$azure|model=llama3-8b parallel.tp=8 workload.max_requests=0 serving.instances=1")

failed=0
run() {  # binary label scenario overrides -> outputs in $work/<old|new>/label
  local bin=$1 side=$2 label=$3 scenario=$4 overrides=$5
  local args=$old_args
  [ "$side" = new ] && args=$new_args
  local sets=()
  for o in $overrides; do sets+=(--set "$o"); done
  local out="$work/$side/$label"
  rm -rf "$out"
  # shellcheck disable=SC2086  # args holds several arguments
  if ! "$bin" replay "$scenario" "${no_budget[@]}" "${sets[@]}" $args --out "$out" --quiet >"$work/$side-$label.log" 2>&1; then
    echo "FAIL $side $label: lcperf replay exited non-zero (see $work/$side-$label.log)"
    return 1
  fi
  sed -i -E -e 's/"wall_time_s": ?[-0-9.e+]+/"wall_time_s": 0/' -e 's/"engine": ?"[a-z]+"/"engine": ""/' "$out/result.json"
}

for c in "${cases[@]}"; do
  IFS='|' read -r label scenario overrides <<<"$c"
  run "$old" old "$label" "$scenario" "$overrides" || { failed=1; continue; }
  run "$new" new "$label" "$scenario" "$overrides" || { failed=1; continue; }
  for f in result.json requests.csv timeline.json memory.csv; do
    a="$work/old/$label/$f"
    b="$work/new/$label/$f"
    if [ ! -e "$a" ] && [ ! -e "$b" ]; then continue; fi
    if ! cmp -s "$a" "$b"; then
      echo "DIFF $label $f"
      failed=1
    fi
  done
  echo "same $label"
done

for side in old new; do
  bin=$old
  [ "$side" = new ] && bin=$new
  "$bin" reproduce qwen1m --jobs 1 --out "$work/$side-qwen1m.md" >"$work/$side-qwen1m.log" 2>&1 || {
    echo "FAIL $side qwen1m reproduction (see $work/$side-qwen1m.log)"
    failed=1
  }
done
if cmp -s "$work/old-qwen1m.md" "$work/new-qwen1m.md"; then echo "same reproduce-qwen1m"; else echo "DIFF reproduce-qwen1m"; failed=1; fi

if [ "$failed" = 0 ]; then echo "all serving outputs identical"; else echo "serving outputs differ (outputs in $work)"; fi
exit "$failed"
