#include "backends/cpu/cpu_runtime.hpp"

#include <stdexcept>
#include <vector>

#include "backends/cpu/cpu_world.hpp"
#include "backends/live_runtime.hpp"

namespace lcperf::backends::cpu {

namespace {

// One rank's view of the world; the rank program runs on its own thread.
using CpuRuntime = LiveRuntime<CpuWorld>;

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
  return run_rank_programs(world, programs);
}

}  // namespace lcperf::backends::cpu
