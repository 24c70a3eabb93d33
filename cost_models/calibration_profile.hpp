#pragma once
// A kernel profile: the measurements `lcperf profile` writes and `lcperf calibrate`
// fits a device profile to. Each row is one op shape that ran on the device, with the
// median, min and max of its timed repetitions; the provenance says where and how it
// was measured. The JSON format is documented in cost_models/README.md ("Calibration").
#include <cstdint>
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
  int preempted = 0;           // samples set aside: the timing thread lost its core meanwhile
  bool all_preempted = false;  // no unpreempted sample: the times include the host's load
  double probe_s = 0;          // host speed probe just before the row (kernels/speed_probe.hpp); 0 = none
  double speed_factor = 1;     // the times above were scaled by this to the profile's median speed
};

struct ProfileTiming {
  int warmup = 0;
  int repetitions = 0;
  double cache_bytes = 0;  // the cache the input rotation defeats
  int max_copies = 0;
  double min_cpu_share = 0;  // samples below this share of CPU were taken again (0: all kept)
  int max_attempts = 1;      // calls per wanted repetition at most
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
  std::int64_t preempted_samples = 0;  // samples taken again because another process held the core
  double speed_probe_s = 0;  // the host speed the rows describe (median probe); 0 = not probed
  std::vector<ProfileRow> rows;
};

// Strict parse: malformed JSON names origin:line:column; unknown keys, wrong types and
// out-of-range values raise core::InputError naming origin and the JSON path.
KernelProfile parse_kernel_profile(std::string_view json_text, const std::string& origin);
KernelProfile load_kernel_profile(const std::string& path);

}  // namespace lcperf::cost
