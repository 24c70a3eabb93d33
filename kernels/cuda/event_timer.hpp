#pragma once
// IntervalTimer on CUDA events recorded on a stream (`void*` cudaStream_t):
// stop_seconds() records the end event and waits for it, so the interval is device
// time of the work enqueued in between. Defined only in the CUDA build.
#include <memory>

#include "kernels/profiling.hpp"

namespace lcperf::kernels::cuda {

std::unique_ptr<IntervalTimer> make_event_timer(void* stream);

}  // namespace lcperf::kernels::cuda
