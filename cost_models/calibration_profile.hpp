#pragma once
// A kernel profile: the measurements `lcperf profile` writes and `lcperf calibrate`
// fits a device profile to. Each row is one op shape that ran on the device, with the
// median, min and max of its timed repetitions; the provenance says where and how it
// was measured. The JSON format is documented in cost_models/README.md ("Calibration").
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/op_class.hpp"

namespace lcperf::cost {

inline constexpr std::string_view kKernelProfileFormat = "lcperf-kernel-profile";
inline constexpr int kKernelProfileFormatVersion = 1;

struct ProfileRow {
  OpClass op_class = OpClass::gemm;
  core::OpPart shape;
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;
  int repetitions = 0;
  int copies = 0;  // input copies rotated through to defeat the cache
};

struct ProfileTiming {
  int warmup = 0;
  int repetitions = 0;
  double cache_bytes = 0;  // the cache the input rotation defeats
  int max_copies = 0;
};

struct KernelProfile {
  std::string origin;          // the file it was read from; not serialized
  std::string date;            // UTC, ISO 8601 (2026-01-31T12:00:00Z)
  std::string backend;         // "cpu" or "cuda"
  std::string device;          // CPU model or GPU name
  int threads = 1;             // CPU threads a kernel used (the CPU backend times one core)
  std::string lcperf_version;
  std::map<std::string, std::string> versions;  // compiler, cuda_runtime, cuda_driver, cublas, ...
  ProfileTiming timing;
  bool quick = false;
  int concurrent = 1;          // kernels running at once while one was timed (CPU --for-scenario)
  double wall_s = 0;           // how long the profile took
  std::vector<ProfileRow> rows;
};

// Strict parse: malformed JSON names origin:line:column; unknown keys, wrong types and
// out-of-range values raise core::InputError naming origin and the JSON path.
KernelProfile parse_kernel_profile(std::string_view json_text, const std::string& origin);
KernelProfile load_kernel_profile(const std::string& path);

}  // namespace lcperf::cost
