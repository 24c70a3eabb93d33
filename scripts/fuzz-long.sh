#!/usr/bin/env bash
# The long fuzz run (fuzz/README.md): every libFuzzer target of fuzz/, one after the
# other, for SECONDS_PER_TARGET each (default 300), under ASan and UBSan.
#
#   scripts/fuzz-long.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds build-fuzz/ (clang, -DLCPERF_FUZZ=ON) when it has no fuzz binaries. Each
# target starts from a copy of fuzz/corpus/<target> plus the fixed regression inputs
# (fuzz/regressions/<target>, not known/) in fuzz-out/<target>/corpus, and runs in fork
# mode (one child at a time) so that a crash, a timeout (-timeout, seconds per input) or
# an out-of-memory (-rss_limit_mb) is counted and saved under fuzz-out/<target>/artifacts
# while the run goes on. Prints per target: inputs run (execs), crashes (leaks included), timeouts, OOMs,
# and the first line of what each saved artifact reports (grouped). Exit 1 when any target
# saved an artifact. Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_OUT (fuzz-out),
# FUZZ_TIMEOUT_S (10), FUZZ_RSS_MB (2048), FUZZ_NICE (10).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
build="${FUZZ_BUILD_DIR:-build-fuzz}"
out="${FUZZ_OUT:-fuzz-out}"
timeout_s="${FUZZ_TIMEOUT_S:-10}"
rss_mb="${FUZZ_RSS_MB:-2048}"
niceness="${FUZZ_NICE:-10}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario_loader set_override sweep_spec azure_csv mooncake_jsonl burstgpt_csv trace_file)

if [ ! -x "$build/fuzz/fuzz_${targets[0]}" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DLCPERF_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null || exit 2
  cmake --build "$build" -j"$(nproc)" > /dev/null || exit 2
fi

# What a saved input makes the target report: an escaped exception's what(), a
# sanitizer's summary, or the fuzz contract's own message; quoted input text is cut so
# that one defect met with many inputs counts as one kind.
verdict() {
  timeout "$((timeout_s * 3))" "$1" "$2" 2>&1 | grep -m1 -E "what\(\)|SUMMARY:|runtime error:|^fuzz: |ERROR: libFuzzer" |
    sed -E "s/^.*(what\(\):|SUMMARY:)[[:space:]]*//; s/'[^']*'/'...'/g" | cut -c1-160
}

total=0
failed=0
printf '%-16s %12s %8s %8s %6s\n' target execs crashes timeouts ooms
for target in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$target"
  dir="$out/$target"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp fuzz/corpus/"$target"/* "$dir/corpus/"
  if [ -d "fuzz/regressions/$target" ]; then
    find "fuzz/regressions/$target" -path '*/known' -prune -o -type f ! -name README.md -exec cp {} "$dir/corpus/" \;
  fi
  nice -n "$niceness" "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -max_len=65536 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" > "$dir/log.txt" 2>&1
  # Fork mode's progress lines start "#EXECS: cov:"; the last one is a lower bound (the
  # final job's inputs after it are not counted). Defects are counted by their saved
  # inputs, as a job that dies last never prints a progress line.
  execs=$(grep -E '^#[0-9]+: cov:' "$dir/log.txt" | tail -1 | sed -E 's/^#([0-9]+):.*/\1/')
  count() { find "$dir/artifacts" -name "$1-*" | wc -l; }
  crashes=$(( $(count crash) + $(count leak) ))
  printf '%-16s %12s %8s %8s %6s\n' "$target" "${execs:-0}" "$crashes" "$(count timeout)" "$(count oom)"
  total=$((total + ${execs:-0}))
  if compgen -G "$dir/artifacts/*" > /dev/null; then
    failed=1
    for artifact in "$dir"/artifacts/*; do verdict "$bin" "$artifact"; done | sort | uniq -c | sed 's/^/    /'
  fi
done
echo "total inputs run: $total (artifacts under $out/<target>/artifacts)"
exit "$failed"
