#pragma once
// `--timeout SECONDS` and `--max-memory GIB`, the simulation budget flags of simulate,
// replay, sweep and validate. They are scenario overrides (sim.max_wall_s,
// sim.max_memory_gib), so a flag and a --set of the same field behave alike and the
// loader checks their values.
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.hpp"

namespace CLI {
class App;
}

namespace lcperf::cli {

struct BudgetFlags {
  std::optional<double> timeout_s;
  std::optional<double> max_memory_gib;

  void add_to(CLI::App& command);
  // Appended after the user's --set overrides: the flags win.
  void append_to(std::vector<core::Override>& overrides) const;
};

}  // namespace lcperf::cli
