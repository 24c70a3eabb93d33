#!/usr/bin/env bash
# GPU check of lcperf's kernels, for a machine with an NVIDIA GPU:
#   1. finds a build with the CUDA kernel tests (build-kern/, build/, build-gpu/), and
#      configures + builds only `test_kernels` in build-gpu/ if none works;
#   2. runs the CUDA-vs-CPU kernel tests (outputs NaN-poisoned, fresh random inputs);
#   3. runs a short benchmark through the profiling harness (CUDA events, medians,
#      rotating inputs): profile_tables.json in device-profile "table" format, and
#      summary.tsv (our attention, decode, Tiled-CSL SpMM next to cuBLAS dense);
#   4. if PyTorch with CUDA is importable, times SDPA on the same attention shapes.
# Results go to $OUT (or ./gpu-check-out). Every step has a timeout; the whole run
# stays well inside 8 minutes when a build exists (about 5 when it must build).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-$PWD/gpu-check-out}"
mkdir -p "$out"
log() { echo "[gpu-check $(date +%H:%M:%S)] $*" | tee -a "$out/gpu-check.log"; }
status=0

timeout 20 nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || log "nvidia-smi failed (see nvidia-smi.txt)"

# A usable test binary runs and lists the CUDA tests (a CPU-only build has none).
usable() { [ -x "$1/tests/test_kernels" ] && timeout 60 "$1/tests/test_kernels" --gtest_list_tests 2>/dev/null | grep -q '^GemmCuda\.'; }
bin=""
for dir in build-kern build build-gpu; do
  if usable "$dir"; then bin="$dir/tests/test_kernels"; break; fi
done
if [ -z "$bin" ]; then
  log "no usable CUDA build found; building test_kernels in build-gpu/"
  if timeout 120 cmake -S . -B build-gpu -DLCPERF_BUILD_BENCH=OFF > "$out/configure.log" 2>&1 &&
     timeout 330 cmake --build build-gpu --target test_kernels -j"$(nproc)" > "$out/build.log" 2>&1; then
    bin=build-gpu/tests/test_kernels
  else
    log "build failed (configure.log, build.log)"
    exit 1
  fi
fi
log "using $bin"

log "CUDA kernel tests"
timeout 180 "$bin" --gtest_filter='*Cuda*:EventTimer.*:-CudaBenchmark.*' --gtest_output="json:$out/cuda_tests.json" \
  > "$out/cuda_tests.log" 2>&1
rc=$?
tail -n 40 "$out/cuda_tests.log"
[ $rc -eq 0 ] || { log "CUDA kernel tests FAILED (rc $rc)"; status=1; }

log "benchmark (profiling harness)"
LCPERF_KERNEL_BENCH_OUT="$out" timeout 150 "$bin" --gtest_filter='CudaBenchmark.*' > "$out/benchmark.log" 2>&1 ||
  { log "benchmark FAILED (benchmark.log)"; status=1; }
[ -f "$out/summary.tsv" ] && column -t -s $'\t' "$out/summary.tsv"

if timeout 60 python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  log "PyTorch SDPA on the same attention shapes"
  timeout 120 python3 - "$out/torch_sdpa.tsv" <<'PY' || { log "torch SDPA timing failed"; }
import sys, torch
import torch.nn.functional as F
rows = []
def bench(name, fn, reps=11, warmup=3):
    for _ in range(warmup): fn()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize()
        times.append(a.elapsed_time(b) * 1e-3)
    times.sort()
    rows.append((name, times[len(times) // 2]))
def sdpa_case(name, batch, q_len, kv_len, hq, hkv, d, causal):
    q = torch.randn(batch, hq, q_len, d, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(batch, hkv, kv_len, d, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    # GQA by expanding K/V: works on every torch version (enable_gqa is 2.5+).
    k, v = k.repeat_interleave(hq // hkv, dim=1), v.repeat_interleave(hq // hkv, dim=1)
    bench(name, lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
sdpa_case("torch_sdpa_bf16_causal_b1_q4096_h32kv8_d128", 1, 4096, 4096, 32, 8, 128, True)
sdpa_case("torch_sdpa_bf16_causal_b4_q1024_h32kv8_d128", 4, 1024, 1024, 32, 8, 128, True)
sdpa_case("torch_sdpa_bf16_decode_b32_kv4096_h32kv8_d128", 32, 1, 4096, 32, 8, 128, False)
with open(sys.argv[1], "w") as f:
    f.write("name\tmedian_s\n")
    for name, t in rows:
        f.write(f"{name}\t{t:.6g}\n")
        print(f"{name}\t{t:.6g}")
PY
else
  log "PyTorch with CUDA not importable: SDPA comparison skipped"
fi

log "done (status $status); results in $out"
exit $status
