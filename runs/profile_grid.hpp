#pragma once
// What `lcperf profile` measures: a grid of op shapes per op class, and for each shape a
// kernels::ProfileCase that runs the matching real kernel (CPU references in
// profile_grid_cpu.cpp, CUDA kernels in profile_grid_cuda.cpp).
//
// CPU grids are sized for a single core: the full grid takes a few minutes, --quick well
// under a minute. CPU kernels compute in fp32, so CPU shapes say dtype fp32 (SpMM: fp16,
// the Tiled-CSL value type). CUDA grids use bf16 (SpMM fp16) and LLM-sized shapes.
#include <string>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/op_class.hpp"
#include "kernels/profiling.hpp"

namespace lcperf::runs {

enum class ProfileBackend { cpu, cuda };

struct GridCase {
  cost::OpClass op_class = cost::OpClass::gemm;
  core::OpPart shape;
};

// The cases of the requested classes, class by class in the order given.
std::vector<GridCase> profile_grid(ProfileBackend backend, const std::vector<cost::OpClass>& classes, bool quick);

// A case that runs `c` on one CPU core with the kernels/cpu references. Inputs are
// filled with a cheap deterministic pattern (values do not change fp32 timing; no
// denormals), `copies` of them for the harness's cache-defeating rotation.
kernels::ProfileCase make_cpu_case(const GridCase& c);

// The same on the first GPU with the kernels/cuda kernels. Throws core::InputError in a
// build without CUDA.
kernels::ProfileCase make_cuda_case(const GridCase& c);

// cuBLAS "major.minor.patch" for provenance; empty in a build without CUDA.
std::string cublas_version();

}  // namespace lcperf::runs
