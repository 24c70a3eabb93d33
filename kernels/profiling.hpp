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
  // Of the last interval, the fraction the calling thread was on a CPU (its thread CPU
  // time over the wall time). Below 1 the OS ran something else on that core meanwhile:
  // the sample timed the host's load, not the kernel. Timers that cannot tell say 1.
  virtual double last_cpu_share() const { return 1.0; }
};

std::unique_ptr<IntervalTimer> make_steady_timer();

// CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID), in seconds: next to the
// wall clock it tells whether the thread kept its core (the profile's preempted samples,
// the live CPU backend's kernel CPU share).
double thread_cpu_seconds();

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
  // A repetition during which the timing thread was on a CPU less than this share of the
  // time was preempted by another process; it is set aside and taken again, up to
  // `max_attempts` x repetitions calls in all. 0 keeps every sample.
  double min_cpu_share = 0.9;
  int max_attempts = 4;
};

struct ProfileResult {
  std::string op_class;
  std::string shape_json;
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;
  int repetitions = 0;
  int copies = 0;
  int preempted = 0;  // samples set aside because the timing thread was preempted
  // True when no repetition ran unpreempted within the attempts: the figures then come
  // from the preempted samples and time the host's load as well as the kernel.
  bool all_preempted = false;
};

// Input copies so that the copies together exceed twice the cache (at least 1).
int rotation_copies(std::size_t bytes_per_call, const ProfileOptions& options);

double median_of(std::vector<double> samples);

std::vector<ProfileResult> profile_cases(const std::vector<ProfileCase>& cases, const ProfileOptions& options,
                                         IntervalTimer& timer);

// The rows grouped by class, as a JSON object (medians as time_s).
std::string profile_tables_json(const std::vector<ProfileResult>& results);

}  // namespace lcperf::kernels
