#include "bench/bench_support.hpp"

namespace lcperf::bench {

// Filled in once the training scheduler is wired (1024-GPU Qwen2.5-72B iteration).
void run_registered_cases(bool) {}

}  // namespace lcperf::bench
