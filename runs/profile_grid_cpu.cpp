// kernels::ProfileCase for each grid shape, running the kernels/cpu references on the
// calling thread (one core = one device). Only inputs rotate through copies; outputs
// and scratch are shared, as a kernel's output buffer usually is.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <variant>

#include "backends/cpu/op_executor.hpp"
#include "runs/profile_grid.hpp"
#include "runs/profile_scenario_grid.hpp"
#include "cost_models/op_json.hpp"
#include "kernels/attention.hpp"
#include "kernels/gemm.hpp"
#include "kernels/norms.hpp"
#include "kernels/paged_decode.hpp"
#include "kernels/rotary.hpp"
#include "kernels/swiglu.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::runs {

namespace {

using Floats = std::vector<float>;

// Values in [-0.5, 0.5) from a multiplicative hash: cheap for hundreds of MiB, no
// denormals, different per copy so no two copies share cache lines by content.
void fill_pattern(Floats& values, std::uint32_t seed) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint32_t h = (static_cast<std::uint32_t>(i) + seed * 0x9e3779b9u) * 2654435761u;
    values[i] = static_cast<float>((h >> 8) & 0xffffu) / 65536.0f - 0.5f;
  }
}

// `copies` independent input arrays of `elements` floats, made by prepare().
struct Rotation {
  std::size_t elements = 0;
  std::vector<Floats> copies;

  void prepare(int count) {
    copies.assign(static_cast<std::size_t>(count), Floats(elements));
    for (int c = 0; c < count; ++c) fill_pattern(copies[static_cast<std::size_t>(c)], static_cast<std::uint32_t>(c + 1));
  }
  const float* at(int copy) const { return copies[static_cast<std::size_t>(copy)].data(); }
};

kernels::ProfileCase base_case(const GridCase& c, std::size_t input_floats, const std::shared_ptr<Rotation>& inputs) {
  kernels::ProfileCase pc;
  pc.op_class = std::string(cost::to_string(c.op_class));
  pc.shape_json = cost::op_to_json_text(c.shape);
  pc.bytes_per_call = input_floats * sizeof(float);
  inputs->elements = input_floats;
  pc.prepare = [inputs](int copies) { inputs->prepare(copies); };
  pc.release = [inputs] { inputs->copies.clear(); };
  return pc;
}

std::size_t count(std::int64_t a, std::int64_t b = 1, std::int64_t c = 1) {
  return static_cast<std::size_t>(a) * static_cast<std::size_t>(b) * static_cast<std::size_t>(c);
}

// y = x W^T, the layout of a linear layer: A = x [m][k], B = W [n][k].
kernels::ProfileCase gemm_case(const GridCase& c, const core::GemmShape& g) {
  if (g.batch != 1) throw std::invalid_argument("CPU profile: GEMM batch must be 1");
  auto inputs = std::make_shared<Rotation>();
  auto out = std::make_shared<Floats>(count(g.m, g.n));
  kernels::ProfileCase pc = base_case(c, count(g.m, g.k) + count(g.n, g.k), inputs);
  pc.run = [inputs, out, g](int copy) {
    const float* a = inputs->at(copy);
    kernels::GemmArgs args;
    args.m = g.m, args.n = g.n, args.k = g.k;
    args.a = a, args.lda = g.k;
    args.b = a + count(g.m, g.k), args.ldb = g.k, args.b_transposed = true;
    args.c = out->data(), args.ldc = g.n;
    kernels::gemm_cpu(args);
  };
  return pc;
}

struct VarlenOffsets {
  std::vector<std::int32_t> q{0}, kv{0};
  explicit VarlenOffsets(const core::AttentionShape& a) {
    for (const core::AttentionSeq& s : a.seqs) {
      q.push_back(q.back() + static_cast<std::int32_t>(s.q_len));
      kv.push_back(kv.back() + static_cast<std::int32_t>(s.kv_len));
    }
  }
};

kernels::ProfileCase attention_case(const GridCase& c, const core::AttentionShape& a) {
  auto offsets = std::make_shared<VarlenOffsets>(a);
  const std::size_t total_q = static_cast<std::size_t>(offsets->q.back());
  const std::size_t total_kv = static_cast<std::size_t>(offsets->kv.back());
  const std::size_t nq = total_q * count(a.heads_q, a.head_dim), nkv = total_kv * count(a.heads_kv, a.head_dim);
  const kernels::AttentionDims dims{a.heads_q, a.heads_kv, a.head_dim, 0.0f, a.mask == core::AttentionMask::causal};
  auto inputs = std::make_shared<Rotation>();
  // Forward reads q, k, v; backward also reads out and dout (lse is shared below).
  const std::size_t input_floats = a.backward ? 3 * nq + 2 * nkv : nq + 2 * nkv;
  kernels::ProfileCase pc = base_case(c, input_floats, inputs);
  auto out = std::make_shared<Floats>(a.backward ? 2 * nq + 2 * nkv : nq);  // out, or dq dk dv (+ spare)
  // A plausible log-sum-exp: scores of the pattern inputs are small, so each row's
  // softmax denominator is about its number of visible keys. Keeps exp() finite.
  auto lse = std::make_shared<Floats>(total_q * static_cast<std::size_t>(a.heads_q),
                                      static_cast<float>(std::log(std::max<double>(1.0, static_cast<double>(total_kv)))));
  const kernels::VarlenBatch batch{static_cast<int>(a.seqs.size()), offsets->q.data(), offsets->kv.data()};
  if (!a.backward) {
    pc.run = [inputs, out, lse, offsets, dims, batch, nq, nkv](int copy) {
      const float* q = inputs->at(copy);
      kernels::attention_fwd_cpu(dims, batch, q, q + nq, q + nq + nkv, out->data(), lse->data());
    };
  } else {
    pc.run = [inputs, out, lse, offsets, dims, batch, nq, nkv](int copy) {
      const float* q = inputs->at(copy);
      const float* k = q + nq;
      const float* v = k + nkv;
      const float* o = v + nkv;
      const float* dout = o + nq;
      float* dq = out->data();
      kernels::attention_bwd_cpu(dims, batch, q, k, v, o, lse->data(), dout, dq, dq + nq, dq + nq + nkv);
    };
  }
  return pc;
}

// Paged decode: the cache of every sequence in 16-token blocks, block tables in order.
kernels::ProfileCase decode_case(const GridCase& c, const core::AttentionShape& a) {
  constexpr int kBlock = 16;
  const int batch = static_cast<int>(a.seqs.size());
  std::int64_t max_kv = 0;
  for (const core::AttentionSeq& s : a.seqs) max_kv = std::max(max_kv, s.kv_len);
  const int per_seq = static_cast<int>((max_kv + kBlock - 1) / kBlock);
  auto table = std::make_shared<std::vector<std::int32_t>>(count(batch, per_seq));
  std::iota(table->begin(), table->end(), 0);
  auto lens = std::make_shared<std::vector<std::int32_t>>();
  for (const core::AttentionSeq& s : a.seqs) lens->push_back(static_cast<std::int32_t>(s.kv_len));
  const std::size_t cache = count(batch, per_seq, kBlock) * count(a.heads_kv, a.head_dim);
  const std::size_t nq = count(batch, a.heads_q, a.head_dim);
  auto inputs = std::make_shared<Rotation>();
  kernels::ProfileCase pc = base_case(c, 2 * cache, inputs);
  auto q = std::make_shared<Floats>(nq);
  fill_pattern(*q, 7);
  auto out = std::make_shared<Floats>(nq);
  auto lse = std::make_shared<Floats>(count(batch, a.heads_q));
  const kernels::AttentionDims dims{a.heads_q, a.heads_kv, a.head_dim, 0.0f, false};
  pc.run = [inputs, table, lens, q, out, lse, dims, batch, per_seq, cache](int copy) {
    const float* k = inputs->at(copy);
    const kernels::PagedKv kv{k, k + cache, kBlock, table->data(), per_seq, lens->data()};
    kernels::paged_decode_attention_cpu(dims, batch, q->data(), kv, out->data(), lse->data());
  };
  return pc;
}

kernels::ProfileCase elementwise_case(const GridCase& c, const core::ElementwiseShape& e) {
  auto inputs = std::make_shared<Rotation>();
  if (e.kind == "memcpy") {
    const std::size_t floats = static_cast<std::size_t>(e.elements) / sizeof(float);
    kernels::ProfileCase pc = base_case(c, floats, inputs);
    auto out = std::make_shared<Floats>(floats);
    pc.run = [inputs, out, floats](int copy) { std::memcpy(out->data(), inputs->at(copy), floats * sizeof(float)); };
    return pc;
  }
  // Rows of 1024 (a hidden size) for the norm; 64-dim heads, 16 per token, for rope.
  constexpr int kCols = 1024;
  const std::int64_t rows = std::max<std::int64_t>(1, e.elements / kCols);
  auto out = std::make_shared<Floats>(count(rows, kCols));
  if (e.kind == "rmsnorm") {
    kernels::ProfileCase pc = base_case(c, count(rows, kCols), inputs);
    auto weight = std::make_shared<Floats>(kCols, 1.0f);
    pc.run = [inputs, out, weight, rows](int copy) {
      kernels::rmsnorm_cpu(rows, kCols, inputs->at(copy), weight->data(), 1e-6f, out->data());
    };
    return pc;
  }
  if (e.kind == "swiglu") {
    kernels::ProfileCase pc = base_case(c, 2 * count(rows, kCols), inputs);
    pc.run = [inputs, out, rows](int copy) { kernels::swiglu_cpu(rows, kCols, inputs->at(copy), out->data()); };
    return pc;
  }
  if (e.kind == "rope") {
    constexpr int kHeads = 16, kHeadDim = 64;
    const std::int64_t tokens = std::max<std::int64_t>(1, e.elements / (kHeads * kHeadDim));
    kernels::ProfileCase pc = base_case(c, count(tokens, kHeads, kHeadDim), inputs);
    auto positions = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(tokens));
    std::iota(positions->begin(), positions->end(), std::int64_t{0});
    pc.run = [inputs, out, positions, tokens](int copy) {
      kernels::rotary_cpu(tokens, kHeads, kHeadDim, positions->data(), 10000.0, inputs->at(copy), out->data());
    };
    return pc;
  }
  throw std::invalid_argument("CPU profile: no kernel for element-wise kind \"" + e.kind + "\"");
}

// One pruned weight in Tiled-CSL (converting copies would dominate the profile); the
// activations rotate.
kernels::ProfileCase spmm_case(const GridCase& c, const core::SpmmShape& s) {
  Floats dense(count(s.m, s.k));
  fill_pattern(dense, 11);
  kernels::magnitude_prune_cpu(s.m, s.k, s.sparsity, dense.data());
  auto weight = std::make_shared<kernels::TiledCsl>(kernels::tiled_csl_from_dense(s.m, s.k, dense.data()));
  auto inputs = std::make_shared<Rotation>();
  kernels::ProfileCase pc = base_case(c, count(s.n, s.k), inputs);
  auto out = std::make_shared<Floats>(count(s.n, s.m));
  const std::int64_t n = s.n;
  pc.run = [inputs, out, weight, n](int copy) { kernels::spmm_tiled_csl_cpu(*weight, n, inputs->at(copy), out->data()); };
  return pc;
}

}  // namespace

kernels::ProfileCase make_cpu_case(const GridCase& c) {
  if (const auto* g = std::get_if<core::GemmShape>(&c.shape)) return gemm_case(c, *g);
  if (const auto* a = std::get_if<core::AttentionShape>(&c.shape)) {
    return a->paged_decode ? decode_case(c, *a) : attention_case(c, *a);
  }
  if (const auto* e = std::get_if<core::ElementwiseShape>(&c.shape)) return elementwise_case(c, *e);
  if (const auto* s = std::get_if<core::SpmmShape>(&c.shape)) return spmm_case(c, *s);
  throw std::invalid_argument("CPU profile: no kernel for this op");
}

kernels::ProfileCase make_cpu_executor_case(const GridCase& c) {
  kernels::ProfileCase pc;
  pc.op_class = std::string(cost::to_string(c.op_class));
  pc.shape_json = cost::op_to_json_text(c.shape);
  pc.bytes_per_call = 0;  // one input set: the executor's scratch, as in a live run
  const core::OpPart part = c.shape;
  pc.run = [part](int) { backends::cpu::execute_part(part); };
  return pc;
}

}  // namespace lcperf::runs
