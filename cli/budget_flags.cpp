#include "cli/budget_flags.hpp"

#include <CLI/CLI.hpp>

#include "core/number_text.hpp"

namespace lcperf::cli {

void BudgetFlags::add_to(CLI::App& command) {
  command
      .add_option("--timeout", timeout_s,
                  "Stop the simulation after this many seconds of wall time and write its outputs marked "
                  "partial, exit 1 (sets sim.max_wall_s; 0 = no limit)")
      ->type_name("SECONDS");
  command
      .add_option("--max-memory", max_memory_gib,
                  "Memory the size check allows the simulation before it runs (sets sim.max_memory_gib; "
                  "0 = no limit)")
      ->type_name("GIB");
}

void BudgetFlags::append_to(std::vector<core::Override>& overrides) const {
  if (timeout_s) overrides.push_back({"sim.max_wall_s", core::number_text(*timeout_s, 17)});
  if (max_memory_gib) overrides.push_back({"sim.max_memory_gib", core::number_text(*max_memory_gib, 17)});
}

}  // namespace lcperf::cli
