// The shape grids of `lcperf profile`. Each class spans its size variable over several
// octaves (the efficiency curves are fitted in log2 of it) and mixes shapes of
// different balance (square and skinny GEMMs, short and long attention, ...), so a
// held-out row is a genuinely different shape, not a neighbour of the same family.
#include "runs/profile_grid.hpp"

#include <cstdint>

namespace lcperf::runs {

namespace {

using cost::OpClass;
using core::DType;

GridCase gemm(std::int64_t m, std::int64_t n, std::int64_t k, DType dtype) {
  return {OpClass::gemm, core::GemmShape{m, n, k, 1, dtype}};
}

core::AttentionShape attention(std::int64_t q_len, std::int64_t kv_len, int batch, int heads_q, int heads_kv,
                               int head_dim, core::AttentionMask mask, DType dtype) {
  core::AttentionShape a;
  a.seqs.assign(static_cast<std::size_t>(batch), core::AttentionSeq{q_len, kv_len});
  a.heads_q = heads_q;
  a.heads_kv = heads_kv;
  a.head_dim = head_dim;
  a.mask = mask;
  a.dtype = dtype;
  return a;
}

GridCase attention_fwd(std::int64_t len, int batch, int hq, int hkv, int d, core::AttentionMask mask, DType dtype) {
  return {OpClass::attention_fwd, attention(len, len, batch, hq, hkv, d, mask, dtype)};
}

GridCase attention_bwd(std::int64_t len, int batch, int hq, int hkv, int d, core::AttentionMask mask, DType dtype) {
  core::AttentionShape a = attention(len, len, batch, hq, hkv, d, mask, dtype);
  a.backward = true;
  return {OpClass::attention_bwd, a};
}

// One new token per sequence over a paged cache of kv_len keys; causal with q_len 1 sees
// every key, which is what the serving ops ask for (core/serving_ops.cpp).
GridCase attention_decode(std::int64_t kv_len, int batch, int hq, int hkv, int d, DType dtype) {
  core::AttentionShape a = attention(1, kv_len, batch, hq, hkv, d, core::AttentionMask::causal, dtype);
  a.paged_decode = true;
  return {OpClass::attention_decode, a};
}

// Per-element FLOPs as core/layer_ops.cpp counts them; bytes for `elem`-byte data.
GridCase elementwise(const std::string& kind, std::int64_t elements, int elem) {
  core::ElementwiseShape e;
  e.kind = kind;
  e.elements = elements;
  if (kind == "rmsnorm") {
    e.flops_per_element = 4;
    e.bytes_per_element = 2.0 * elem;  // read x, write y
  } else if (kind == "swiglu") {
    e.flops_per_element = 4;
    e.bytes_per_element = 3.0 * elem;  // read gate and up, write one
  } else {  // rope
    e.flops_per_element = 3;
    e.bytes_per_element = 2.0 * elem;
  }
  return {OpClass::elementwise, e};
}

GridCase memcpy_case(std::int64_t bytes) {
  core::ElementwiseShape e;
  e.kind = "memcpy";
  e.elements = bytes;
  e.flops_per_element = 0;
  e.bytes_per_element = 2;  // read once, write once (the op JSON's "memcpy")
  return {OpClass::memcpy, e};
}

GridCase spmm(std::int64_t m, std::int64_t n, std::int64_t k, double sparsity) {
  return {OpClass::spmm, core::SpmmShape{m, n, k, sparsity, DType::fp16}};
}

// ---- CPU grids (one core, fp32) --------------------------------------------------------

void cpu_gemm(std::vector<GridCase>& out, bool quick) {
  const DType f = DType::fp32;
  const std::vector<std::int64_t> squares = quick ? std::vector<std::int64_t>{64, 128, 256, 512}
                                                  : std::vector<std::int64_t>{64, 96, 128, 192, 256, 384, 512, 768, 1024};
  for (std::int64_t s : squares) out.push_back(gemm(s, s, s, f));
  // Token-by-weight products: m tokens through a [k -> n] projection.
  const std::vector<std::int64_t> tokens = quick ? std::vector<std::int64_t>{1, 16, 128}
                                                 : std::vector<std::int64_t>{1, 4, 16, 64, 256, 1024};
  const std::vector<std::pair<std::int64_t, std::int64_t>> weights =
      quick ? std::vector<std::pair<std::int64_t, std::int64_t>>{{1024, 1024}}
            : std::vector<std::pair<std::int64_t, std::int64_t>>{{1024, 1024}, {2048, 512}, {512, 2048}, {4096, 1024}};
  for (const auto& [n, k] : weights) {
    for (std::int64_t m : tokens) out.push_back(gemm(m, n, k, f));
  }
}

void cpu_attention_fwd(std::vector<GridCase>& out, bool quick) {
  const DType f = DType::fp32;
  const auto causal = core::AttentionMask::causal, full = core::AttentionMask::full;
  const std::vector<std::int64_t> lens = quick ? std::vector<std::int64_t>{64, 128, 256, 512}
                                               : std::vector<std::int64_t>{64, 128, 256, 384, 512, 768, 1024, 1536, 2048};
  for (std::int64_t len : lens) out.push_back(attention_fwd(len, 1, 4, 2, 64, causal, f));
  out.push_back(attention_fwd(128, 4, 4, 2, 64, causal, f));
  out.push_back(attention_fwd(256, 1, 4, 2, 64, full, f));
  if (!quick) {
    for (std::int64_t len : {128, 512, 1024}) out.push_back(attention_fwd(len, 1, 4, 2, 64, full, f));
    out.push_back(attention_fwd(512, 4, 4, 2, 64, causal, f));
    out.push_back(attention_fwd(256, 2, 2, 2, 128, causal, f));
    out.push_back(attention_fwd(1024, 1, 8, 8, 64, causal, f));
  }
}

void cpu_attention_bwd(std::vector<GridCase>& out, bool quick) {
  const DType f = DType::fp32;
  const auto causal = core::AttentionMask::causal, full = core::AttentionMask::full;
  const std::vector<std::int64_t> lens = quick ? std::vector<std::int64_t>{64, 128, 256}
                                               : std::vector<std::int64_t>{64, 128, 256, 384, 512, 768, 1024};
  for (std::int64_t len : lens) out.push_back(attention_bwd(len, 1, 4, 2, 64, causal, f));
  out.push_back(attention_bwd(128, 2, 4, 2, 64, full, f));
  if (!quick) {
    out.push_back(attention_bwd(512, 1, 4, 2, 64, full, f));
    out.push_back(attention_bwd(128, 4, 4, 2, 64, causal, f));
    out.push_back(attention_bwd(256, 2, 2, 2, 128, causal, f));
  }
}

void cpu_attention_decode(std::vector<GridCase>& out, bool quick) {
  const DType f = DType::fp32;
  const std::vector<std::int64_t> lens = quick ? std::vector<std::int64_t>{256, 2048}
                                               : std::vector<std::int64_t>{256, 1024, 4096, 16384};
  const std::vector<int> batches = quick ? std::vector<int>{1, 8} : std::vector<int>{1, 4, 16};
  for (int b : batches) {
    for (std::int64_t kv : lens) out.push_back(attention_decode(kv, b, 8, 2, 64, f));
  }
}

void cpu_elementwise(std::vector<GridCase>& out, bool quick) {
  const std::vector<std::int64_t> sizes = quick ? std::vector<std::int64_t>{1 << 14, 1 << 18}
                                                : std::vector<std::int64_t>{1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24};
  for (const char* kind : {"rmsnorm", "swiglu", "rope"}) {
    for (std::int64_t n : sizes) out.push_back(elementwise(kind, n, 4));
  }
}

void cpu_memcpy(std::vector<GridCase>& out, bool quick) {
  const int lo = quick ? 14 : 12, hi = quick ? 24 : 28, step = quick ? 5 : 1;
  for (int p = lo; p <= hi; p += step) out.push_back(memcpy_case(std::int64_t{1} << p));
}

void cpu_spmm(std::vector<GridCase>& out, bool quick) {
  const std::vector<std::int64_t> ns = quick ? std::vector<std::int64_t>{1, 16} : std::vector<std::int64_t>{1, 4, 16, 64};
  const std::vector<double> sparsities = quick ? std::vector<double>{0.8} : std::vector<double>{0.5, 0.8, 0.9};
  for (double s : sparsities) {
    for (std::int64_t n : ns) out.push_back(spmm(1024, n, 1024, s));
  }
  if (!quick) {
    out.push_back(spmm(2048, 16, 1024, 0.8));
    out.push_back(spmm(2048, 4, 2048, 0.9));
  }
}

// ---- CUDA grids (bf16; SpMM fp16) -----------------------------------------------------

void cuda_gemm(std::vector<GridCase>& out, bool quick) {
  const DType b = DType::bf16;
  const std::vector<std::int64_t> squares = quick ? std::vector<std::int64_t>{512, 2048, 8192}
                                                  : std::vector<std::int64_t>{256, 512, 1024, 2048, 4096, 8192};
  for (std::int64_t s : squares) out.push_back(gemm(s, s, s, b));
  const std::vector<std::int64_t> tokens = quick ? std::vector<std::int64_t>{1, 128, 4096}
                                                 : std::vector<std::int64_t>{1, 16, 128, 1024, 8192};
  for (const auto& [n, k] : std::vector<std::pair<std::int64_t, std::int64_t>>{{4096, 4096}, {14336, 4096}, {4096, 14336}}) {
    for (std::int64_t m : tokens) out.push_back(gemm(m, n, k, b));
  }
}

void cuda_attention(std::vector<GridCase>& out, OpClass op_class, bool quick) {
  const DType b = DType::bf16;
  const auto causal = core::AttentionMask::causal, full = core::AttentionMask::full;
  const std::vector<std::int64_t> lens = quick ? std::vector<std::int64_t>{1024, 4096}
                                               : std::vector<std::int64_t>{512, 1024, 2048, 4096, 8192, 16384};
  const auto make = op_class == OpClass::attention_fwd ? attention_fwd : attention_bwd;
  for (std::int64_t len : lens) out.push_back(make(len, 1, 32, 8, 128, causal, b));
  out.push_back(make(4096, 1, 32, 8, 128, full, b));
  out.push_back(make(1024, 8, 32, 8, 128, causal, b));
}

void cuda_attention_decode(std::vector<GridCase>& out, bool quick) {
  const std::vector<std::int64_t> lens = quick ? std::vector<std::int64_t>{1024, 16384}
                                               : std::vector<std::int64_t>{1024, 4096, 16384, 65536};
  for (int batch : quick ? std::vector<int>{8} : std::vector<int>{1, 8, 64}) {
    for (std::int64_t kv : lens) out.push_back(attention_decode(kv, batch, 32, 8, 128, DType::bf16));
  }
}

void cuda_elementwise(std::vector<GridCase>& out, bool quick) {
  const std::vector<std::int64_t> sizes = quick ? std::vector<std::int64_t>{1 << 20, 1 << 26}
                                                : std::vector<std::int64_t>{1 << 16, 1 << 20, 1 << 23, 1 << 26, 1 << 28};
  for (const char* kind : {"rmsnorm", "swiglu", "rope"}) {
    for (std::int64_t n : sizes) out.push_back(elementwise(kind, n, 2));
  }
}

void cuda_memcpy(std::vector<GridCase>& out, bool quick) {
  for (int p = 16; p <= 32; p += quick ? 8 : 2) out.push_back(memcpy_case(std::int64_t{1} << p));
}

void cuda_spmm(std::vector<GridCase>& out, bool quick) {
  for (double s : quick ? std::vector<double>{0.8} : std::vector<double>{0.5, 0.7, 0.8, 0.9}) {
    for (std::int64_t n : quick ? std::vector<std::int64_t>{16, 256} : std::vector<std::int64_t>{8, 16, 32, 64, 128, 256}) {
      out.push_back(spmm(8192, n, 8192, s));
    }
  }
}

}  // namespace

std::vector<GridCase> profile_grid(ProfileBackend backend, const std::vector<cost::OpClass>& classes, bool quick) {
  std::vector<GridCase> cases;
  const bool cpu = backend == ProfileBackend::cpu;
  for (OpClass c : classes) {
    switch (c) {
      case OpClass::gemm: cpu ? cpu_gemm(cases, quick) : cuda_gemm(cases, quick); break;
      case OpClass::attention_fwd:
        cpu ? cpu_attention_fwd(cases, quick) : cuda_attention(cases, OpClass::attention_fwd, quick);
        break;
      case OpClass::attention_bwd:
        cpu ? cpu_attention_bwd(cases, quick) : cuda_attention(cases, OpClass::attention_bwd, quick);
        break;
      case OpClass::attention_decode: cpu ? cpu_attention_decode(cases, quick) : cuda_attention_decode(cases, quick); break;
      case OpClass::elementwise: cpu ? cpu_elementwise(cases, quick) : cuda_elementwise(cases, quick); break;
      case OpClass::memcpy: cpu ? cpu_memcpy(cases, quick) : cuda_memcpy(cases, quick); break;
      case OpClass::spmm: cpu ? cpu_spmm(cases, quick) : cuda_spmm(cases, quick); break;
    }
  }
  return cases;
}

}  // namespace lcperf::runs
