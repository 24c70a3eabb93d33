#pragma once
// Kernel profiling harness: times each case of a shape grid with warm-up calls,
// repetitions and a median, rotating through enough independent input copies that
// one call's inputs are evicted from the cache before they are used again. Results
// are written as measured-table rows of a device profile (cost_models/README.md,
// "Measured tables"): {"<class>": {"table": [{"shape": {...}, "time_s": t}, ...]}}.
// Knows nothing of lcperf's libraries: cases carry their op JSON as text.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lcperf::kernels {

// Measures one interval. The CPU timer reads std::chrono::steady_clock; the CUDA
// timer (kernels/cuda/event_timer.hpp) records events on a stream and synchronises.
class IntervalTimer {
 public:
  virtual ~IntervalTimer() = default;
  virtual void start() = 0;
  virtual double stop_seconds() = 0;
};

std::unique_ptr<IntervalTimer> make_steady_timer();

struct ProfileCase {
  std::string op_class;                 // gemm, attention_fwd, attention_bwd, attention_decode, elementwise, memcpy, spmm
  std::string shape_json;               // the op JSON of the table row, e.g. {"m":4096,"n":16,"k":4096,"dtype":"bf16"}
  std::size_t bytes_per_call = 0;       // bytes of input one call reads
  std::function<void(int copies)> prepare;  // make `copies` independent input sets
  std::function<void(int copy)> run;        // one call on input set `copy`
  std::function<void()> release;            // optional
};

struct ProfileOptions {
  int warmup = 3;
  int repetitions = 11;
  std::size_t cache_bytes = std::size_t{64} << 20;  // largest cache to defeat (H200 L2 is 50 MiB)
  int max_copies = 32;
};

struct ProfileResult {
  std::string op_class;
  std::string shape_json;
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;
  int repetitions = 0;
  int copies = 0;
};

// Input copies so that the copies together exceed twice the cache (at least 1).
int rotation_copies(std::size_t bytes_per_call, const ProfileOptions& options);

double median_of(std::vector<double> samples);

std::vector<ProfileResult> profile_cases(const std::vector<ProfileCase>& cases, const ProfileOptions& options,
                                         IntervalTimer& timer);

// The rows grouped by class, as a JSON object (medians as time_s).
std::string profile_tables_json(const std::vector<ProfileResult>& results);

}  // namespace lcperf::kernels
