// A short GPU benchmark through the profiling harness, run by scripts/gpu-check.sh:
// skipped unless LCPERF_KERNEL_BENCH_OUT names an output folder (and a GPU is
// visible). Writes profile_tables.json (device-profile "table" rows) and
// summary.tsv (name, median seconds) there. Built only with CUDA.
#ifdef LCPERF_HAVE_CUDA
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>

#include "cuda_test_util.hpp"
#include "kernel_test_util.hpp"
#include "kernels/cuda/attention_cuda.hpp"
#include "kernels/cuda/elementwise_cuda.hpp"
#include "kernels/cuda/event_timer.hpp"
#include "kernels/cuda/gemm_cuda.hpp"
#include "kernels/cuda/spmm_cuda.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::kernels {
namespace {

using Buffers = std::vector<cuda::DeviceBuffer>;

// `copies` device buffers of random values in storage s (one random host array,
// uploaded repeatedly: contents do not matter for timing, distinct addresses do).
std::shared_ptr<Buffers> make_copies(std::size_t elements, Storage s, int copies) {
  auto buffers = std::make_shared<Buffers>();
  const auto host = pack_storage(test::random_vector(elements, 1), s);
  for (int i = 0; i < copies; ++i) buffers->emplace_back(host);
  return buffers;
}

struct Named {
  std::string name;
  ProfileCase c;
};

Named gemm_case(std::string name, std::int64_t m, std::int64_t n, std::int64_t k, Storage s) {
  auto a = std::make_shared<std::shared_ptr<Buffers>>();
  auto b = std::make_shared<cuda::DeviceBuffer>(pack_storage(test::random_vector(static_cast<std::size_t>(n * k), 2), s));
  auto c = std::make_shared<cuda::DeviceBuffer>(static_cast<std::size_t>(m * n) * storage_bytes(s));
  ProfileCase pc;
  pc.op_class = "gemm";
  pc.shape_json = "{\"m\": " + std::to_string(m) + ", \"n\": " + std::to_string(n) + ", \"k\": " + std::to_string(k) +
                  ", \"dtype\": \"" + storage_name(s) + "\"}";
  pc.bytes_per_call = static_cast<std::size_t>(m * k) * storage_bytes(s);
  pc.prepare = [=](int copies) { *a = make_copies(static_cast<std::size_t>(m * k), s, copies); };
  pc.run = [=](int i) { cuda::gemm_cuda(s, m, n, k, (**a)[static_cast<std::size_t>(i)].get(), b->get(), c->get(), true, 1, 0, nullptr); };
  pc.release = [=] { a->reset(); };
  return {std::move(name), pc};
}

Named attention_case(std::string name, int q_len, int kv_len, int batch, int hq, int hkv, int d) {
  const Storage s = Storage::bf16;
  auto qkv = std::make_shared<std::shared_ptr<Buffers>>();
  std::vector<std::int32_t> cu_q(static_cast<std::size_t>(batch + 1)), cu_k(cu_q.size());
  for (int b = 0; b <= batch; ++b) cu_q[static_cast<std::size_t>(b)] = b * q_len, cu_k[static_cast<std::size_t>(b)] = b * kv_len;
  auto dcu_q = std::make_shared<cuda::DeviceBuffer>(cu_q), dcu_k = std::make_shared<cuda::DeviceBuffer>(cu_k);
  const std::size_t nq = static_cast<std::size_t>(batch) * q_len * hq * d, nk = static_cast<std::size_t>(batch) * kv_len * hkv * d;
  auto out = std::make_shared<cuda::DeviceBuffer>(nq * 2);
  auto lse = std::make_shared<cuda::DeviceBuffer>(static_cast<std::size_t>(batch) * q_len * hq * 4);
  ProfileCase pc;
  pc.op_class = "attention_fwd";
  pc.shape_json = "{\"q_len\": " + std::to_string(q_len) + ", \"kv_len\": " + std::to_string(kv_len) +
                  ", \"batch\": " + std::to_string(batch) + ", \"heads_q\": " + std::to_string(hq) +
                  ", \"heads_kv\": " + std::to_string(hkv) + ", \"head_dim\": " + std::to_string(d) +
                  ", \"mask\": \"causal\", \"dtype\": \"bf16\"}";
  pc.bytes_per_call = (nq + 2 * nk) * 2;
  pc.prepare = [=](int copies) { *qkv = make_copies(nq + 2 * nk, s, copies); };
  pc.run = [=](int i) {
    const auto* base = static_cast<const std::uint8_t*>((**qkv)[static_cast<std::size_t>(i)].get());
    const AttentionDims dims{hq, hkv, d, 0.0f, true};
    cuda::attention_fwd_cuda(s, dims, cuda::DeviceVarlen{batch, dcu_q->as<std::int32_t>(), dcu_k->as<std::int32_t>(), q_len},
                             base, base + nq * 2, base + (nq + nk) * 2, out->get(), lse->as<float>(), nullptr);
  };
  pc.release = [=] { qkv->reset(); };
  return {std::move(name), pc};
}

Named decode_case(std::string name, int batch, int kv_len, int hq, int hkv, int d) {
  const Storage s = Storage::bf16;
  const int block = 16, per_seq = (kv_len + block - 1) / block;
  std::vector<std::int32_t> table(static_cast<std::size_t>(batch * per_seq));
  std::iota(table.begin(), table.end(), 0);
  std::vector<std::int32_t> lens(static_cast<std::size_t>(batch), kv_len);
  auto dtable = std::make_shared<cuda::DeviceBuffer>(table), dlens = std::make_shared<cuda::DeviceBuffer>(lens);
  const std::size_t cache = static_cast<std::size_t>(batch) * per_seq * block * hkv * d;
  auto kv = std::make_shared<std::shared_ptr<Buffers>>();
  auto q = std::make_shared<cuda::DeviceBuffer>(pack_storage(test::random_vector(static_cast<std::size_t>(batch * hq * d), 3), s));
  auto out = std::make_shared<cuda::DeviceBuffer>(static_cast<std::size_t>(batch * hq * d) * 2);
  auto lse = std::make_shared<cuda::DeviceBuffer>(static_cast<std::size_t>(batch * hq) * 4);
  ProfileCase pc;
  pc.op_class = "attention_decode";
  pc.shape_json = "{\"q_len\": 1, \"kv_len\": " + std::to_string(kv_len) + ", \"batch\": " + std::to_string(batch) +
                  ", \"heads_q\": " + std::to_string(hq) + ", \"heads_kv\": " + std::to_string(hkv) +
                  ", \"head_dim\": " + std::to_string(d) + ", \"mask\": \"full\", \"dtype\": \"bf16\"}";
  pc.bytes_per_call = 2 * cache * 2;
  pc.prepare = [=](int copies) { *kv = make_copies(2 * cache, s, copies); };
  pc.run = [=](int i) {
    const auto* base = static_cast<const std::uint8_t*>((**kv)[static_cast<std::size_t>(i)].get());
    cuda::paged_decode_attention_cuda(s, AttentionDims{hq, hkv, d, 0.0f, false}, batch, q->get(),
                                      cuda::DevicePagedKv{base, base + cache * 2, block, dtable->as<std::int32_t>(), per_seq,
                                                          dlens->as<std::int32_t>()},
                                      out->get(), lse->as<float>(), nullptr);
  };
  pc.release = [=] { kv->reset(); };
  return {std::move(name), pc};
}

Named spmm_case(std::string name, std::int64_t m, std::int64_t n, std::int64_t k, double sparsity) {
  auto w = test::random_vector(static_cast<std::size_t>(m * k), 4);
  magnitude_prune_cpu(m, k, sparsity, w.data());
  const TiledCsl a = tiled_csl_from_dense(m, k, w.data());
  auto entries = std::make_shared<cuda::DeviceBuffer>(a.entries), offsets = std::make_shared<cuda::DeviceBuffer>(a.tile_offsets);
  auto x = std::make_shared<cuda::DeviceBuffer>(pack_storage(test::random_vector(static_cast<std::size_t>(n * k), 5), Storage::fp16));
  auto y = std::make_shared<cuda::DeviceBuffer>(static_cast<std::size_t>(n * m) * 2);
  ProfileCase pc;
  pc.op_class = "spmm";
  char sp[16];
  std::snprintf(sp, sizeof sp, "%.2f", sparsity);
  pc.shape_json = "{\"m\": " + std::to_string(m) + ", \"n\": " + std::to_string(n) + ", \"k\": " + std::to_string(k) +
                  ", \"sparsity\": " + sp + ", \"dtype\": \"fp16\"}";
  // One copy of the weight: rotating sparse weights would need several conversions.
  pc.run = [=](int) {
    cuda::spmm_tiled_csl_cuda(cuda::DeviceTiledCsl{m, k, entries->as<std::uint32_t>(), offsets->as<std::int32_t>()}, n,
                              x->get(), y->get(), nullptr);
  };
  return {std::move(name), pc};
}

Named rmsnorm_case(std::string name, std::int64_t rows, int cols) {
  const Storage s = Storage::bf16;
  auto x = std::make_shared<std::shared_ptr<Buffers>>();
  auto w = std::make_shared<cuda::DeviceBuffer>(pack_storage(test::random_vector(static_cast<std::size_t>(cols), 6), s));
  auto out = std::make_shared<cuda::DeviceBuffer>(static_cast<std::size_t>(rows * cols) * 2);
  ProfileCase pc;
  pc.op_class = "elementwise";
  pc.shape_json = "{\"kind\": \"rmsnorm\", \"elements\": " + std::to_string(rows * cols) +
                  ", \"flops_per_element\": 4, \"bytes_per_element\": 4}";
  pc.bytes_per_call = static_cast<std::size_t>(rows * cols) * 2;
  pc.prepare = [=](int copies) { *x = make_copies(static_cast<std::size_t>(rows * cols), s, copies); };
  pc.run = [=](int i) { cuda::rmsnorm_cuda(s, rows, cols, (**x)[static_cast<std::size_t>(i)].get(), w->get(), 1e-6f, out->get(), nullptr); };
  pc.release = [=] { x->reset(); };
  return {std::move(name), pc};
}

TEST(CudaBenchmark, WritesProfileTables) {
  const char* dir = std::getenv("LCPERF_KERNEL_BENCH_OUT");
  if (dir == nullptr) GTEST_SKIP() << "set LCPERF_KERNEL_BENCH_OUT to run the GPU benchmark";
  LCPERF_REQUIRE_GPU();
  std::vector<Named> cases;
  cases.push_back(gemm_case("gemm_bf16_4096x4096x4096", 4096, 4096, 4096, Storage::bf16));
  cases.push_back(gemm_case("gemm_bf16_decode_16x4096x4096", 16, 4096, 4096, Storage::bf16));
  cases.push_back(gemm_case("cublas_fp16_8192x16x8192", 16, 8192, 8192, Storage::fp16));  // dense baseline of the SpMM below
  cases.push_back(spmm_case("spmm_tiled_csl_fp16_8192x16x8192_s0.8", 8192, 16, 8192, 0.8));
  cases.push_back(gemm_case("cublas_fp16_8192x128x8192", 128, 8192, 8192, Storage::fp16));
  cases.push_back(spmm_case("spmm_tiled_csl_fp16_8192x128x8192_s0.8", 8192, 128, 8192, 0.8));
  cases.push_back(attention_case("attn_fwd_bf16_causal_b1_q4096_h32kv8_d128", 4096, 4096, 1, 32, 8, 128));
  cases.push_back(attention_case("attn_fwd_bf16_causal_b4_q1024_h32kv8_d128", 1024, 1024, 4, 32, 8, 128));
  cases.push_back(decode_case("attn_decode_bf16_b32_kv4096_h32kv8_d128", 32, 4096, 32, 8, 128));
  cases.push_back(rmsnorm_case("rmsnorm_bf16_16384x4096", 16384, 4096));

  std::vector<ProfileCase> plain;
  for (const Named& n : cases) plain.push_back(n.c);
  ProfileOptions options;
  options.warmup = 3;
  options.repetitions = 11;
  auto timer = cuda::make_event_timer(nullptr);
  const auto results = profile_cases(plain, options, *timer);
  ASSERT_EQ(results.size(), cases.size());
  std::ofstream(std::string(dir) + "/profile_tables.json") << profile_tables_json(results);
  std::ofstream summary(std::string(dir) + "/summary.tsv");
  summary << "name\tmedian_s\tmin_s\tmax_s\tcopies\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    summary << cases[i].name << '\t' << results[i].median_s << '\t' << results[i].min_s << '\t' << results[i].max_s
            << '\t' << results[i].copies << '\n';
    EXPECT_GT(results[i].median_s, 0.0) << cases[i].name;
  }
}

}  // namespace
}  // namespace lcperf::kernels
#endif
