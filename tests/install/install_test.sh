#!/usr/bin/env bash
# The installed tree on its own (tests/install/README.md):
#  1. `cmake --install` into a fresh prefix;
#  2. a consumer project builds against it with find_package(lcperf), and again with
#     pkg-config, and both give the installed command's numbers for the same scenario
#     and GEMM;
#  3. the prefix moved elsewhere (the original gone), the installed command run from an
#     unrelated folder finds its data next to itself: a device profile and a model that
#     exist only in the moved copy are found by id;
#  4. the installed Python module (when built) finds the same data.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR [PYTHON]
set -euo pipefail
build=$1 source=$2 work=$3 python=${4:-}
unset LCPERF_HOME LCPERF_DATA_DIR LCPERF_DEVICE_DIR LCPERF_STACK_DIR LCPERF_TRACES_DIR
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/lcperf include/lcperf/core/scenario.hpp share/lcperf/scenarios/models/llama3-8b.json \
         share/lcperf/cost_models/devices/h200.json share/lcperf/traces/data share/lcperf/sweeps \
         share/lcperf/cost_models/stacks; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
config=$(find "$prefix" -name lcperfConfig.cmake | head -n 1)
pc=$(find "$prefix" -name lcperf.pc | head -n 1)
[ -n "$config" ] && [ -n "$pc" ] || fail "no lcperfConfig.cmake or lcperf.pc under $prefix"
find "$prefix" -name lcperfConfigVersion.cmake | grep -q . || fail "no lcperfConfigVersion.cmake"

scenario=$prefix/share/lcperf/scenarios/smoke/llama3-8b-8xh200-1f1b.json
op='{"op":"gemm","m":4096,"n":16,"k":9216,"dtype":"bf16"}'
"$prefix/bin/lcperf" simulate "$scenario" --out "$work/cli-run" --quiet
expected_iter=$(grep -o '"iteration_time_s": *[0-9.eE+-]*' "$work/cli-run/result.json" | head -n 1 | sed 's/.*: *//')
expected_gemm=$("$prefix/bin/lcperf" cost --device h200 --op "$op" | grep -o '"time_s": *[0-9.eE+-]*' | sed 's/.*: *//')
[ -n "$expected_iter" ] && [ -n "$expected_gemm" ] || fail "the installed lcperf printed no iteration or GEMM time"

same() {  # same number to 12 significant digits (the JSON writer's rounding)
  awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); exit !(d <= 1e-12 * m) }'
}
check_consumer() {  # $1: how it was built, $2: the binary
  read -r iter gemm < <("$2" "$scenario" "$op")
  same "$iter" "$expected_iter" || fail "$1 consumer: iteration $iter s, lcperf simulate $expected_iter s"
  same "$gemm" "$expected_gemm" || fail "$1 consumer: GEMM $gemm s, lcperf cost $expected_gemm s"
  echo "install_test: $1 consumer: iteration $iter s, GEMM $gemm s (= the installed lcperf)"
}

cmake -S "$source/tests/install/consumer" -B "$work/consumer-build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" >"$work/consumer-configure.log" || { cat "$work/consumer-configure.log"; fail "find_package(lcperf) failed"; }
cmake --build "$work/consumer-build" >"$work/consumer-build.log" 2>&1 || { tail -n 30 "$work/consumer-build.log"; fail "the consumer did not build"; }
check_consumer find_package "$work/consumer-build/consumer"

flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs lcperf)
${CXX:-c++} -O1 "$source/tests/install/consumer/consumer.cpp" -o "$work/consumer-pc" $flags || fail "pkg-config flags did not link: $flags"
check_consumer pkg-config "$work/consumer-pc"

# Moved out of the source tree (a scenario's folder is walked up for data too, and the
# work folder is inside the build folder); the original prefix is gone; data found only
# in the copy proves where it looked.
elsewhere=$(mktemp -d)
trap 'rm -rf "$elsewhere"' EXIT
moved=$elsewhere/lcperf
mv "$prefix" "$moved"
data=$moved/share/lcperf
cp "$data/cost_models/devices/h200.json" "$data/cost_models/devices/install-test-device.json"
sed 's/"id": *"[^"]*"/"id": "install-test-model"/' "$data/scenarios/models/llama3-8b.json" \
  >"$data/scenarios/models/install-test-model.json"
mkdir -p "$elsewhere/unrelated"
sed 's/"model": *"[^"]*"/"model": "install-test-model"/' "$data/scenarios/smoke/llama3-8b-8xh200-1f1b.json" \
  >"$elsewhere/unrelated/mine.json"
cd "$elsewhere/unrelated"
"$moved/bin/lcperf" cost --device install-test-device --op "$op" >cost.json || fail "moved: device profile not found"
"$moved/bin/lcperf" simulate mine.json --out run --quiet || fail "moved: model id not found"
grep -q '"install-test-model"' run/result.json || fail "moved: result.json does not name the moved model"
moved_iter=$(grep -o '"iteration_time_s": *[0-9.eE+-]*' run/result.json | head -n 1 | sed 's/.*: *//')
same "$moved_iter" "$expected_iter" || fail "moved: iteration $moved_iter s, before the move $expected_iter s"
echo "install_test: moved prefix: data found next to the binary (iteration $moved_iter s)"

if [ -n "$python" ]; then
  module_dir=$(dirname "$(find "$moved" -name 'lcperf*.so' | head -n 1)")
  [ "$module_dir" != "." ] || fail "the Python module was not installed"
  PYTHONPATH=$module_dir "$python" -c "
import lcperf
r = lcperf.cost('install-test-device', {'op': 'gemm', 'm': 4096, 'n': 16, 'k': 9216, 'dtype': 'bf16'})
assert abs(r['time_s'] - $expected_gemm) <= 1e-12 * $expected_gemm, r
print('install_test: moved Python module: data found next to it')
" || fail "the moved Python module did not find its data"
fi
