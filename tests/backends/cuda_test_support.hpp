#pragma once
// Helpers of the live CUDA backend tests: skip without a usable backend, typed host
// views of device tensors, timeline lookups.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/cuda/cuda_runtime.hpp"
#include "kernels/device_info.hpp"

#define LCPERF_REQUIRE_CUDA_BACKEND()                                                   \
  do {                                                                                  \
    std::string lcperf_why_;                                                            \
    if (!::lcperf::backends::cuda::cuda_backend_available(&lcperf_why_)) GTEST_SKIP() << lcperf_why_; \
  } while (0)

namespace lcperf::backends::cuda::test {

inline int visible_gpus() { return static_cast<int>(kernels::query_cuda_environment().gpus.size()); }

inline core::TensorDesc floats(const std::string& name, std::int64_t count, core::MemoryTag tag = core::MemoryTag::other) {
  return core::TensorDesc{name, {count}, core::DType::fp32, tag};
}

inline std::vector<float> read_floats(core::Runtime& rt, const core::Tensor& t) {
  const std::vector<std::byte> bytes = read_tensor(rt, t);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

inline void write_floats(core::Runtime& rt, const core::Tensor& t, const std::vector<float>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  write_tensor(rt, t, bytes);
}

inline backends::LiveInput input_of(int ranks, std::function<void(core::Runtime&)> program) {
  backends::LiveInput in;
  in.ranks = ranks;
  in.memory_capacity_bytes = std::int64_t{1} << 30;
  in.program_for = [program](int) { return core::RankProgram(program); };
  return in;
}

// Every rank on GPU 0: the single-GPU mode.
inline CudaOptions one_gpu(int ranks) {
  CudaOptions o;
  o.device_of_rank.assign(static_cast<std::size_t>(ranks), 0);
  o.transport = CudaTransport::device_copies;
  return o;
}

inline const core::TimelineRecord& record(const core::RunRecords& r, const std::string& name, int rank = -1) {
  const auto it = std::find_if(r.timeline.begin(), r.timeline.end(),
                               [&](const auto& rec) { return rec.name == name && (rank < 0 || rec.rank == rank); });
  if (it == r.timeline.end()) throw std::runtime_error("no record " + name);
  return *it;
}

// A GEMM big enough to take a visible time on an H100/H200 (~0.1 ms).
inline core::KernelOp gemm_op(const std::string& name, std::int64_t size = 2048) {
  core::KernelOp op;
  op.name = name;
  op.category = "forward";
  op.parts.push_back(core::GemmShape{size, size, size, 1, core::DType::bf16});
  return op;
}

}  // namespace lcperf::backends::cuda::test
