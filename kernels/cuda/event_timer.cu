#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/event_timer.hpp"

namespace lcperf::kernels::cuda {

namespace {

class EventTimer final : public IntervalTimer {
 public:
  explicit EventTimer(void* stream) : stream_(detail::as_stream(stream)) {
    detail::check(cudaEventCreate(&begin_), "cudaEventCreate");
    detail::check(cudaEventCreate(&end_), "cudaEventCreate");
  }
  ~EventTimer() override {
    cudaEventDestroy(begin_);
    cudaEventDestroy(end_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  void start() override { detail::check(cudaEventRecord(begin_, stream_), "cudaEventRecord"); }
  double stop_seconds() override {
    detail::check(cudaEventRecord(end_, stream_), "cudaEventRecord");
    detail::check(cudaEventSynchronize(end_), "cudaEventSynchronize");
    float ms = 0;
    detail::check(cudaEventElapsedTime(&ms, begin_, end_), "cudaEventElapsedTime");
    return 1e-3 * ms;
  }

 private:
  cudaStream_t stream_;
  cudaEvent_t begin_ = nullptr;
  cudaEvent_t end_ = nullptr;
};

}  // namespace

std::unique_ptr<IntervalTimer> make_event_timer(void* stream) { return std::make_unique<EventTimer>(stream); }

}  // namespace lcperf::kernels::cuda
