#include "backends/cpu/cpu_runtime.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include "backends/cpu/cpu_world.hpp"
#include "backends/live_runtime.hpp"

namespace lcperf::backends::cpu {

namespace {

// One rank's view of the world; the rank program runs on its own thread.
using CpuRuntime = LiveRuntime<CpuWorld, Work>;

}  // namespace

std::span<std::byte> live_buffer(core::Runtime& runtime, const core::Tensor& tensor) {
  auto* cpu = dynamic_cast<CpuRuntime*>(&runtime);
  if (cpu == nullptr) throw std::logic_error("live_buffer: not a runtime of the live CPU backend");
  return cpu->world().buffer_span(tensor);
}

LiveResult run_live(const LiveInput& input) {
  check_live_input(input, "run_live");
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < input.ranks; ++r) programs.push_back(input.program_for(r));

  CpuWorld world(input);
  std::vector<std::thread> threads;
  for (int r = 0; r < input.ranks; ++r) {
    threads.emplace_back([&world, &programs, r] {
      CpuRuntime runtime(world, r);
      try {
        programs[static_cast<std::size_t>(r)](runtime);
        runtime.synchronize();
        world.rank_finished(r);
      } catch (const LiveDeadlockError&) {
        // The world holds the report; finish() throws it.
      } catch (const std::exception& e) {
        world.rank_failed(r, e.what());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return world.finish();
}

}  // namespace lcperf::backends::cpu
