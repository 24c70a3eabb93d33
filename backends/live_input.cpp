#include "backends/live_input.hpp"

namespace lcperf::backends {

void check_live_input(const LiveInput& input, std::string_view caller) {
  const std::string who(caller);
  if (input.ranks <= 0) throw std::invalid_argument(who + ": ranks must be positive");
  if (!input.program_for) throw std::invalid_argument(who + ": program_for is empty");
  if (input.memory_capacity_bytes <= 0) throw std::invalid_argument(who + ": memory_capacity_bytes must be positive");
}

}  // namespace lcperf::backends
