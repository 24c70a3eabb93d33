// kernels::ProfileCase for each grid shape on the GPU (kernels/cuda), timed with CUDA
// events by the caller. Built for real only with CUDA; otherwise make_cuda_case says
// so. There is no CUDA attention backward kernel yet, so the cuda grid has no
// attention_bwd cases (profile_command.cpp refuses that class for --backend cuda).
#include "runs/profile_grid.hpp"
#include "core/errors.hpp"

#ifndef LCPERF_HAVE_CUDA

namespace lcperf::runs {

kernels::ProfileCase make_cuda_case(const GridCase&) {
  throw core::InputError("--backend cuda: lcperf was built without CUDA (no nvcc found at configure time)");
}

std::string cublas_version() { return ""; }

}  // namespace lcperf::runs

#else

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <variant>

#include "cost_models/op_json.hpp"
#include "kernels/cuda/attention_cuda.hpp"
#include "kernels/cuda/device_memory.hpp"
#include "kernels/cuda/elementwise_cuda.hpp"
#include "kernels/cuda/gemm_cuda.hpp"
#include "kernels/cuda/spmm_cuda.hpp"
#include "kernels/storage_convert.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::runs {

namespace {

using kernels::Storage;
using kernels::cuda::DeviceBuffer;

std::vector<float> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t h = (static_cast<std::uint32_t>(i) + seed * 0x9e3779b9u) * 2654435761u;
    values[i] = static_cast<float>((h >> 8) & 0xffffu) / 65536.0f - 0.5f;
  }
  return values;
}

Storage storage_of(core::DType dtype) {
  switch (dtype) {
    case core::DType::fp32: return Storage::fp32;
    case core::DType::fp16: return Storage::fp16;
    default: return Storage::bf16;
  }
}

std::size_t count(std::int64_t a, std::int64_t b = 1, std::int64_t c = 1) {
  return static_cast<std::size_t>(a) * static_cast<std::size_t>(b) * static_cast<std::size_t>(c);
}

// `copies` device copies of one pattern array of `elements` values in storage s.
struct DeviceRotation {
  std::size_t elements = 0;
  Storage storage = Storage::bf16;
  std::vector<DeviceBuffer> copies;

  void prepare(int count_copies) {
    const std::vector<std::uint8_t> host = kernels::pack_storage(pattern(elements, 1), storage);
    copies.clear();
    for (int i = 0; i < count_copies; ++i) copies.emplace_back(host);
  }
  const std::uint8_t* at(int copy) const {
    return static_cast<const std::uint8_t*>(copies[static_cast<std::size_t>(copy)].get());
  }
};

kernels::ProfileCase base_case(const GridCase& c, std::size_t elements, Storage s,
                               const std::shared_ptr<DeviceRotation>& inputs) {
  kernels::ProfileCase pc;
  pc.op_class = std::string(cost::to_string(c.op_class));
  pc.shape_json = cost::op_to_json_text(c.shape);
  inputs->elements = elements;
  inputs->storage = s;
  pc.bytes_per_call = elements * kernels::storage_bytes(s);
  pc.prepare = [inputs](int copies) { inputs->prepare(copies); };
  pc.release = [inputs] { inputs->copies.clear(); };
  return pc;
}

kernels::ProfileCase gemm_case(const GridCase& c, const core::GemmShape& g) {
  const Storage s = storage_of(g.dtype);
  auto inputs = std::make_shared<DeviceRotation>();
  kernels::ProfileCase pc = base_case(c, count(g.m, g.k) + count(g.n, g.k), s, inputs);
  auto out = std::make_shared<DeviceBuffer>(count(g.m, g.n) * kernels::storage_bytes(s));
  pc.run = [inputs, out, g, s](int copy) {
    const std::uint8_t* a = inputs->at(copy);
    kernels::cuda::gemm_cuda(s, g.m, g.n, g.k, a, a + count(g.m, g.k) * kernels::storage_bytes(s), out->get(), true,
                             1.0f, 0.0f, nullptr);
  };
  return pc;
}

kernels::ProfileCase attention_case(const GridCase& c, const core::AttentionShape& a) {
  if (a.backward) throw core::InputError("--backend cuda: no CUDA attention backward kernel to profile");
  const Storage s = storage_of(a.dtype);
  const std::size_t elem = kernels::storage_bytes(s);
  std::vector<std::int32_t> cu_q{0}, cu_kv{0};
  int max_q = 0;
  for (const core::AttentionSeq& seq : a.seqs) {
    cu_q.push_back(cu_q.back() + static_cast<std::int32_t>(seq.q_len));
    cu_kv.push_back(cu_kv.back() + static_cast<std::int32_t>(seq.kv_len));
    max_q = std::max(max_q, static_cast<int>(seq.q_len));
  }
  const std::size_t nq = count(cu_q.back(), a.heads_q, a.head_dim), nkv = count(cu_kv.back(), a.heads_kv, a.head_dim);
  auto d_cu_q = std::make_shared<DeviceBuffer>(cu_q), d_cu_kv = std::make_shared<DeviceBuffer>(cu_kv);
  auto inputs = std::make_shared<DeviceRotation>();
  kernels::ProfileCase pc = base_case(c, nq + 2 * nkv, s, inputs);
  auto out = std::make_shared<DeviceBuffer>(nq * elem);
  auto lse = std::make_shared<DeviceBuffer>(count(cu_q.back(), a.heads_q) * sizeof(float));
  const kernels::AttentionDims dims{a.heads_q, a.heads_kv, a.head_dim, 0.0f, a.mask == core::AttentionMask::causal};
  const int batch = static_cast<int>(a.seqs.size());
  pc.run = [=](int copy) {
    const std::uint8_t* q = inputs->at(copy);
    kernels::cuda::attention_fwd_cuda(
        s, dims, kernels::cuda::DeviceVarlen{batch, d_cu_q->as<std::int32_t>(), d_cu_kv->as<std::int32_t>(), max_q}, q,
        q + nq * elem, q + (nq + nkv) * elem, out->get(), lse->as<float>(), nullptr);
  };
  return pc;
}

kernels::ProfileCase decode_case(const GridCase& c, const core::AttentionShape& a) {
  constexpr int kBlock = 16;
  const Storage s = storage_of(a.dtype);
  const std::size_t elem = kernels::storage_bytes(s);
  const int batch = static_cast<int>(a.seqs.size());
  std::int64_t max_kv = 0;
  std::vector<std::int32_t> lens;
  for (const core::AttentionSeq& seq : a.seqs) {
    max_kv = std::max(max_kv, seq.kv_len);
    lens.push_back(static_cast<std::int32_t>(seq.kv_len));
  }
  const int per_seq = static_cast<int>((max_kv + kBlock - 1) / kBlock);
  std::vector<std::int32_t> table(count(batch, per_seq));
  std::iota(table.begin(), table.end(), 0);
  auto d_table = std::make_shared<DeviceBuffer>(table), d_lens = std::make_shared<DeviceBuffer>(lens);
  const std::size_t cache = count(batch, per_seq, kBlock) * count(a.heads_kv, a.head_dim);
  auto inputs = std::make_shared<DeviceRotation>();
  kernels::ProfileCase pc = base_case(c, 2 * cache, s, inputs);
  auto q = std::make_shared<DeviceBuffer>(kernels::pack_storage(pattern(count(batch, a.heads_q, a.head_dim), 7), s));
  auto out = std::make_shared<DeviceBuffer>(count(batch, a.heads_q, a.head_dim) * elem);
  auto lse = std::make_shared<DeviceBuffer>(count(batch, a.heads_q) * sizeof(float));
  const kernels::AttentionDims dims{a.heads_q, a.heads_kv, a.head_dim, 0.0f, false};
  pc.run = [=](int copy) {
    const std::uint8_t* k = inputs->at(copy);
    kernels::cuda::paged_decode_attention_cuda(
        s, dims, batch, q->get(),
        kernels::cuda::DevicePagedKv{k, k + cache * elem, kBlock, d_table->as<std::int32_t>(), per_seq,
                                     d_lens->as<std::int32_t>()},
        out->get(), lse->as<float>(), nullptr);
  };
  return pc;
}

kernels::ProfileCase elementwise_case(const GridCase& c, const core::ElementwiseShape& e) {
  auto inputs = std::make_shared<DeviceRotation>();
  if (e.kind == "memcpy") {
    const std::size_t bytes = static_cast<std::size_t>(e.elements);
    kernels::ProfileCase pc = base_case(c, bytes / 2, Storage::bf16, inputs);
    auto out = std::make_shared<DeviceBuffer>(bytes);
    pc.run = [inputs, out, bytes](int copy) {
      if (cudaMemcpyAsync(out->get(), inputs->at(copy), bytes, cudaMemcpyDeviceToDevice, nullptr) != cudaSuccess) {
        throw std::runtime_error("cudaMemcpyAsync failed");
      }
    };
    return pc;
  }
  const Storage s = Storage::bf16;
  constexpr int kCols = 4096;
  const std::int64_t rows = std::max<std::int64_t>(1, e.elements / kCols);
  auto out = std::make_shared<DeviceBuffer>(count(rows, kCols) * 2);
  if (e.kind == "rmsnorm") {
    kernels::ProfileCase pc = base_case(c, count(rows, kCols), s, inputs);
    auto weight = std::make_shared<DeviceBuffer>(kernels::pack_storage(std::vector<float>(kCols, 1.0f), s));
    pc.run = [=](int copy) {
      kernels::cuda::rmsnorm_cuda(s, rows, kCols, inputs->at(copy), weight->get(), 1e-6f, out->get(), nullptr);
    };
    return pc;
  }
  if (e.kind == "swiglu") {
    kernels::ProfileCase pc = base_case(c, 2 * count(rows, kCols), s, inputs);
    pc.run = [=](int copy) { kernels::cuda::swiglu_cuda(s, rows, kCols, inputs->at(copy), out->get(), nullptr); };
    return pc;
  }
  if (e.kind == "rope") {
    constexpr int kHeads = 32, kHeadDim = 128;
    const std::int64_t tokens = std::max<std::int64_t>(1, e.elements / (kHeads * kHeadDim));
    std::vector<std::int64_t> positions(static_cast<std::size_t>(tokens));
    std::iota(positions.begin(), positions.end(), std::int64_t{0});
    auto d_positions = std::make_shared<DeviceBuffer>(positions);
    kernels::ProfileCase pc = base_case(c, count(tokens, kHeads, kHeadDim), s, inputs);
    pc.run = [=](int copy) {
      kernels::cuda::rotary_cuda(s, tokens, kHeads, kHeadDim, d_positions->as<std::int64_t>(), 10000.0,
                                 inputs->at(copy), out->get(), nullptr);
    };
    return pc;
  }
  throw core::InputError("--backend cuda: no kernel for element-wise kind \"" + e.kind + "\"");
}

kernels::ProfileCase spmm_case(const GridCase& c, const core::SpmmShape& sp) {
  std::vector<float> dense = pattern(count(sp.m, sp.k), 11);
  kernels::magnitude_prune_cpu(sp.m, sp.k, sp.sparsity, dense.data());
  const kernels::TiledCsl a = kernels::tiled_csl_from_dense(sp.m, sp.k, dense.data());
  auto entries = std::make_shared<DeviceBuffer>(a.entries), offsets = std::make_shared<DeviceBuffer>(a.tile_offsets);
  auto inputs = std::make_shared<DeviceRotation>();
  kernels::ProfileCase pc = base_case(c, count(sp.n, sp.k), Storage::fp16, inputs);
  auto out = std::make_shared<DeviceBuffer>(count(sp.n, sp.m) * 2);
  const std::int64_t m = sp.m, k = sp.k, n = sp.n;
  pc.run = [=](int copy) {
    kernels::cuda::spmm_tiled_csl_cuda(
        kernels::cuda::DeviceTiledCsl{m, k, entries->as<std::uint32_t>(), offsets->as<std::int32_t>()}, n,
        inputs->at(copy), out->get(), nullptr);
  };
  return pc;
}

}  // namespace

kernels::ProfileCase make_cuda_case(const GridCase& c) {
  if (const auto* g = std::get_if<core::GemmShape>(&c.shape)) return gemm_case(c, *g);
  if (const auto* a = std::get_if<core::AttentionShape>(&c.shape)) {
    return a->paged_decode ? decode_case(c, *a) : attention_case(c, *a);
  }
  if (const auto* e = std::get_if<core::ElementwiseShape>(&c.shape)) return elementwise_case(c, *e);
  if (const auto* s = std::get_if<core::SpmmShape>(&c.shape)) return spmm_case(c, *s);
  throw std::invalid_argument("CUDA profile: no kernel for this op");
}

std::string cublas_version() {
  int major = 0, minor = 0, patch = 0;
  if (cublasGetProperty(MAJOR_VERSION, &major) != CUBLAS_STATUS_SUCCESS ||
      cublasGetProperty(MINOR_VERSION, &minor) != CUBLAS_STATUS_SUCCESS ||
      cublasGetProperty(PATCH_LEVEL, &patch) != CUBLAS_STATUS_SUCCESS) {
    return "";
  }
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace lcperf::runs

#endif
